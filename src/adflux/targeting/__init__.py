"""Aiming: which segments (and later people and places) suit a job, and why.

``fit`` is pure (tallies -> score, verdict, reasons); ``service`` asks the database for the tallies.
Nothing here reads age, gender, the generator's planted labels or the simulated market.
"""
