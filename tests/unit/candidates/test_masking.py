"""Masks of personal data: enough to tell two people apart, not to reach them."""

from __future__ import annotations

import pytest

from adflux.candidates.personal_data import check_purpose, mask_email, mask_name, mask_phone
from adflux.errors import ValidationFailed


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("paula.gomez@hotmail.com", "p***@hotmail.com"),
        ("a@x.co", "a***@x.co"),
        ("ñandú@correo.com.co", "ñ***@correo.com.co"),
        ("no-at-sign", "***"),
    ],
)
def test_an_email_keeps_its_first_letter_and_its_provider(email, masked):
    assert mask_email(email) == masked


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("305 123 4514", "305 *** **14"),
        ("+57 305 123 4514", "305 *** **14"),
        ("573051234514", "305 *** **14"),
        ("(601) 555-1234", "601 *** **34"),
        ("12345", "***"),
        (None, None),
    ],
)
def test_a_phone_keeps_its_prefix_and_last_two_digits(phone, masked):
    assert mask_phone(phone) == masked


def test_a_name_becomes_its_initials():
    assert mask_name("Paula Andrea Gómez Ruiz") == "P. A. G. R."
    assert mask_name("Ñeco") == "Ñ."


@pytest.mark.parametrize("purpose", [None, "", "   ", "corto", "x" * 301])
def test_a_purpose_must_say_something(purpose):
    with pytest.raises(ValidationFailed) as error:
        check_purpose(purpose)
    assert list(error.value.fields) == ["purpose"]


def test_a_purpose_is_kept_trimmed():
    assert check_purpose("  llamar para la vacante 12  ") == "llamar para la vacante 12"
