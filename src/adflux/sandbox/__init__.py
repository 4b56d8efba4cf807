"""A local stand-in for Meta, Google Ads, X and TikTok that speaks each platform's wire protocol.

It imports nothing from the rest of AdFlux: it plays the outside world. Start it with
`python -m adflux.sandbox` or `adflux.sandbox.server.start_in_thread()` in tests.
"""
