"""A local stand-in for Meta, Google Ads, X, TikTok and Snapchat, speaking each one's wire protocol.

It imports nothing from the rest of AdFlux: it plays the outside world. Start it with
`python -m adflux.sandbox` or `adflux.sandbox.server.start_in_thread()` in tests.
"""
