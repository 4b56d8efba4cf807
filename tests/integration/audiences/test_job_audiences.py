"""A job's own audience kept current by delta, on PostgreSQL: as candidates come, go, withdraw or
change, the job's N most likely change, and the refresh adds and removes only the difference.
Against fake platforms (what each audience holds is read from the fake), and against the sandbox
for a withdrawal (read back from the sandbox's own store)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import make_candidate, make_job
from tests.fakes import FakeDirectory, FakePlatform, RecordingDispatcher
from tests.integration.audiences.test_audiences_against_sandbox import admin, held

from adflux.audiences import service as audiences
from adflux.audiences import tasks as audience_tasks
from adflux.audiences.models import AudienceMember, AudienceSync
from adflux.campaigns import publishing
from adflux.campaigns import service as campaigns
from adflux.candidates import service as candidates
from adflux.extensions import db
from adflux.jobs.models import JobOpening

pytestmark = pytest.mark.postgres

TECH = "Tecnología y desarrollo de software"
# SHA-256 by hand (sha256sum) of the same lower-cased text under every platform's rule.
ANA = "3c6c5c25f4b64020ae299c05c0e540df807d9aed7457b04b118cc234a6a58c6a"  # ana.perez@example.com
CARLA = "997661eecb574111f6dba41985ff89694db2f8213e37ef8a2160159f7b05bb61"  # carla@example.com


@pytest.fixture
def directory(app: Flask) -> Iterator[FakeDirectory]:
    fake = FakeDirectory(("meta", "google", "x", "tiktok"))
    previous = app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"]
    app.extensions["adflux_platforms"] = fake
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield fake
    app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"] = previous


def a_job() -> JobOpening:
    job = make_job(
        area=TECH,
        city="Cali",
        remote_mode="presencial",
        seniority="senior",
        salary_min_cop=6_000_000,
        salary_max_cop=8_000_000,
        description="Desarrollador backend.",
    )
    db.session.commit()
    return job


def person(email: str, **fields) -> int:
    """A consenting developer in Cali (fits the job fully unless `fields` say otherwise)."""
    values = {
        "area": TECH,
        "city": "Cali",
        "years_experience": 6.0,
        "desired_salary_cop": 6_000_000,
        "email": email,
        "phone": None,
        "marketing_consent": True,
    }
    values.update(fields)
    candidate_id = make_candidate(**values).id
    db.session.commit()
    return candidate_id


def hashes(platform: FakePlatform) -> set[str]:
    (members,) = platform.audience_members.values()
    return {h for m in members for h in (m.email_sha256, m.phone_sha256) if h}


def test_the_job_audience_follows_the_most_likely_candidates(directory):
    job = a_job()
    person("ana.perez@example.com", years_experience=1.0)  # fits, as a junior: scores less
    job_id = job.id
    meta = directory.platforms["meta"]

    sync = audiences.ensure_job_audience(
        db_session=db.session, job_id=job_id, size=1, adapter=directory.adapter("meta")
    )
    assert (sync.job_id, sync.size, sync.segment_id) == (job_id, 1, None)
    assert hashes(meta) == {ANA}
    (spec,) = meta.audiences.values()
    assert spec.audience_key == f"adflux-job-{job_id}"

    person("carla@example.com")  # a better fit arrives: she takes the one place
    audiences.refresh_all_audiences(db_session=db.session, adapter_for=directory.adapter)

    assert hashes(meta) == {CARLA}
    (removal,) = meta.removals
    assert [m.email_sha256 for m in removal[1]] == [ANA]
    uploads = db.session.scalars(
        sa.select(AudienceSync.uploaded_count).where(AudienceSync.job_id == job_id)
    ).all()
    assert uploads == [1, 1]  # the delta only


def test_a_larger_size_adds_the_next_in_line_and_a_withdrawal_makes_room(directory):
    job = a_job()
    ana = person("ana.perez@example.com")
    person("carla@example.com", years_experience=1.0)
    job_id = job.id
    meta = directory.platforms["meta"]
    audiences.ensure_job_audience(
        db_session=db.session, job_id=job_id, size=1, adapter=directory.adapter("meta")
    )
    assert hashes(meta) == {ANA}
    audiences.ensure_job_audience(
        db_session=db.session, job_id=job_id, size=2, adapter=directory.adapter("meta")
    )
    assert hashes(meta) == {ANA, CARLA}

    candidates.update_candidate(
        db_session=db.session, candidate_id=ana, changes={"marketing_consent": False}
    )
    audiences.apply_pending_removals(db_session=db.session, adapter_for=directory.adapter)

    assert hashes(meta) == {CARLA}
    # The scheduled refresh keeps the size last asked for (2), with one person left to hold.
    audiences.refresh_all_audiences(db_session=db.session, adapter_for=directory.adapter)
    assert hashes(meta) == {CARLA}
    sizes = db.session.scalars(
        sa.select(AudienceSync.size).where(AudienceSync.job_id == job_id).order_by(AudienceSync.id)
    ).all()
    assert sizes == [1, 2]


def test_a_smaller_size_only_removes_and_is_recorded(directory):
    job = a_job()
    person("ana.perez@example.com")
    person("carla@example.com", years_experience=1.0)
    job_id = job.id
    meta = directory.platforms["meta"]
    audiences.ensure_job_audience(
        db_session=db.session, job_id=job_id, size=2, adapter=directory.adapter("meta")
    )
    sync = audiences.ensure_job_audience(
        db_session=db.session, job_id=job_id, size=1, adapter=directory.adapter("meta")
    )
    assert hashes(meta) == {ANA}
    assert (sync.size, sync.uploaded_count) == (1, 0)
    sent = db.session.scalar(
        sa.select(sa.func.count()).select_from(AudienceMember).where(AudienceMember.state == "sent")
    )
    assert sent == 1


def test_each_job_has_an_audience_of_its_own(directory):
    job = a_job()
    person("ana.perez@example.com")
    meta = directory.adapter("meta")
    first = audiences.ensure_job_audience(
        db_session=db.session, job_id=job.id, size=5, adapter=meta
    )
    other = a_job()
    second = audiences.ensure_job_audience(
        db_session=db.session, job_id=other.id, size=5, adapter=meta
    )
    assert first.external_audience_id != second.external_audience_id


@pytest.mark.parametrize("platform", ["meta", "google"])
def test_a_withdrawn_candidate_leaves_the_job_audience_on_the_sandbox(live, sandbox, platform):
    job = a_job()
    ana = person("Ana.Perez@Example.com")
    person("carla@example.com")
    person("luis@example.com", area="Ventas y comercial")  # not of the trade: never sent
    adapter = live.extensions["adflux_platforms"].adapter(platform)
    sync = audiences.ensure_job_audience(
        db_session=db.session, job_id=job.id, size=100, adapter=adapter
    )
    audience_id = sync.external_audience_id
    assert audience_id
    assert held(sandbox, platform, audience_id) == {ANA, CARLA}

    response = live.test_client().patch(
        f"/api/v1/candidates/{ana}", json={"marketing_consent": False}, headers=admin()
    )
    assert response.status_code == 200, response.json
    (task,) = live.extensions["adflux_dispatcher"].take()
    assert task[0] == audiences.REMOVAL_TASK
    assert audience_tasks.remove_audience_members.run() == 1

    assert held(sandbox, platform, audience_id) == {CARLA}


def test_an_erased_candidate_leaves_the_job_audience_on_the_sandbox(live, sandbox):
    job = a_job()
    ana = person("ana.perez@example.com")
    person("carla@example.com")
    adapter = live.extensions["adflux_platforms"].adapter("x")
    sync = audiences.ensure_job_audience(
        db_session=db.session, job_id=job.id, size=100, adapter=adapter
    )
    audience_id = sync.external_audience_id
    assert audience_id and held(sandbox, "x", audience_id) == {ANA, CARLA}

    response = live.test_client().delete(f"/api/v1/candidates/{ana}", headers=admin())
    assert response.status_code == 204
    assert audience_tasks.remove_audience_members.run() == 1

    assert held(sandbox, "x", audience_id) == {CARLA}


def publish(job_id: int) -> None:
    campaign, _ = campaigns.create_campaign(
        db_session=db.session, job_id=job_id, platforms=["meta"], job_audience_size=100
    )
    (publication,) = campaign.publications
    outcome = publishing.attempt_publication(db_session=db.session, publication_id=publication.id)
    assert outcome.state == "published", outcome.detail


def test_an_empty_job_audience_keeps_the_ad_from_no_one(directory):
    job = a_job()
    person("ana.perez@example.com", marketing_consent=False)  # fits, but refused marketing
    job_id = job.id
    meta = directory.platforms["meta"]

    publish(job_id)

    assert meta.audiences == {}  # nothing uploaded
    assert meta.specs[-1].targeting.custom_audience_ids == ()  # places and keywords only

    person("carla@example.com")  # someone fits now: the next campaign has the audience
    publish(job_id)

    (audience_id,) = meta.audience_members
    assert hashes(meta) == {CARLA}
    assert meta.specs[-1].targeting.custom_audience_ids == (audience_id,)
