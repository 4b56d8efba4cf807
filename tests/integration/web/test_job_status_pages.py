"""The dashboard shows a paused job as paused, with no campaign form and the reason."""

from __future__ import annotations

import pytest
from tests.factories import make_job

pytestmark = pytest.mark.postgres


def test_paused_job_shows_its_status_and_offers_no_form(client, sign_in, platforms):
    paused = make_job(title="Mensajero motorizado", status="paused")
    sign_in("operator")
    page = client.get(f"/jobs/{paused.id}").get_data(as_text=True)
    assert 'id="campaign-form"' not in page
    assert "La vacante está en pausa" in page
    listing = client.get("/jobs?status=paused").get_data(as_text=True)
    assert "Mensajero motorizado" in listing
    assert "en pausa" in listing
