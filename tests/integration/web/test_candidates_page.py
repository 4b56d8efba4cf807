"""The dashboard's candidates page: personal data masked for everyone; a reader granted it may
show one page of it by saying why, and that read is audited (Ley 1581 de 2012)."""

from __future__ import annotations

import sqlalchemy as sa
from tests.factories import PAULA, make_candidate
from tests.integration.web.conftest import csrf_token

from adflux.audit.models import AuditLog
from adflux.extensions import db


def _paula() -> int:
    candidate = make_candidate(**PAULA)
    db.session.commit()
    return candidate.id


def _reads() -> list[AuditLog]:
    return list(
        db.session.scalars(
            sa.select(AuditLog).where(AuditLog.action == "candidate.personal_data_read")
        )
    )


def test_the_page_masks_names_emails_and_phones_for_everyone(client, sign_in):
    _paula()
    sign_in("admin", personal_data=True)

    page = client.get("/candidates?city=Pasto")

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "P. A. G." in html and "p***@hotmail.com" in html and "305 *** **14" in html
    assert "Paula" not in html and "paula.gomez" not in html
    assert 'data-personal-data="masked"' in html
    assert 'id="reveal-form"' in html  # granted: offered the way to ask
    assert _reads() == []


def test_a_granted_reader_shows_the_page_by_saying_why(client, sign_in):
    paula = _paula()
    sign_in("viewer", personal_data=True)

    page = client.post(
        "/candidates?city=Pasto",
        data={
            "purpose": "llamar por la vacante 12",
            "csrf_token": csrf_token(client, "/candidates"),
        },
    )

    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Paula Andrea Gómez" in html and "paula.gomez@hotmail.com" in html
    assert 'data-personal-data="revealed"' in html
    (entry,) = _reads()
    assert entry.details == {"candidate_ids": [paula], "purpose": "llamar por la vacante 12"}
    assert entry.actor.startswith("token:web-viewer-")


def test_a_reader_not_granted_is_refused_and_sees_nothing_more(client, sign_in):
    _paula()
    sign_in("admin")

    listed = client.get("/candidates?city=Pasto").get_data(as_text=True)
    page = client.post(
        "/candidates?city=Pasto",
        data={
            "purpose": "llamar por la vacante 12",
            "csrf_token": csrf_token(client, "/candidates"),
        },
    )

    assert 'id="reveal-form"' not in listed
    html = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "Paula" not in html and "paula.gomez" not in html
    assert "no tiene acceso a datos personales" in html
    assert _reads() == []


def test_a_purpose_too_short_is_refused_naming_it(client, sign_in):
    _paula()
    sign_in("viewer", personal_data=True)

    page = client.post(
        "/candidates?city=Pasto",
        data={"purpose": "porque", "csrf_token": csrf_token(client, "/candidates")},
    )

    html = page.get_data(as_text=True)
    assert "Paula" not in html
    assert "<code>purpose</code>" in html
    assert _reads() == []
