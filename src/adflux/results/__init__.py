"""Results: what every published ad did (the platforms' daily figures) and the applications it
brought (from Magneto's job site), rolled up into cost per application."""
