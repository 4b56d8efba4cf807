"""Segmentation runs, segments and a candidate's segment over HTTP, on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import current_app
from tests.factories import candidate_payload, make_candidate
from tests.integration.segmentation.conftest import K_RANGE, N_CANDIDATES

from adflux.extensions import db
from adflux.segmentation import service
from adflux.segmentation.models import SegmentMembership

pytestmark = pytest.mark.postgres

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRAIN_BODY = {"k_min": K_RANGE[0], "k_max": K_RANGE[1]}


def _run_queued(dispatcher) -> None:
    for name, args, _countdown in dispatcher.take():
        assert name == service.TRAIN_TASK
        service.run_training(db_session=db.session, run_id=args[0])


@pytest.fixture
def trained(client, token_for, dispatcher, seeded) -> dict:
    """A training started over HTTP and run to completion; returns the run as the API shows it."""
    headers = token_for("operator")
    response = client.post("/api/v1/segmentations", json=TRAIN_BODY, headers=headers)
    assert response.status_code == 202, response.json
    _run_queued(dispatcher)
    return client.get(response.headers["Location"], headers=headers).json


def test_post_answers_202_with_the_run_location_and_queues_the_training(
    client, token_for, dispatcher, seeded
):
    response = client.post("/api/v1/segmentations", json={"k": 3}, headers=token_for("operator"))
    assert response.status_code == 202, response.json
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/segmentations/{body['id']}")
    assert (body["status"], body["in_flight"], body["is_active"]) == ("pending", True, False)
    assert (body["k_min"], body["k_max"]) == (3, 3)
    assert body["progress"]["step"] == "en cola"  # the step in the reader's language
    english = client.get(
        body["id"] and response.headers["Location"],
        headers={**token_for("operator"), "Accept-Language": "en"},
    ).json
    assert english["progress"]["step"] in ("queued", "starting") or english["in_flight"] is False
    assert [(name, args) for name, args, _ in dispatcher.sent] == [
        (service.TRAIN_TASK, (body["id"],))
    ]


def test_a_finished_run_shows_its_evidence(trained):
    assert (trained["status"], trained["is_active"], trained["in_flight"]) == (
        "succeeded",
        True,
        False,
    )
    assert trained["candidate_count"] == N_CANDIDATES
    assert [row["k"] for row in trained["metrics"]["per_k"]] == [2, 3, 4]
    assert trained["metrics"]["chosen"]["k"] == trained["k"]
    assert trained["metrics"]["rule"] and trained["metrics"]["reason"]
    assert trained["timings"]["total"] > 0 and trained["progress"]["percent"] == 100
    assert trained["ari_vs_previous"] is None


def test_list_runs_newest_first_with_agreement(client, token_for, dispatcher, trained):
    headers = token_for("operator")
    client.post("/api/v1/segmentations", json=TRAIN_BODY, headers=headers)
    _run_queued(dispatcher)
    page = client.get("/api/v1/segmentations", headers=token_for("viewer")).json
    assert page["total"] == 2
    newest, oldest = page["items"]
    assert oldest["id"] == trained["id"] and not oldest["is_active"]
    assert newest["is_active"] and newest["ari_vs_previous"] == 1.0
    assert "metrics" not in newest  # the list stays light; the run's page has the per-k table


def test_segments_of_the_active_run_with_profiles(client, token_for, trained):
    headers = token_for("viewer")
    body = client.get("/api/v1/segments", headers=headers).json
    assert body["run"]["id"] == trained["id"] and body["run"]["k"] == trained["k"]
    items = body["items"]
    assert len(items) == trained["k"]
    assert sum(s["size"] for s in items) == N_CANDIDATES
    assert [s["size"] for s in items] == sorted((s["size"] for s in items), reverse=True)
    first = items[0]
    assert {"top_cities", "top_areas", "distinguishing", "age_proxy", "consenting"} <= set(
        first["profile"]
    )
    assert first["share"] == first["profile"]["share"]
    assert isinstance(first["age_proxy_warning"], bool)

    one = client.get(f"/api/v1/segments/{first['id']}", headers=headers)
    assert one.status_code == 200 and one.json["name"] == first["name"]
    members = client.get(
        f"/api/v1/candidates?segment_id={first['id']}&limit=1", headers=headers
    ).json
    assert members["total"] == first["size"]


def test_no_active_run_means_an_empty_segment_list(client, token_for):
    body = client.get("/api/v1/segments", headers=token_for("viewer")).json
    assert body == {"run": None, "items": []}


def test_projection_as_json_and_png(client, token_for, trained):
    headers = token_for("viewer")
    projection = client.get(
        f"/api/v1/segmentations/{trained['id']}/projection", headers=headers
    ).json
    assert len(projection["x"]) == len(projection["y"]) == len(projection["labels"]) > 0
    assert set(projection["labels"]) <= {int(i) for i in projection["names"]}
    image = client.get(f"/api/v1/segmentations/{trained['id']}/projection.png", headers=headers)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(PNG_SIGNATURE)


def test_a_candidate_segment_assigned_predicted_and_on_creation(client, token_for, trained):
    headers = token_for("operator")
    seeded_id = client.get("/api/v1/candidates?limit=1", headers=headers).json["items"][0]["id"]
    for path in (f"/api/v1/candidates/{seeded_id}/segment", f"/segment/{seeded_id}"):
        body = client.get(path, headers=headers).json
        assert (body["candidate_id"], body["run_id"], body["source"]) == (
            seeded_id,
            trained["id"],
            "assigned",
        )
        assert {"id", "name", "cluster_index", "size"} <= set(body["segment"])

    # A row written without the service (an import, say) has no membership: predicted on read.
    outsider = make_candidate()
    db.session.commit()
    body = client.get(f"/segment/{outsider.id}", headers=headers).json
    assert body["source"] == "predicted" and body["run_id"] == trained["id"]

    # Created through the API: assigned in the creating transaction.
    created = client.post("/api/v1/candidates", json=candidate_payload(), headers=headers).json
    body = client.get(f"/api/v1/candidates/{created['id']}/segment", headers=headers).json
    assert body["source"] == "assigned"
    stored = db.session.get(SegmentMembership, (trained["id"], created["id"]))
    assert stored is not None and stored.segment_id == body["segment"]["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"k": 1}, "k"),
        ({"k": 21}, "k"),
        ({"k": "six"}, "k"),
        ({"k_min": 1}, "k_min"),
        ({"k_min": 6, "k_max": 3}, "k_max"),
    ],
)
def test_bad_k_is_422_naming_the_field(client, token_for, dispatcher, seeded, body, field):
    response = client.post("/api/v1/segmentations", json=body, headers=token_for("operator"))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "validation_error"
    assert field in response.json["error"]["fields"]
    assert dispatcher.take() == []


def test_training_already_running_is_409(client, token_for, dispatcher, seeded):
    headers = token_for("operator")
    first = client.post("/api/v1/segmentations", json=TRAIN_BODY, headers=headers)
    again = client.post("/api/v1/segmentations", json=TRAIN_BODY, headers=headers)
    assert (first.status_code, again.status_code) == (202, 409)
    assert again.json["error"]["code"] == "conflict"
    assert f"segmentación {first.json['id']} ya está en cola" in again.json["error"]["message"]


def test_unknown_ids_are_404(client, token_for, trained):
    headers = token_for("viewer")
    for path in (
        "/api/v1/candidates/999999999/segment",
        "/segment/999999999",
        "/api/v1/segments/999999999",
        "/api/v1/segmentations/999999999",
        "/api/v1/segmentations/999999999/projection",
        "/api/v1/segmentations/999999999/projection.png",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        assert response.json["error"]["code"] == "not_found"


def test_a_candidate_before_any_training_is_404_saying_why(client, token_for):
    candidate = make_candidate()
    response = client.get(f"/segment/{candidate.id}", headers=token_for("viewer"))
    assert response.status_code == 404
    assert "aún no hay una segmentación activa" in response.json["error"]["message"]


def test_training_needs_an_operator_and_reads_need_a_token(client, token_for, seeded):
    viewer = client.post("/api/v1/segmentations", json=TRAIN_BODY, headers=token_for("viewer"))
    assert viewer.status_code == 403
    assert client.get("/api/v1/segments").status_code == 401
    assert client.get("/segment/1").status_code == 401


def test_a_model_that_cannot_be_loaded_is_503_and_creation_still_works(
    client, token_for, trained, caplog
):
    headers = token_for("operator")
    run = service.get_run_or_404(db_session=db.session, run_id=trained["id"])
    artefact = Path(current_app.config["ADFLUX_SETTINGS"].data_dir) / run.artifact_path
    artefact.write_bytes(b"not the model")  # its digest no longer matches

    created = client.post("/api/v1/candidates", json=candidate_payload(), headers=headers)
    assert created.status_code == 201
    assert db.session.get(SegmentMembership, (run.id, created.json["id"])) is None
    assert "left unassigned" in caplog.text

    response = client.get(f"/segment/{created.json['id']}", headers=headers)
    assert response.status_code == 503
    assert "SHA-256" in response.json["error"]["message"]
