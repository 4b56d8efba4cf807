"""GET /api/v1/jobs/{id}/audience: the segments ranked for a job, over HTTP."""

from __future__ import annotations

import pytest
from tests.factories import make_job, make_segmented_run

pytestmark = pytest.mark.postgres

TECH = "Tecnología y desarrollo de software"


def test_a_viewer_reads_the_ranked_segments_with_reasons_in_both_languages(client, token_for):
    devs, sales = make_segmented_run(
        {
            "Desarrolladores": [
                {"area": TECH, "city": "Cali", "years_experience": 6.0},
                {"area": TECH, "city": "Palmira", "years_experience": 6.0},
            ],
            "Vendedores": [{"area": "Ventas", "city": "Cali"}],
        }
    )
    job = make_job(area=TECH, city="Cali", remote_mode="presencial", seniority="senior")
    response = client.get(f"/api/v1/jobs/{job.id}/audience", headers=token_for("viewer"))
    assert response.status_code == 200, response.json
    body = response.json
    assert body["job_id"] == job.id and body["no_fit_reason"] is None
    assert [s["segment_id"] for s in body["segments"]] == [devs.id, sales.id]
    best = body["segments"][0]
    assert set(best) == {"segment_id", "name", "score", "reach", "fits", "reasons"}
    assert (best["name"], best["reach"], best["fits"]) == ("Desarrolladores", 2, True)
    assert best["reasons"][1] == {
        "code": "place",
        "share": 1.0,
        "message": "100 % vive en Cali o a menos de 60 km",
    }
    assert body["segments"][1]["fits"] is False
    english = client.get(
        f"/api/v1/jobs/{job.id}/audience",
        headers={**token_for("viewer"), "Accept-Language": "en"},
    ).json
    assert english["segments"][0]["reasons"][1]["message"] == "100 % live in Cali or within 60 km"


def test_no_segment_fits_is_said_plainly(client, token_for):
    make_segmented_run({"Vendedores": [{"area": "Ventas", "city": "Cali"}]})
    job = make_job(area="Salud", city="Cali")
    body = client.get(f"/api/v1/jobs/{job.id}/audience", headers=token_for("viewer")).json
    assert body["no_fit_reason"]["code"] == "no_fit"
    assert body["no_fit_reason"]["message"].startswith("Ningún segmento reúne candidatos de salud")


def test_unknown_job_is_404_and_anonymous_is_401(client, token_for):
    response = client.get("/api/v1/jobs/999999/audience", headers=token_for("viewer"))
    assert response.status_code == 404
    assert "vacante 999999" in response.json["error"]["message"]
    assert client.get("/api/v1/jobs/1/audience").status_code == 401
