"""Job openings: the things AdFlux advertises."""
