"""Candidates: the people AdFlux's ads are aimed at."""
