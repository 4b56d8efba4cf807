"""Aiming: which segments, places and keywords suit a job, and why.

``fit`` is pure (tallies -> score, verdict, reasons); ``places`` turns where the job's trade lives
into the cities its ads cover; ``aim.campaign_targeting`` builds a campaign's one targeting (used
by publishing and by the dashboard's preview); ``service`` asks the database for the tallies.
Nothing here reads age, gender, the generator's planted labels or the simulated market, and
nothing here imports ``adflux.campaigns`` (campaigns builds on targeting, not the reverse).
"""
