"""Audiences kept current on every platform, through the real adapters and the sandbox over HTTP
(and gRPC for Google Ads): a candidate who withdraws consent (or is erased) is gone from each
platform's audience, and a member who joins the segment later appears after a refresh.

Expected hashes are literal SHA-256 hex digests of each platform's normal form, computed by hand
(sha256sum), never by AdFlux. The audience is read back from the sandbox's admin dump.
"""

from __future__ import annotations

import itertools

import httpx
import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import make_candidate

from adflux.audiences import service as audiences
from adflux.audiences import tasks as audience_tasks
from adflux.audiences.models import AudienceSync
from adflux.auth import service as auth_service
from adflux.extensions import db
from adflux.sandbox.server import RunningSandbox
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

pytestmark = pytest.mark.postgres

PLATFORMS = ("meta", "google", "x", "tiktok", "snapchat")

# ana.perez@example.com (no platform changes it) and her phone 300 123 4567 per platform.
ANA_EMAIL = "3c6c5c25f4b64020ae299c05c0e540df807d9aed7457b04b118cc234a6a58c6a"
ANA_PHONE = {
    "meta": "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172",  # 573001234567
    "x": "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172",
    "tiktok": "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172",
    "snapchat": "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172",
    "google": "5b181b132cc2c1b40eb94df758a7b9048cbcd7581782bd3dd8d5a2f8aca96ad0",  # +573001234567
}
# Luis.Gomez+Empleos@gmail.com, as each platform normalises a Gmail address.
LUIS_EMAIL = {
    # luis.gomez+empleos@gmail.com
    "meta": "2695095ee9b5961abff8e34a76fe22cb403267864e2da31b3240cf5747fc6158",
    "x": "2695095ee9b5961abff8e34a76fe22cb403267864e2da31b3240cf5747fc6158",
    "snapchat": "2695095ee9b5961abff8e34a76fe22cb403267864e2da31b3240cf5747fc6158",
    # luis.gomez@gmail.com (no +tag)
    "tiktok": "d8f6af6ee149dc680a9ccaed02ef97053da994c9bc33e2fb71717b3ceca6e95a",
    # luisgomez@gmail.com (no dots, no +suffix on gmail.com)
    "google": "c4c0e2f082c515f3ed052a55b59a46b4d157d9517d4401f5b2efe27d69f54ad1",
}
CARLA_EMAIL = (
    "997661eecb574111f6dba41985ff89694db2f8213e37ef8a2160159f7b05bb61"  # carla@example.com
)


_tokens = itertools.count()


def admin() -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"test-audiences-{next(_tokens)}", role="admin"
    )
    return {"Authorization": f"Bearer {plain}"}


def held(sandbox: RunningSandbox, platform: str, audience_id: str) -> set[str]:
    """Every hash the platform's audience holds now (the sandbox's admin dump)."""
    response = httpx.get(f"{sandbox.base_url}/_sandbox/objects", params={"platform": platform})
    response.raise_for_status()
    (audience,) = [o for o in response.json()[platform] if o["id"] == audience_id]
    members = platform in ("google", "tiktok", "snapchat")
    by_type = audience["_members"] if members else audience["_users"]
    return {h for hashes in by_type.values() for h in hashes}


@pytest.fixture
def segment(live) -> Segment:
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=1)
    db.session.add(run)
    db.session.flush()
    segment = Segment(run_id=run.id, cluster_index=0, name="Contadores · Cali", size=2)
    db.session.add(segment)
    db.session.flush()
    return segment


def join(segment: Segment, **fields) -> int:
    person = make_candidate(marketing_consent=True, **fields)
    db.session.add(
        SegmentMembership(run_id=segment.run_id, candidate_id=person.id, segment_id=segment.id)
    )
    db.session.commit()
    return person.id


def upload(segment: Segment, platform: str, live: Flask) -> str:
    adapter = live.extensions["adflux_platforms"].adapter(platform)
    sync = audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=adapter
    )
    assert sync.external_audience_id
    return sync.external_audience_id


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_withdrawn_candidate_is_removed_from_the_platform_audience(
    live, sandbox, segment, platform
):
    ana = join(segment, email="Ana.Perez@Example.com", phone="300 123 4567")
    join(segment, email="Luis.Gomez+Empleos@gmail.com", phone=None)
    audience_id = upload(segment, platform, live)
    assert held(sandbox, platform, audience_id) == {
        ANA_EMAIL,
        ANA_PHONE[platform],
        LUIS_EMAIL[platform],
    }

    response = live.test_client().patch(
        f"/api/v1/candidates/{ana}", json={"marketing_consent": False}, headers=admin()
    )
    assert response.status_code == 200, response.json
    (task,) = live.extensions["adflux_dispatcher"].take()
    assert task[0] == audiences.REMOVAL_TASK
    assert audience_tasks.remove_audience_members.run() == 1

    assert held(sandbox, platform, audience_id) == {LUIS_EMAIL[platform]}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_erased_candidate_is_removed_from_the_platform_audience(
    live, sandbox, segment, platform
):
    ana = join(segment, email="ana.perez@example.com", phone="+57 300 123 4567")
    join(segment, email="Luis.Gomez+Empleos@gmail.com", phone=None)
    audience_id = upload(segment, platform, live)

    response = live.test_client().delete(f"/api/v1/candidates/{ana}", headers=admin())
    assert response.status_code == 204
    assert audience_tasks.remove_audience_members.run() == 1

    assert held(sandbox, platform, audience_id) == {LUIS_EMAIL[platform]}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_member_who_joins_later_appears_after_the_refresh(live, sandbox, segment, platform):
    join(segment, email="Luis.Gomez+Empleos@gmail.com", phone=None)
    audience_id = upload(segment, platform, live)
    assert held(sandbox, platform, audience_id) == {LUIS_EMAIL[platform]}

    join(segment, email="carla@example.com", phone=None)
    segment_id = segment.id
    assert audience_tasks.refresh_audiences.run() == 1

    assert held(sandbox, platform, audience_id) == {LUIS_EMAIL[platform], CARLA_EMAIL}
    syncs = db.session.scalars(
        sa.select(AudienceSync).where(AudienceSync.segment_id == segment_id)
    ).all()
    # The first upload, then the delta: one new member sent, not the whole segment again.
    assert [s.uploaded_count for s in syncs] == [1, 1]
    assert {s.external_audience_id for s in syncs} == {audience_id}
