"""Per-platform normalisation and SHA-256 of candidates' emails and phones.

Expected values are the literal normalised texts and hex digests each platform's documentation asks
for (its own worked examples where it gives one), computed by hand outside AdFlux: never with the
code under test.
"""

from __future__ import annotations

import hashlib
import re
from types import SimpleNamespace

import pytest

from adflux.audiences.hashing import (
    HASH_SCHEMAS,
    hash_member_as_uploaded,
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
        # TikTok drops the "+tag" of the local part, and every space
        ("tiktok", "Camila+Empleos@Hotmail.com", "camila@hotmail.com"),
        ("tiktok", " camila @hotmail.com", "camila@hotmail.com"),
        ("meta", "Camila+Empleos@Hotmail.com", "camila+empleos@hotmail.com"),
        # Data Manager: gmail.com / googlemail.com lose every "." before "@" and the "+suffix"...
        ("google", "Laura.Gomez+Empleos@Gmail.com", "lauragomez@gmail.com"),
        ("google", " andres.nino@GoogleMail.com ", "andresnino@googlemail.com"),
        # ...other domains keep both
        ("google", "A.B+c@Outlook.com", "a.b+c@outlook.com"),
        ("google", "laura.gomez@gmail.com.co", "laura.gomez@gmail.com.co"),
        # the other platforms have no Gmail rule
        ("meta", "Laura.Gomez@Gmail.com", "laura.gomez@gmail.com"),
        ("x", "Laura.Gomez+Empleos@Gmail.com", "laura.gomez+empleos@gmail.com"),
        ("tiktok", "Laura.Gomez+Empleos@Gmail.com", "laura.gomez@gmail.com"),
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
        ("tiktok", "573001234567"),  # symbols removed, "+" included (customer file page)
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


# SHA-256 of the texts in the comments, computed by hand (sha256sum), not by AdFlux.
MARIA_EMAIL = (
    "49b6f70add40021f9562fc56c1b719e7ac646ddab9b3f7015c2250adeeb06988"  # maría.ñañez@empresa.com.co
)
PHONE_DIGITS = "5a10da1ad52438d169b0e6f79185ef05a8bd9bd8acc0391c9d46c104a363132e"  # 573157654321
PHONE_PLUS = "3bdd58529ffd4b8936d8ad1bc8fb95faafc375ff50973952b0e5a7859058c9d5"  # +573157654321


@pytest.mark.parametrize(
    ("platform", "email_hex", "phone_hex"),
    [
        ("meta", MARIA_EMAIL, PHONE_DIGITS),
        ("google", MARIA_EMAIL, PHONE_PLUS),
        ("x", MARIA_EMAIL, PHONE_DIGITS),
        ("tiktok", MARIA_EMAIL, PHONE_DIGITS),
    ],
)
def test_hashes_match_values_computed_by_hand(
    platform: str, email_hex: str, phone_hex: str
) -> None:
    members, skipped = hash_members(
        platform, [contact(" María.Ñañez@Empresa.com.co ", "315 765 4321")]
    )

    assert skipped == 0
    assert members == (HashedMember(email_sha256=email_hex, phone_sha256=phone_hex),)


@pytest.mark.parametrize(
    ("platform", "email", "email_hex"),
    [
        # laura.gomez+empleos@gmail.com for Meta and X, as typed (lower-cased)
        (
            "meta",
            "Laura.Gomez+Empleos@gmail.com",
            "245bde778871850d102dac5d13dee03cd952387519b896e5101784835d40991d",
        ),
        (
            "x",
            "Laura.Gomez+Empleos@gmail.com",
            "245bde778871850d102dac5d13dee03cd952387519b896e5101784835d40991d",
        ),
        # lauragomez@gmail.com for Google (no dots, no +suffix on gmail.com)
        (
            "google",
            "Laura.Gomez+Empleos@gmail.com",
            "dab6457478d7f5905a10c264e0a9ccad1c7b369af43e3d8c283ba232050939d7",
        ),
        # laura.gomez@gmail.com for TikTok (no +tag; dots kept)
        (
            "tiktok",
            "Laura.Gomez+Empleos@gmail.com",
            "fe4fa12286911ace60a60ea6d5d80ebbff57e2d7faa2439e90d74ba272cf60f1",
        ),
    ],
)
def test_gmail_address_hashes_per_platform(platform: str, email: str, email_hex: str) -> None:
    (member,), _ = hash_members(platform, [contact(email)])

    assert member.email_sha256 == email_hex


def test_google_data_manager_worked_examples() -> None:
    # "Format user data": cloudy.sanfrancisco+shopping@gmail.com -> cloudysanfrancisco@gmail.com,
    # user.name+NYC@Example.com -> user.name+nyc@example.com, (800)555-0100 -> +18005550100.
    members, _ = hash_members(
        "google",
        [
            contact("cloudy.sanfrancisco+shopping@gmail.com", "+1 (800) 555-0100"),
            contact("user.name+NYC@Example.com"),
        ],
    )

    assert members == (
        HashedMember(
            "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4",
            "fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30",
        ),
        HashedMember("f109a2a632fbcea5fc82049f50beed3d8621bf9034399f437fb622222acccdac", None),
    )


def test_tiktok_customer_file_worked_examples() -> None:
    # "List of supported IDs and formats for a customer file": the page's own hashed values for
    # the normalised email "janedoe@gmail.com" and phone "37493828222" (no "+").
    (member,), _ = hash_members("tiktok", [contact(" JaneDoe@Gmail.com", "+374 93 828222")])

    assert member == HashedMember(
        "d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69",
        "65b7e6dcf6f4310f8d7cbfbd78289a753062fb054d6664fb9aaac5df66a422d4",
    )


def test_x_worked_example_is_lowercase_hex() -> None:
    # X's "User Data" page: sha256("adsapi") in lower case, no salt.
    assert (
        sha256_hex("adsapi") == "49e0be2aeccfb51a8dee4c945c8a70a9ac500cf6f5cb08112575f74db9b1470d"
    )


def test_same_phone_hashes_differently_per_platform() -> None:
    phone_hashes = {
        platform: hash_members(platform, [contact(phone="300 123 4567")])[0][0].phone_sha256
        for platform in PLATFORMS
    }

    digits = "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172"  # 573001234567
    plus = "5b181b132cc2c1b40eb94df758a7b9048cbcd7581782bd3dd8d5a2f8aca96ad0"  # +573001234567
    assert phone_hashes == {"meta": digits, "x": digits, "tiktok": digits, "google": plus}


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


# The rules AdFlux used before this correction, as stored on their audiences' AudienceSync rows.
OLD_GOOGLE = "v1 sha256-hex; email no-whitespace+lower; phone CO-parsed E.164 with +"
OLD_TIKTOK = "v1 sha256-hex; email trim+lower, no +tag; phone CO-parsed E.164 with +"
PLUS_PHONE = "5b181b132cc2c1b40eb94df758a7b9048cbcd7581782bd3dd8d5a2f8aca96ad0"  # +573001234567
DIGITS_PHONE = "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172"  # 573001234567


@pytest.mark.parametrize(
    ("platform", "schema", "expected"),
    [
        # laura.gomez+empleos@gmail.com: the old Google rule kept dots and +suffix
        (
            "google",
            OLD_GOOGLE,
            HashedMember(
                "245bde778871850d102dac5d13dee03cd952387519b896e5101784835d40991d", PLUS_PHONE
            ),
        ),
        # laura.gomez@gmail.com and a phone with "+": the old TikTok rule
        (
            "tiktok",
            OLD_TIKTOK,
            HashedMember(
                "fe4fa12286911ace60a60ea6d5d80ebbff57e2d7faa2439e90d74ba272cf60f1", PLUS_PHONE
            ),
        ),
        # today's rules: lauragomez@gmail.com for Google, the phone without "+" for TikTok
        (
            "google",
            HASH_SCHEMAS["google"],
            HashedMember(
                "dab6457478d7f5905a10c264e0a9ccad1c7b369af43e3d8c283ba232050939d7", PLUS_PHONE
            ),
        ),
        (
            "tiktok",
            HASH_SCHEMAS["tiktok"],
            HashedMember(
                "fe4fa12286911ace60a60ea6d5d80ebbff57e2d7faa2439e90d74ba272cf60f1", DIGITS_PHONE
            ),
        ),
        # another platform's retired rule does not apply
        (
            "meta",
            OLD_GOOGLE,
            HashedMember(
                "245bde778871850d102dac5d13dee03cd952387519b896e5101784835d40991d", DIGITS_PHONE
            ),
        ),
    ],
)
def test_hash_as_uploaded_follows_the_rule_the_audience_was_uploaded_with(
    platform: str, schema: str, expected: HashedMember
) -> None:
    person = contact("Laura.Gomez+Empleos@Gmail.com", "300 123 4567")

    assert hash_member_as_uploaded(platform, person, schema=schema) == expected
