"""Google Ads API v26 over gRPC/TLS, emulated with the google-ads wheel's own message classes.

`grpc_server.start(state=..., host=..., port=...)` is the hook `adflux.sandbox.server` calls.
"""
