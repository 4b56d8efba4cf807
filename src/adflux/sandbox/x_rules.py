"""What the emulated X Ads API accepts: OAuth 1.0a signatures, parameter rules, post length.

Error codes and shapes from X's "error codes and responses" page; post length per X's
"counting characters" page (research/platforms.md §4.3, §6).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from oauthlib.oauth1.rfc5849 import signature, utils

MAX_POST_WEIGHT = 280
URL_WEIGHT = 23
URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)
# twitter-text v3 config: these code point ranges weigh 1, everything else (CJK, emoji) 2.
LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
OAUTH_MAX_SKEW_S = 300
# RFC 5849 §3.6 percent-encoding of each UTF-8 byte: unreserved characters stay as they are.
_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
_ESCAPED = tuple(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in range(256))

ENTITY_STATUSES = {"ACTIVE", "DRAFT", "PAUSED"}
OBJECTIVES = {
    "APP_ENGAGEMENTS",
    "APP_INSTALLS",
    "ENGAGEMENTS",
    "FOLLOWERS",
    "PREROLL_VIEWS",
    "REACH",
    "VIDEO_VIEWS",
    "WEBSITE_CLICKS",
    "WEBSITE_CONVERSIONS",
}
PLACEMENTS = {
    "ALL_ON_TWITTER",
    "PUBLISHER_NETWORK",
    "TWITTER_PROFILE",
    "TWITTER_SEARCH",
    "TWITTER_TIMELINE",
    "TAP_BANNER",
    "TAP_FULL",
    "TAP_FULL_LANDSCAPE",
    "TAP_NATIVE",
    "TAP_MRECT",
}
PRODUCT_TYPES = {"MEDIA", "PROMOTED_ACCOUNT", "PROMOTED_TWEETS"}
BID_STRATEGIES = {"AUTO", "MAX", "TARGET"}
TARGETING_TYPES = {
    "AGE",
    "BROAD_KEYWORD",
    "CUSTOM_AUDIENCE",
    "CUSTOM_AUDIENCE_EXPANDED",
    "GENDER",
    "INTEREST",
    "LANGUAGE",
    "LOCATION",
    "PHRASE_KEYWORD",
    "SIMILAR_TO_FOLLOWERS_OF_USER",
}
AGE_BUCKETS = {
    "AGE_13_TO_24", "AGE_13_TO_34", "AGE_13_TO_49", "AGE_13_TO_54", "AGE_OVER_13",
    "AGE_18_TO_34", "AGE_18_TO_49", "AGE_18_TO_54", "AGE_OVER_18",
    "AGE_21_TO_34", "AGE_21_TO_49", "AGE_21_TO_54", "AGE_OVER_21", "AGE_25_TO_49",
    "AGE_25_TO_54", "AGE_OVER_25", "AGE_35_TO_49", "AGE_35_TO_54", "AGE_OVER_35",
    "AGE_OVER_50",
}  # fmt: skip
USER_KEYS = {"email", "phone_number", "twitter_id", "handle", "device_id", "partner_user_id"}
MAX_AUDIENCE_OPERATIONS = 2_500
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


@dataclass
class XError(Exception):
    """One X Ads API error answer: HTTP status and the `errors` array."""

    status: int
    code: str
    message: str
    parameter: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self, params: dict[str, Any]) -> dict[str, Any]:
        error = {"code": self.code, "message": self.message}
        if self.parameter:
            error["parameter"] = self.parameter
        return {"errors": [error], "request": {"params": params}}


def missing(name: str) -> XError:
    return XError(400, "MISSING_PARAMETER", f'"{name}" is a required parameter', name)


def invalid(name: str, message: str) -> XError:
    return XError(400, "INVALID_PARAMETER", message, name)


def require(params: dict[str, Any], *names: str) -> None:
    for name in names:
        if params.get(name) in (None, "", []):
            raise missing(name)


def one_of(params: dict[str, Any], name: str, allowed: set[str]) -> None:
    value = params.get(name)
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item is not None and item not in allowed:
            raise invalid(name, f'Expected one of {sorted(allowed)}, got "{item}" for {name}')


def micros(params: dict[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise invalid(name, f'Expected Long, got "{value}" for {name}')
    return int(value)


def daily_budget(params: dict[str, Any], total: int | None) -> int | None:
    """A campaign's `daily_budget_amount_local_micro`: a positive Long, at most the total budget
    ("This should be less than or equal to the total_budget_amount_local_micro")."""
    name = "daily_budget_amount_local_micro"
    daily = micros(params, name)
    if daily is not None and daily <= 0:
        raise invalid(name, f"{name} must be greater than 0")
    if daily is not None and total is not None and daily > total:
        raise invalid(name, f"{name} must be less than or equal to total_budget_amount_local_micro")
    return daily


def weighted_length(text: str) -> int:
    """X's weighted post length: URLs count 23, light code points 1, the rest (emoji, CJK) 2."""
    parts = URL.split(unicodedata.normalize("NFC", text))
    light = sum(
        1 if any(lo <= ord(char) <= hi for lo, hi in LIGHT_RANGES) else 2
        for part in parts
        for char in part
    )
    return light + URL_WEIGHT * (len(parts) - 1)


