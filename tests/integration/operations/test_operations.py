"""What an operator's tools read: /readyz says which configured service is unreachable, /metrics
exposes request latencies by route and the deployment's publications, queue and sync lag in
Prometheus's format, and `adflux status` says the same in lines."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from tests.e2e.campaigns.stack import free_port
from tests.factories import make_job

from adflux.app import create_app
from adflux.campaigns import service
from adflux.campaigns.models import PlatformPublication
from adflux.cli.main import cli
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.db import utcnow
from adflux.extensions import db


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.mark.postgres
def test_metrics_expose_request_latency_by_route_and_publications_by_state(
    client, platforms, dispatcher
):
    job = make_job(city="Cali")
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta", "google"]
    )
    db.session.execute(
        sa.update(PlatformPublication)
        .where(
            PlatformPublication.campaign_id == campaign.id, PlatformPublication.platform == "meta"
        )
        .values(status="publishing", claimed_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    assert client.get("/healthz").status_code == 200

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    samples = _samples(response.get_data(as_text=True))
    routes = {
        dict(labels)["route"]
        for (name, labels) in samples
        if name == "adflux_http_request_duration_seconds_count"
    }
    assert "/healthz" in routes
    assert samples[("adflux_publications", (("platform", "google"), ("state", "pending")))] == 1
    assert samples[("adflux_publications", (("platform", "meta"), ("state", "publishing")))] == 1
    assert samples[("adflux_publications_stuck", ())] == 1  # its worker's claim is an hour old
    assert samples[("adflux_oldest_pending_publication_age_seconds", ())] >= 0
    assert samples[("adflux_broker_up", ())] == 1  # embedded: nothing to be down
    assert not any(name == "adflux_queue_depth" for name, _ in samples)  # no broker, no queue


def test_readyz_names_each_configured_service_that_does_not_answer(tmp_path):
    closed = free_port()
    settings = Settings(
        data_dir=tmp_path,
        celery_broker_url=f"redis://127.0.0.1:{closed}/0",
        log_level="WARNING",
    )
    app = create_app(settings, TESTING=True)
    with app.app_context():
        upgrade_schema()

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.json == {
        "status": "unavailable",
        "database": "ok",
        "broker": "unreachable",
        "pace_store": "unreachable",  # a Redis broker is the pace store too
    }


def test_readyz_is_ready_when_every_configured_service_answers(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, log_level="WARNING"), TESTING=True)
    with app.app_context():
        upgrade_schema()
    response = app.test_client().get("/readyz")
    assert (response.status_code, response.json) == (200, {"status": "ok", "database": "ok"})


def test_status_in_embedded_mode_says_so_and_counts_publications(tmp_path, monkeypatch):
    monkeypatch.setenv("ADFLUX_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0

    result = runner.invoke(cli, ["status"], env={"LANG": "en_US.UTF-8"})

    assert result.exit_code == 0, result.output
    assert "mode: embedded" in result.output
    assert "publications: none" in result.output
    assert "oldest pending: none" in result.output
    worker = runner.invoke(cli, ["status", "--worker", "adflux-1@host"])
    assert worker.exit_code == 1
    assert "no hay un broker configurado" in worker.output  # the terminal's default: Spanish
    in_spanish = runner.invoke(cli, ["status"])
    assert "modo: integrado" in in_spanish.output
    assert "pendiente más antigua: ninguna" in in_spanish.output
