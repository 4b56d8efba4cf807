"""The candidates resource over HTTP against PostgreSQL."""

from __future__ import annotations

import pytest
from tests.factories import candidate_payload, make_candidate

from adflux.extensions import db
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

pytestmark = pytest.mark.postgres


def test_create_and_read_candidate(client, token_for):
    headers = token_for("operator")
    created = client.post("/api/v1/candidates", json=candidate_payload(), headers=headers)
    assert created.status_code == 201, created.json
    read = client.get(f"/api/v1/candidates/{created.json['id']}", headers=headers)
    assert read.json["city"] == "Medellín"
    assert "persona" not in read.json  # evaluation-only column never leaves the database


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not-an-email"), ("age", 7), ("education_level", "kinder"), ("phone", "abc")],
)
def test_invalid_candidate_fields_are_named(client, token_for, field, value):
    response = client.post(
        "/api/v1/candidates",
        json=candidate_payload(**{field: value}),
        headers=token_for("operator"),
    )
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]


def test_filter_by_city_area_and_segment(client, token_for):
    in_segment = make_candidate(city="Cali", area="Salud")
    make_candidate(city="Cali", area="Tecnología")
    make_candidate(city="Bogotá", area="Salud")
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=2)
    db.session.add(run)
    db.session.flush()
    segment = Segment(run_id=run.id, cluster_index=0, name="Salud · Cali", size=1)
    db.session.add(segment)
    db.session.flush()
    db.session.add(
        SegmentMembership(run_id=run.id, candidate_id=in_segment.id, segment_id=segment.id)
    )
    db.session.flush()
    headers = token_for("viewer")

    by_city_area = client.get("/api/v1/candidates?city=Cali&area=Salud", headers=headers).json
    assert [c["id"] for c in by_city_area["items"]] == [in_segment.id]
    by_segment = client.get(f"/api/v1/candidates?segment_id={segment.id}", headers=headers).json
    assert [c["id"] for c in by_segment["items"]] == [in_segment.id]
