"""Helpers for the wire-level sandbox tests: sign requests the way each platform's SDK does."""

from __future__ import annotations

import hashlib
import hmac

from requests_oauthlib import OAuth1Session

from adflux.sandbox.faults import FaultPlan
from adflux.sandbox.server import RunningSandbox


def meta_auth(sandbox: RunningSandbox) -> dict[str, str]:
    """The query parameters facebook-business adds to every call."""
    credentials = sandbox.state.credentials["meta"]
    token, secret = credentials["access_token"], credentials["app_secret"]
    proof = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    return {"access_token": token, "appsecret_proof": proof}


def x_session(sandbox: RunningSandbox, **overrides: str) -> OAuth1Session:
    """An OAuth 1.0a session signing like twitter-ads does (requests-oauthlib, HMAC-SHA1)."""
    c = {**sandbox.state.credentials["x"], **overrides}
    return OAuth1Session(
        c["consumer_key"],
        client_secret=c["consumer_secret"],
        resource_owner_key=c["access_token"],
        resource_owner_secret=c["access_token_secret"],
    )


def fault(sandbox: RunningSandbox, platform: str, **plan) -> None:
    sandbox.state.faults.set(platform, FaultPlan.from_dict(plan))
