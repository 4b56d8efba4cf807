"""Per-platform normalisation and SHA-256 of candidates' emails and phones.

Expected hashes are computed here with hashlib on the literal normalised text each platform's
documentation asks for (research/platforms.md §3), not with the code under test.
"""

from __future__ import annotations

import hashlib
import re
from types import SimpleNamespace

import pytest

from adflux.audiences.hashing import (
    HASH_SCHEMAS,
    hash_members,
    hash_schema,
    normalize_email,
    normalize_phone,
    sha256_hex,
)
from adflux.platforms.base import HashedMember

PLATFORMS = ("meta", "google", "x", "tiktok")
HEX64 = re.compile(r"[0-9a-f]{64}")


def h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def contact(email: str | None = None, phone: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(email=email, phone=phone)


def test_sha256_hex_known_vector() -> None:
    # FIPS 180-2 test vector for "abc"
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


# --------------------------------------------------------------------------- emails


@pytest.mark.parametrize(
    ("platform", "raw", "normalised"),
    [
        ("meta", "  Juliana.Pérez@Correo.COM.co ", "juliana.pérez@correo.com.co"),
        ("google", "  Juliana.Pérez@Correo.COM.co ", "juliana.pérez@correo.com.co"),
        ("x", "  Juliana.Pérez@Correo.COM.co ", "juliana.pérez@correo.com.co"),
        ("tiktok", "  Juliana.Pérez@Correo.COM.co ", "juliana.pérez@correo.com.co"),
        # Meta's SDK also strips dots (and \0, \x0b) at both ends
        ("meta", "\tAndres.Nino@Gmail.com.\n", "andres.nino@gmail.com"),
        # Data Manager removes every whitespace, inside too
        ("google", "andres nino @gmail.com", "andresnino@gmail.com"),
        # TikTok drops the "+tag" of the local part
        ("tiktok", "Camila+Empleos@Hotmail.com", "camila@hotmail.com"),
        ("meta", "Camila+Empleos@Hotmail.com", "camila+empleos@hotmail.com"),
    ],
)
def test_email_normalisation(platform: str, raw: str, normalised: str) -> None:
    assert normalize_email(platform, raw) == normalised


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "sin correo",
        "n/a",
        "juan@",
        "@correo.com",
        "juan@correo",
        "a@b@c.co",
        "x" * 250 + "@c.co",
    ],
)
def test_invalid_emails_are_dropped(platform: str, raw: str | None) -> None:
    assert normalize_email(platform, raw) is None


def test_internal_whitespace_is_invalid_except_for_google() -> None:
    assert normalize_email("meta", "andres nino@gmail.com") is None
    assert normalize_email("x", "andres nino@gmail.com") is None
    assert normalize_email("google", "andres nino@gmail.com") == "andresnino@gmail.com"


# --------------------------------------------------------------------------- phones

MOBILE_SPELLINGS = [
    "300 123 4567",
    "3001234567",
    "+57 300 123 4567",
    "573001234567",
    "(+57) 300-123-4567",
    "+57 300.123.45.67",
]


@pytest.mark.parametrize("raw", MOBILE_SPELLINGS)
@pytest.mark.parametrize(
    ("platform", "normalised"),
    [
        ("meta", "573001234567"),  # digits with country code, no "+"
        ("google", "+573001234567"),  # E.164 with "+"
        ("x", "573001234567"),  # inferred: E.164 digits
        ("tiktok", "+573001234567"),  # E.164 with "+" (TikTok's pages conflict)
    ],
)
def test_colombian_mobile_per_platform(raw: str, platform: str, normalised: str) -> None:
    assert normalize_phone(platform, raw) == normalised


def test_colombian_landline_and_foreign_numbers() -> None:
    assert normalize_phone("meta", "(601) 765 4321") == "576017654321"
    assert normalize_phone("google", "604 444 5566") == "+576044445566"
    assert normalize_phone("google", "+1 650 253 0000") == "+16502530000"


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("raw", [None, "", "12345", "sin teléfono", "7654321", "+57 (1) 765 4321"])
def test_invalid_phones_are_dropped(platform: str, raw: str | None) -> None:
    assert normalize_phone(platform, raw) is None


# --------------------------------------------------------------------------- members


@pytest.mark.parametrize(
    ("platform", "email_text", "phone_text"),
    [
        ("meta", "maría.ñañez@empresa.com.co", "573157654321"),
        ("google", "maría.ñañez@empresa.com.co", "+573157654321"),
        ("x", "maría.ñañez@empresa.com.co", "573157654321"),
        ("tiktok", "maría.ñañez@empresa.com.co", "+573157654321"),
    ],
)
def test_hashes_match_values_computed_by_hand(
    platform: str, email_text: str, phone_text: str
) -> None:
    members, skipped = hash_members(
        platform, [contact(" María.Ñañez@Empresa.com.co ", "315 765 4321")]
    )

    assert skipped == 0
    assert members == (HashedMember(email_sha256=h(email_text), phone_sha256=h(phone_text)),)


def test_same_phone_hashes_differently_per_platform() -> None:
    phone_hashes = {
        platform: hash_members(platform, [contact(phone="300 123 4567")])[0][0].phone_sha256
        for platform in PLATFORMS
    }

    assert phone_hashes["meta"] == phone_hashes["x"] == h("573001234567")
    assert phone_hashes["google"] == phone_hashes["tiktok"] == h("+573001234567")
    assert phone_hashes["meta"] != phone_hashes["google"]


def test_invalid_contacts_are_skipped_and_counted_never_sent() -> None:
    contacts = [
        contact("laura.gomez@gmail.com", "300 123 4567"),
        contact("no-es-un-correo", "318 555 1234"),  # phone only
        contact("carlos@outlook.com", "123"),  # email only
        contact("sin correo", "sin teléfono"),  # nothing valid: skipped
        contact(None, None),  # skipped
        contact("LAURA.GOMEZ@gmail.com ", "+57 300 123 4567"),  # duplicate of the first
    ]

    members, skipped = hash_members("meta", contacts)

    assert skipped == 2
    assert members == (
        HashedMember(h("laura.gomez@gmail.com"), h("573001234567")),
        HashedMember(None, h("573185551234")),
        HashedMember(h("carlos@outlook.com"), None),
    )
    for member in members:
        for value in (member.email_sha256, member.phone_sha256):
            assert value is None or HEX64.fullmatch(value)
    dump = repr(members)
    for raw in ("laura", "carlos", "gmail", "3001234567", "3185551234"):
        assert raw not in dump


def test_no_contacts_no_members() -> None:
    assert hash_members("google", []) == ((), 0)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_hash_schema_fits_the_audit_column(platform: str) -> None:
    schema = hash_schema(platform)

    assert schema == HASH_SCHEMAS[platform]
    assert len(schema) <= 100  # AudienceSync.hash_schema is String(100)
    assert "sha256" in schema


def test_unknown_platform_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown platform 'linkedin'"):
        hash_members("linkedin", [contact("a@b.co")])
    with pytest.raises(ValueError, match="unknown platform"):
        normalize_phone("linkedin", "3001234567")
