"""The dashboard's job feed page: each import with its counts, refusals and unmapped values, and
the campaign templates; Spanish first."""

from __future__ import annotations

import io
from html import unescape

import pytest
from tests.integration.feeds.conftest import fixture_bytes

from adflux.campaign_templates import service as templates
from adflux.extensions import db
from adflux.feeds import service as feeds
from adflux.feeds.parsing import FeedUnreadable

pytestmark = pytest.mark.postgres


def test_the_imports_page_shows_what_each_feed_did_and_refused(client, sign_in):
    feeds.import_feed(
        db_session=db.session,
        stream=io.BytesIO(fixture_bytes("magneto_feed.xml")),
        source="magneto.xml",
    )
    with pytest.raises(FeedUnreadable):
        feeds.import_feed(
            db_session=db.session,
            stream=io.BytesIO(fixture_bytes("billion_laughs.xml")),
            source="bomba.xml",
        )
    templates.create_template(
        db_session=db.session, name="Contabilidad en Cali", platforms=["meta"], city="Cali"
    )
    sign_in("viewer")

    page = unescape(client.get("/feeds").get_data(as_text=True))

    assert "Importaciones de vacantes" in page
    assert "magneto.xml" in page and "bomba.xml" in page
    assert "3 vacantes rechazadas" in page
    assert "vacante 3 (línea 35): referencenumber: falta" in page
    assert "city: Tierralta (1)" in page
    assert "salary: USD 1,000 - 1,500 (no está en COP) (1)" in page
    assert "fallida (nada se guardó)" in page
    assert "el feed XML declara entidades" in page
    assert "Contabilidad en Cali" in page and "activa" in page
    english = unescape(client.get("/feeds", headers={"Accept-Language": "en"}).get_data(True))
    assert "Job feed imports" in english and "3 jobs refused" in english
    assert "job 3 (line 35): referencenumber: missing" in english
    assert "salary: USD 1,000 - 1,500 (not in COP) (1)" in english
    assert "the XML feed declares entities" in english


def test_the_page_says_when_there_is_nothing_yet(client, sign_in):
    sign_in("viewer")
    page = unescape(client.get("/feeds").get_data(as_text=True))
    assert "Aún no hay importaciones." in page
    assert "Sin plantillas: cree una con «adflux template create»." in page
