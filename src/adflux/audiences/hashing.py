"""Normalise and SHA-256 hash candidates' emails and phones, each platform its own way.

The same person hashes differently per platform, because each platform hashes a different text
(research/platforms.md §3, re-checked against each platform's current page). Phones are parsed as
Colombian numbers with `phonenumbers` (`parse(n, "CO")`, so "300 123 4567", "573001234567" and
"+57 300 123 4567" are one number), then:

- meta (Custom Audiences "Hashing and Normalizing Data"): email trimmed and lowercased; the SDK's
  own normaliser (customaudiencemixin.py) strips " \\t\\r\\n\\0\\x0b." at both ends. Phone:
  digits with the country code, no "+", no leading zeros (573001234567).
- google (Data Manager "Format user data"): email lowercased, every whitespace removed; for
  gmail.com and googlemail.com addresses every "." before the "@" and any "+suffix" are removed too
  ("cloudy.sanfrancisco+shopping@gmail.com" -> "cloudysanfrancisco@gmail.com"), other domains keep
  them. Phone: E.164 with "+" (+573001234567).
- x (Custom Audiences "User Data"): email lowercased, leading and trailing spaces removed. The
  page gives no phone format; X's own sample hashing tool (twitterdev/ads-platform-tools) accepts
  digits only with leading zeros dropped, i.e. E.164 digits without "+".
- tiktok ("List of supported IDs and formats for a customer file", August 2025): email lowercased,
  spaces removed, "+" and what follows it up to the "@" removed. Phone: symbols removed including
  "+", country code kept (37493828222; the page's hashed example is the SHA-256 of that text, not
  of "+37493828222").
- snapchat (Snap Audience Match, Customer Lists; the normalisation Snap's partners apply, e.g.
  Segment's Snap Audiences destination): email trimmed and lowercased. Phone: no spaces,
  brackets, "+" or "-", no leading "00" or "0", country code kept, i.e. E.164 digits without "+"
  (573001234567). Mobile ad ids (trimmed, lowercased) are Snap's third key; AdFlux holds none.

Only emails and phones leave AdFlux: names, cities and birth dates are never uploaded (Ley 1581
data minimisation), so no platform's name or city rule applies.

Hashes are lowercase hex SHA-256 of the UTF-8 text, no salt. Invalid emails and phones are never
sent, raw or hashed: the identifier is dropped, and a contact left with none is counted as skipped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Protocol

import phonenumbers

from adflux.platforms.base import HashedMember

DEFAULT_REGION = "CO"

# One "@", something on both sides, a dot in the domain, no whitespace. Enough to keep typos and
# placeholders ("n/a", "sin correo") out of an upload; platforms match on the hash anyway.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
_EMAIL_MAX = 254  # RFC 5321 path limit


class Contact(Protocol):
    """Anything with an email and a phone, e.g. a Candidate row."""

    @property
    def email(self) -> str | None: ...

    @property
    def phone(self) -> str | None: ...


# --------------------------------------------------------------------------- emails


def _email_meta(raw: str) -> str:
    # The SDK's own normaliser (customaudiencemixin.py) strips these characters, dot included.
    return raw.strip(" \t\r\n\0\x0b.").lower()


# Data Manager: dots and "+suffix" of the local part are Gmail's own aliases, removed for these two
# domains only ("Format user data", email_address).
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def _email_google(raw: str) -> str:
    email = "".join(raw.split()).lower()
    local, at, domain = email.rpartition("@")
    if at and domain in _GMAIL_DOMAINS:
        return f"{local.split('+', 1)[0].replace('.', '')}@{domain}"
    return email


def _email_trimmed(raw: str) -> str:
    return raw.strip().lower()


def _email_tiktok(raw: str) -> str:
    email = "".join(raw.split()).lower()
    local, at, domain = email.partition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}" if at else email


# --------------------------------------------------------------------------- phones


def _e164(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _digits(e164: str) -> str:
    return e164.removeprefix("+")


def _plus(e164: str) -> str:
    return e164


_EMAIL_RULES: dict[str, Callable[[str], str]] = {
    "meta": _email_meta,
    "google": _email_google,
    "x": _email_trimmed,
    "tiktok": _email_tiktok,
    "snapchat": _email_trimmed,
}
_PHONE_FORMS: dict[str, Callable[[str], str]] = {
    "meta": _digits,
    "google": _plus,
    "x": _digits,
    "tiktok": _digits,
    "snapchat": _digits,
}
# Stored on each AudienceSync row (max 100 characters) so the Ley 1581 trail says how it was hashed.
HASH_SCHEMAS: dict[str, str] = {
    "meta": "v1 sha256-hex; email strip+lower; phone CO-parsed E.164 digits without +",
    "google": "v2 sha256-hex; email no-space+lower, gmail no dots/+tag; phone CO E.164 with +",
    "x": "v1 sha256-hex; email trim+lower; phone CO-parsed E.164 digits without + (inferred)",
    "tiktok": "v2 sha256-hex; email no-space+lower, no +tag; phone CO E.164 digits without +",
    "snapchat": "v1 sha256-hex; email trim+lower; phone CO-parsed E.164 digits without +",
}


def _email_tiktok_v1(raw: str) -> str:
    email = raw.strip().lower()
    local, at, domain = email.partition("@")
    return f"{local.split('+', 1)[0]}{at}{domain}" if at else email


# Rules AdFlux used before they were corrected, keyed by the hash_schema their audiences carry: a
# removal must send the hashes such an audience received (see hash_member_as_uploaded).
_RETIRED_RULES: dict[str, tuple[str, Callable[[str], str], Callable[[str], str]]] = {
    "v1 sha256-hex; email no-whitespace+lower; phone CO-parsed E.164 with +": (
        "google",
        lambda raw: "".join(raw.split()).lower(),
        _plus,
    ),
    "v1 sha256-hex; email trim+lower, no +tag; phone CO-parsed E.164 with +": (
        "tiktok",
        _email_tiktok_v1,
        _plus,
    ),
}


def _check_platform(platform: str) -> None:
    if platform not in _EMAIL_RULES:
        raise ValueError(f"unknown platform {platform!r}; expected one of {sorted(_EMAIL_RULES)}")


def normalize_email(platform: str, raw: str | None) -> str | None:
    """The email as `platform` hashes it, or None when it is missing or not an email."""
    _check_platform(platform)
    if not raw:
        return None
    return _valid_email(_EMAIL_RULES[platform](raw))


def _valid_email(email: str) -> str | None:
    if len(email) > _EMAIL_MAX or not _EMAIL.fullmatch(email):
        return None
    return email


def normalize_phone(platform: str, raw: str | None, *, region: str = DEFAULT_REGION) -> str | None:
    """The phone as `platform` hashes it, or None when it is missing or not a valid number."""
    _check_platform(platform)
    if not raw:
        return None
    e164 = _e164(str(raw), region)
    return _PHONE_FORMS[platform](e164) if e164 else None


def sha256_hex(text: str) -> str:
    """Lowercase hex SHA-256 of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_schema(platform: str) -> str:
    """How `platform`'s identifiers were normalised and hashed, for the audit trail."""
    _check_platform(platform)
    return HASH_SCHEMAS[platform]


