"""Job feeds: read an employer's XML or JSON-LD feed, map it to AdFlux's jobs, keep them in step."""
