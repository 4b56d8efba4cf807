"""Audience refresh by delta against fake platforms, on PostgreSQL: before each new campaign and on
the schedule, new members are added, leavers and changed addresses removed, and a hash another
member still holds is never removed with someone else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import make_active_segment, make_candidate, make_job
from tests.fakes import FakeDirectory, FakePlatform, RecordingDispatcher

from adflux.audiences import service as audiences
from adflux.audiences.models import AudienceMember, AudienceSync
from adflux.campaigns import publishing
from adflux.campaigns import service as campaigns
from adflux.candidates import service as candidates
from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.platforms.base import TransientError
from adflux.segmentation.models import Segment, SegmentMembership

pytestmark = pytest.mark.postgres

# SHA-256 by hand (sha256sum) of Meta's normal forms.
ANA = "3c6c5c25f4b64020ae299c05c0e540df807d9aed7457b04b118cc234a6a58c6a"  # ana.perez@example.com
CARLA = "997661eecb574111f6dba41985ff89694db2f8213e37ef8a2160159f7b05bb61"  # carla@example.com
PHONE = "173afe355201e7ed8e349c576f30ebd4be4314b65e1d87196ae5f75b21518172"  # 573001234567


@pytest.fixture
def directory(app: Flask) -> Iterator[FakeDirectory]:
    fake = FakeDirectory(("meta", "google", "x", "tiktok"))
    previous = app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"]
    app.extensions["adflux_platforms"] = fake
    app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield fake
    app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"] = previous


@pytest.fixture
def segment(directory) -> Segment:
    segment = make_active_segment(city="Cali", size=2)
    db.session.commit()
    return segment


def join(segment: Segment, **fields) -> int:
    fields.setdefault("marketing_consent", True)
    person = make_candidate(**fields)
    db.session.add(
        SegmentMembership(run_id=segment.run_id, candidate_id=person.id, segment_id=segment.id)
    )
    db.session.commit()
    return person.id


def held(platform: FakePlatform) -> set[str]:
    (members,) = platform.audience_members.values()
    return {h for m in members for h in (m.email_sha256, m.phone_sha256) if h}


def refresh(directory: FakeDirectory) -> None:
    audiences.refresh_all_audiences(db_session=db.session, adapter_for=directory.adapter)


def publish_campaign(segment_id: int) -> None:
    job = make_job(city="Cali")
    campaign, _ = campaigns.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta"], segment_ids=[segment_id]
    )
    (publication,) = campaign.publications
    assert (
        publishing.attempt_publication(db_session=db.session, publication_id=publication.id).state
        == "published"
    )


def test_a_new_campaign_refreshes_the_audience_before_publishing(directory, segment):
    join(segment, email="ana.perez@example.com", phone=None)
    segment_id = segment.id
    publish_campaign(segment_id)
    meta = directory.platforms["meta"]
    assert held(meta) == {ANA}

    join(db.session.get(Segment, segment_id), email="carla@example.com", phone=None)
    publish_campaign(segment_id)

    assert held(meta) == {ANA, CARLA}
    spec = meta.specs[-1]
    (audience_id,) = meta.audience_members
    assert spec.targeting.custom_audience_ids == (audience_id,)  # the same audience, refreshed
    uploads = db.session.scalars(
        sa.select(AudienceSync.uploaded_count).where(AudienceSync.segment_id == segment_id)
    ).all()
    assert uploads == [1, 1]  # the second upload is the delta only


def test_a_changed_email_replaces_the_old_hash(directory, segment):
    ana = join(segment, email="ana.perez@example.com", phone="300 123 4567")
    audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=directory.adapter("meta")
    )
    meta = directory.platforms["meta"]
    assert held(meta) == {ANA, PHONE}

    candidates.update_candidate(
        db_session=db.session, candidate_id=ana, changes={"email": "Carla@Example.com"}
    )
    refresh(directory)

    assert held(meta) == {CARLA, PHONE}


def test_a_change_made_outside_the_service_is_found_by_the_refresh(directory, segment):
    ana = join(segment, email="ana.perez@example.com", phone="300 123 4567")
    audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=directory.adapter("meta")
    )
    meta = directory.platforms["meta"]
    # A bulk correction straight in the table (no service call to mark the old hashes).
    db.session.get(Candidate, ana).email = "carla@example.com"
    db.session.commit()

    refresh(directory)

    (removal,) = meta.removals
    assert [(m.email_sha256, m.phone_sha256) for m in removal[1]] == [(ANA, None)]
    assert held(meta) == {CARLA, PHONE}


def test_a_shared_phone_stays_when_one_of_its_holders_withdraws(directory, segment):
    ana = join(segment, email="ana.perez@example.com", phone="300 123 4567")
    join(segment, email="carla@example.com", phone="+57 300 123 4567")  # the same number
    audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=directory.adapter("meta")
    )
    meta = directory.platforms["meta"]

    candidates.update_candidate(
        db_session=db.session, candidate_id=ana, changes={"marketing_consent": False}
    )
    audiences.apply_pending_removals(db_session=db.session, adapter_for=directory.adapter)

    (removal,) = meta.removals
    assert removal[1][0].email_sha256 == ANA
    assert removal[1][0].phone_sha256 is None  # Carla still holds it
    assert held(meta) == {CARLA, PHONE}


@pytest.mark.parametrize("platform", ["meta", "google", "x", "tiktok"])
def test_a_member_who_leaves_the_segment_is_removed_at_the_refresh(directory, segment, platform):
    ana = join(segment, email="ana.perez@example.com", phone=None)
    join(segment, email="carla@example.com", phone=None)
    audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=directory.adapter(platform)
    )
    db.session.execute(sa.delete(SegmentMembership).where(SegmentMembership.candidate_id == ana))
    db.session.commit()

    refresh(directory)

    # carla@example.com is the same text under every platform's rule.
    assert held(directory.platforms[platform]) == {CARLA}


def test_a_withdrawal_reaches_audiences_uploaded_before_members_were_recorded(directory, segment):
    ana = join(segment, email="ana.perez@example.com", phone="300 123 4567")
    audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=directory.adapter("meta")
    )
    # An audience from before revision 0003: uploaded, but no per-member record.
    db.session.execute(sa.delete(AudienceMember))
    db.session.commit()
    meta = directory.platforms["meta"]
    assert held(meta) == {ANA, PHONE}

    candidates.update_candidate(
        db_session=db.session, candidate_id=ana, changes={"marketing_consent": False}
    )
    audiences.apply_pending_removals(db_session=db.session, adapter_for=directory.adapter)

    assert held(meta) == set()


def test_a_withdrawal_also_removes_the_hashes_of_a_since_corrected_rule(directory, segment):
    """A Google audience uploaded before the Gmail rule was applied holds the dotted address's
    hash: the removal sends it as well as today's."""
    laura = join(segment, email="Laura.Gomez@gmail.com", phone=None)
    audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=directory.adapter("google")
    )
    # As uploaded before revision 0003: the old rule's name on the sync, no per-member record.
    sync = db.session.scalars(sa.select(AudienceSync)).one()
    sync.hash_schema = "v1 sha256-hex; email no-whitespace+lower; phone CO-parsed E.164 with +"
    db.session.execute(sa.delete(AudienceMember))
    db.session.commit()
    refresh(directory)  # the first refresh after the upgrade adds her under today's rule
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AudienceSync)) == 2

    candidates.update_candidate(
        db_session=db.session, candidate_id=laura, changes={"marketing_consent": False}
    )
    audiences.apply_pending_removals(db_session=db.session, adapter_for=directory.adapter)

    (removal,) = directory.platforms["google"].removals
    assert {m.email_sha256 for m in removal[1]} == {
        "fe4fa12286911ace60a60ea6d5d80ebbff57e2d7faa2439e90d74ba272cf60f1",  # laura.gomez@gmail.com
        "dab6457478d7f5905a10c264e0a9ccad1c7b369af43e3d8c283ba232050939d7",  # lauragomez@gmail.com
    }


