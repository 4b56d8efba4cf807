"""AdFlux: automated job advertising."""