def check_post_text(text: str | None) -> None:
    if text is None:
        return
    if not text.strip():
        raise invalid("text", "Tweet text cannot be empty")
    length = weighted_length(text)
    if length > MAX_POST_WEIGHT:
        raise invalid("text", f"Tweet text is too long: {length} weighted characters, limit 280")


def verify_oauth(
    method: str,
    base_url: str,
    raw_query: str,
    authorization: str | None,
    form_body: str | None,
    secrets: dict,
) -> None:
    """Check an `Authorization: OAuth ...` header signed with HMAC-SHA1 (RFC 5849).

    `raw_query` must be the query string exactly as received (still percent-encoded).
    """
    unauthorized = XError(401, "UNAUTHORIZED_ACCESS", "This request is not properly authenticated")
    if not authorization or not authorization.startswith("OAuth "):
        raise unauthorized
    try:
        header_params = utils.parse_authorization_header(authorization)
        # The header is parsed once here and added below, as collect_parameters would add it.
        params = signature.collect_parameters(
            uri_query=raw_query, body=form_body, exclude_oauth_signature=True
        )
    except ValueError:
        raise unauthorized from None
    header = dict(header_params)
    params += [
        (key, utils.unescape(value) if key.startswith("oauth_") else value)
        for key, value in header_params
        if key not in ("realm", "oauth_signature")
    ]
    if (
        header.get("oauth_signature_method") != "HMAC-SHA1"
        or header.get("oauth_consumer_key") != secrets["consumer_key"]
        or header.get("oauth_token") != secrets["access_token"]
        or abs(time.time() - float(header.get("oauth_timestamp") or 0)) > OAUTH_MAX_SKEW_S
    ):
        raise unauthorized
    base_string = "&".join(
        (
            _escape(method.upper()),
            _escape(signature.base_string_uri(base_url)),
            _escape(_normalize(params)),
        )
    )
    key = f"{_escape(secrets['consumer_secret'])}&{_escape(secrets['access_token_secret'])}"
    expected = base64.b64encode(
        hmac.new(key.encode(), base_string.encode(), hashlib.sha1).digest()
    ).decode()
    if not hmac.compare_digest(expected, utils.unescape(header.get("oauth_signature") or "")):
        raise unauthorized


def _escape(text: str) -> str:
    """oauthlib's `utils.escape`, by table: its per-character quoting cost ~100 us a request."""
    return "".join(map(_ESCAPED.__getitem__, text.encode()))


def _normalize(params: list[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.3.2, as oauthlib's `signature.normalize_parameters`."""
    return "&".join(f"{k}={v}" for k, v in sorted((_escape(k), _escape(v)) for k, v in params))


def check_users_operations(body: Any) -> tuple[int, dict[str, set[str]], dict[str, set[str]]]:
    """Validate a custom-audience users upload: (user count, hashes to add, hashes to remove)."""
    if not isinstance(body, list) or not body:
        raise invalid("operations", "Expected a JSON array of operations")
    if len(body) > MAX_AUDIENCE_OPERATIONS:
        raise invalid("operations", f"At most {MAX_AUDIENCE_OPERATIONS} operations per request")
    add: dict[str, set[str]] = {}
    remove: dict[str, set[str]] = {}
    count = 0
    for operation in body:
        kind = operation.get("operation_type") if isinstance(operation, dict) else None
        if kind not in ("Update", "Delete"):
            raise invalid("operation_type", 'Expected "Update" or "Delete"')
        users = (operation.get("params") or {}).get("users")
        if not isinstance(users, list) or not users:
            raise missing("users")
        target = add if kind == "Update" else remove
        for user in users:
            if not isinstance(user, dict) or not user or set(user) - USER_KEYS:
                raise invalid("users", f"User keys must be among {sorted(USER_KEYS)}")
            for key, values in user.items():
                if key in ("email", "phone_number") and not all(
                    isinstance(v, str) and SHA256_HEX.match(v) for v in values
                ):
                    raise invalid(key, f"{key} values must be lowercase SHA-256 hex digests")
                target.setdefault(key, set()).update(values)
            count += 1
    return count, add, remove