@pytest.mark.parametrize("uploaded_before", [False, True], ids=["first upload", "delta"])
def test_a_withdrawal_between_reading_members_and_uploading_is_not_uploaded(
    directory, segment, monkeypatch, uploaded_before
):
    # The refresh has read the segment's consenting contacts; before its upload, Carla
    # withdraws (committed). The upload must not carry her.
    join(segment, email="ana.perez@example.com", phone=None)
    meta = directory.platforms["meta"]
    if uploaded_before:
        audiences.ensure_segment_audience(
            db_session=db.session, segment=segment, adapter=directory.adapter("meta")
        )
    carla = join(segment, email="carla@example.com", phone=None)
    read_contacts = audiences.consenting_contacts

    def read_then_withdraw(**kwargs):
        contacts = read_contacts(**kwargs)
        db.session.execute(
            sa.update(Candidate).where(Candidate.id == carla).values(marketing_consent=False)
        )
        return contacts

    monkeypatch.setattr(audiences, "consenting_contacts", read_then_withdraw)

    audiences.ensure_segment_audience(
        db_session=db.session, segment=segment, adapter=directory.adapter("meta")
    )

    assert held(meta) == {ANA}
    assert CARLA not in {m.email_sha256 for spec in meta.audiences.values() for m in spec.members}


