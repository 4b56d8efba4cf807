"""Optimisation: moving a campaign's daily budget across its arms (platform × segment) toward the
applications they buy. This package is the pure core: response curves learnt from each arm's
daily history and the budget split they imply; no database, no platform calls."""
