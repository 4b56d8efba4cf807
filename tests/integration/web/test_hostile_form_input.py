"""The dashboard refuses what the database cannot hold (NUL characters, ids past its integers)
with a 4xx page, as the API does, instead of a server error."""

from __future__ import annotations

import io

import pytest
from tests.conftest import count_rows
from tests.factories import make_job
from tests.integration.web.conftest import csrf_token

from adflux.campaigns.models import AdCampaign

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("query", ["/jobs?q=caj%00ero", "/campaigns?status=%00", "/jobs?%00=1"])
def test_a_nul_character_in_a_dashboard_query_is_a_422(client, sign_in, query):
    sign_in("viewer")
    response = client.get(query)
    assert response.status_code == 422


@pytest.mark.parametrize(
    "fields",
    [
        {"segment_ids": ["9223372036854775808"]},
        {"segment_ids": ["2147483648"]},
        {"name": "Campaña\x00"},
        {"platforms": ["meta\x00"]},
    ],
)
def test_the_campaign_form_refuses_what_the_database_cannot_hold(
    client, sign_in, platforms, dispatcher, fields
):
    sign_in("operator")
    job = make_job()
    token = csrf_token(client, f"/jobs/{job.id}")
    data = {"platforms": ["meta"], "daily_budget_cop": "100000", "csrf_token": token, **fields}
    before = count_rows(AdCampaign)
    response = client.post(f"/jobs/{job.id}/campaigns", data=data)
    assert response.status_code == 422
    assert count_rows(AdCampaign) == before


def test_a_dashboard_path_id_past_the_database_integers_is_a_404(client, sign_in):
    sign_in("viewer")
    for path in ("/campaigns/9223372036854775808", "/jobs/2147483648"):
        assert client.get(path).status_code == 404, path


def test_a_chunked_form_over_the_limit_is_a_413_not_a_cut_form(app, client, sign_in):
    sign_in("operator")
    job = make_job()
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = ("name=" + "x" * limit + "&platforms=meta").encode()
    response = client.post(
        f"/jobs/{job.id}/campaigns",
        input_stream=io.BytesIO(body),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
        },
        # What gunicorn and Werkzeug's server set for a chunked request they de-chunk.
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.status_code == 413