def test_one_platform_failing_unexpectedly_does_not_hold_up_the_other_removals(directory, segment):
    ana = join(segment, email="ana.perez@example.com", phone=None)
    for platform in ("meta", "x"):
        audiences.ensure_segment_audience(
            db_session=db.session, segment=segment, adapter=directory.adapter(platform)
        )
    candidates.update_candidate(
        db_session=db.session, candidate_id=ana, changes={"marketing_consent": False}
    )

    def adapter_for(platform: str):
        if platform == "meta":  # sorted first: before the fix, its error ended the whole run
            raise RuntimeError("meta is not configured here any more")
        return directory.adapter(platform)

    outcome = audiences.apply_pending_removals(db_session=db.session, adapter_for=adapter_for)

    assert [f.split(":")[0] for f in outcome.failed] == ["meta"]
    assert held(directory.platforms["x"]) == set()
    assert ANA in held(directory.platforms["meta"])  # still marked, for the retries to remove
    assert db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AudienceMember)
        .where(AudienceMember.platform == "meta", AudienceMember.state == "removing")
    )


def test_a_kept_phone_stays_tracked_when_the_add_that_keeps_it_fails(directory, segment):
    ana = join(segment, email="ana.perez@example.com", phone="300 123 4567")
    adapter = directory.adapter("meta")
    audiences.ensure_segment_audience(db_session=db.session, segment=segment, adapter=adapter)
    candidates.update_candidate(
        db_session=db.session, candidate_id=ana, changes={"email": "carla@example.com"}
    )

    def platform_down(spec):
        raise TransientError("meta", "service unavailable")

    adapter.sync_audience = platform_down  # type: ignore[method-assign]
    with pytest.raises(TransientError):
        audiences.ensure_segment_audience(db_session=db.session, segment=segment, adapter=adapter)

    meta = directory.platforms["meta"]
    assert ANA not in held(meta)  # the old email went before the add failed
    tracked = db.session.scalars(
        sa.select(AudienceMember.phone_sha256).where(AudienceMember.candidate_id == ana)
    ).all()
    assert PHONE in tracked  # so a withdrawal or the next refresh can still remove it

    candidates.update_candidate(
        db_session=db.session, candidate_id=ana, changes={"marketing_consent": False}
    )
    audiences.apply_pending_removals(db_session=db.session, adapter_for=directory.adapter)
    assert held(meta) == set()