def hash_member(
    platform: str, contact: Contact, *, region: str = DEFAULT_REGION
) -> HashedMember | None:
    """The contact as `platform` matches it, or None when it has no valid email nor phone.

    An invalid identifier next to a valid one is just left out.
    """
    email = normalize_email(platform, contact.email)
    phone = normalize_phone(platform, contact.phone, region=region)
    if email is None and phone is None:
        return None
    return HashedMember(
        email_sha256=sha256_hex(email) if email is not None else None,
        phone_sha256=sha256_hex(phone) if phone is not None else None,
    )


def hash_member_as_uploaded(
    platform: str, contact: Contact, *, schema: str, region: str = DEFAULT_REGION
) -> HashedMember | None:
    """The contact hashed by the rule an audience was uploaded with (its AudienceSync.hash_schema),
    so that a removal sends what the audience received, also after a rule was corrected."""
    retired = _RETIRED_RULES.get(schema)
    if retired is None or retired[0] != platform:
        return hash_member(platform, contact, region=region)
    _platform, email_rule, phone_form = retired
    email = _valid_email(email_rule(contact.email)) if contact.email else None
    e164 = _e164(str(contact.phone), region) if contact.phone else None
    phone = phone_form(e164) if e164 else None
    if email is None and phone is None:
        return None
    return HashedMember(
        email_sha256=sha256_hex(email) if email is not None else None,
        phone_sha256=sha256_hex(phone) if phone is not None else None,
    )


def hash_members(
    platform: str, contacts: Iterable[Contact], *, region: str = DEFAULT_REGION
) -> tuple[tuple[HashedMember, ...], int]:
    """(hashed members, skipped count) for `platform`.

    A contact with neither a valid email nor a valid phone is skipped and counted. Duplicate
    members are sent once.
    """
    _check_platform(platform)
    members: dict[HashedMember, None] = {}
    skipped = 0
    for contact in contacts:
        member = hash_member(platform, contact, region=region)
        if member is None:
            skipped += 1
            continue
        members.setdefault(member, None)
    return tuple(members), skipped
