"""Importing a job feed: upsert by reference, close what a full feed drops, report the rest."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from tests.factories import make_job
from tests.fakes import FakeAdapter
from tests.integration.campaigns.conftest import run_sent_tasks
from tests.integration.feeds.conftest import feed_job, fixture_bytes, xml_feed

from adflux.audit.models import AuditLog
from adflux.campaigns import service as campaigns
from adflux.errors import Conflict
from adflux.extensions import db
from adflux.feeds import service
from adflux.feeds.models import FeedImport
from adflux.feeds.parsing import FeedUnreadable
from adflux.i18n.messages import from_stored
from adflux.jobs import service as jobs
from adflux.jobs.models import JobOpening, JobStatus
from adflux.platforms.base import TransientError

pytestmark = pytest.mark.postgres


def _import(stream, **kwargs) -> FeedImport:
    return service.import_feed(db_session=db.session, stream=stream, source="test", **kwargs)


def _read(stored, language: str = "en") -> str:
    """A text the report stores as a message, as a reader of `language` reads it."""
    return from_stored(stored).render(language)


def _jobs() -> dict[str, JobOpening]:
    return {j.external_ref: j for j in db.session.scalars(sa.select(JobOpening))}


def test_the_fixture_feed_adds_its_jobs_and_says_what_it_refused_and_could_not_map(app):
    report = _import(io.BytesIO(fixture_bytes("magneto_feed.xml")))

    assert (report.status, report.jobs_read, report.added, report.refused) == ("done", 7, 4, 3)
    assert [(_read(r["where"]), r["external_ref"]) for r in report.refusals] == [
        ("job 3 (line 35)", None),
        ("job 5 (line 49)", "MG-1003"),
        ("job 7 (line 65)", "MG-1005"),
    ]
    # Stored as a message (msgid and parameters), read in either language.
    assert report.refusals[1]["reasons"] == [
        {
            "msgid": "referencenumber: repeats job %(position)s of the feed (the first one is "
            "kept)",
            "params": {"position": 4},
        }
    ]
    assert _read(report.refusals[1]["reasons"][0], "es") == (
        "referencenumber: repite la vacante 4 del feed (se conserva la primera)"
    )
    unmapped = {
        name: [(_read(v["value"]), v["jobs"]) for v in values]
        for name, values in report.unmapped.items()
    }
    assert unmapped == {
        "category": [("Astronáutica", 1)],
        "city": [("Tierralta", 1)],
        "jobtype": [("Contrato raro", 1)],
        "salary": [("USD 1,000 - 1,500 (not in COP)", 1)],
    }
    assert report.unmapped["city"][0]["value"] == "Tierralta"  # the feed's own text, as it is
    stored = _jobs()
    assert sorted(stored) == ["MG-1001", "MG-1002", "MG-1003", "MG-1004"]
    assert stored["MG-1003"].title == "Enfermera jefe"  # the first of the duplicates
    assert {j.feed for j in stored.values()} == {"default"}
    assert {j.status for j in stored.values()} == {"open"}
    assert stored["MG-1001"].city == "Medellín"
    entry = db.session.scalars(sa.select(AuditLog).filter_by(action="job_feed.import")).one()
    assert entry.details["added"] == 4


def test_importing_the_same_feed_twice_changes_nothing(app):
    _import(io.BytesIO(fixture_bytes("magneto_feed.xml")))
    before = {ref: (j.id, j.updated_at, j.title) for ref, j in _jobs().items()}
    db.session.expire_all()

    again = _import(io.BytesIO(fixture_bytes("magneto_feed.xml")))

    assert (again.added, again.updated, again.unchanged, again.closed, again.reopened) == (
        0,
        0,
        4,
        0,
        0,
    )
    assert {ref: (j.id, j.updated_at, j.title) for ref, j in _jobs().items()} == before


def test_a_changed_job_is_updated_in_place(app):
    _import(xml_feed(feed_job("A-1"), feed_job("A-2")))
    first_id = _jobs()["A-1"].id

    report = _import(xml_feed(feed_job("A-1", salary="$2.000.000"), feed_job("A-2")))

    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    job = _jobs()["A-1"]
    assert (job.id, job.salary_min_cop, job.salary_max_cop) == (first_id, 2_000_000, 2_000_000)


def test_a_full_feed_closes_the_jobs_it_drops_and_only_its_own(app):
    outsider = make_job(external_ref="not-from-a-feed")
    other_feed = _import(xml_feed(feed_job("B-1")), feed="other")
    assert other_feed.added == 1
    _import(xml_feed(feed_job("A-1"), feed_job("A-2"), feed_job("A-3")))

    partial = _import(xml_feed(feed_job("A-1")), full=False)
    assert partial.closed == 0
    report = _import(xml_feed(feed_job("A-1"), feed_job("A-3")))

    assert report.closed == 1
    statuses = {ref: j.status for ref, j in _jobs().items()}
    assert statuses == {
        "not-from-a-feed": "open",
        "B-1": "open",
        "A-1": "open",
        "A-2": "closed",
        "A-3": "open",
    }
    assert outsider.status == "open"
    closes = db.session.scalars(sa.select(AuditLog).filter_by(action="job_feed.close")).all()
    assert [(e.entity_id, e.details["feed_import"]) for e in closes] == [
        (str(_jobs()["A-2"].id), report.id)
    ]


def test_a_job_the_feed_closed_comes_back_when_the_feed_lists_it_again(app):
    _import(xml_feed(feed_job("A-1"), feed_job("A-2")))
    _import(xml_feed(feed_job("A-1")))
    assert _jobs()["A-2"].status == "closed"

    report = _import(xml_feed(feed_job("A-1"), feed_job("A-2")))

    assert report.reopened == 1
    assert _jobs()["A-2"].status == "open"


def test_a_job_a_person_closed_stays_closed_though_the_feed_lists_it(app):
    _import(xml_feed(feed_job("A-1")))
    job_id = _jobs()["A-1"].id
    jobs.set_job_status(db_session=db.session, job_id=job_id, status=JobStatus.CLOSED)

    report = _import(xml_feed(feed_job("A-1")))

    assert report.reopened == 0
    assert _jobs()["A-1"].status == "closed"


def test_a_feed_with_no_readable_job_closes_nothing(app):
    _import(xml_feed(feed_job("A-1")))

    report = _import(xml_feed({"title": "Sin referencia", "city": "Cali"}))

    assert (report.refused, report.closed) == (1, 0)
    assert [_read(w) for w in report.warnings] == [
        "closing skipped: the feed lists no job that could be read, so none was closed"
    ]
    assert _jobs()["A-1"].status == "open"


@pytest.mark.parametrize(
    "body, says",
    [
        (
            b'<?xml version="1.0"?><source>'
            + b"".join(
                f"<job><referencenumber>M-{i}</referencenumber><title>Contador</title>"
                f"<city>Cali</city></job>".encode()
                for i in range(2_500)
            )
            + b"<job><title>broken</job></source>",
            "malformed at line 1",
        ),
        (fixture_bytes("billion_laughs.xml"), "declares entities"),
    ],
)
def test_an_unreadable_feed_changes_no_job_and_its_run_says_why(app, body, says):
    _import(xml_feed(feed_job("A-1")))

    with pytest.raises(FeedUnreadable, match=says):
        _import(io.BytesIO(body))

    assert sorted(_jobs()) == ["A-1"]  # the 2,500 jobs before the break were not kept
    assert _jobs()["A-1"].status == "open"
    failed = db.session.scalars(sa.select(FeedImport).order_by(FeedImport.id.desc())).first()
    assert failed is not None
    assert failed.status == "failed" and says in _read(failed.error)
    assert failed.added == 0


def test_closing_a_dropped_job_pauses_its_live_campaigns(app, platforms, dispatcher):
    _import(xml_feed(feed_job("A-1"), feed_job("A-2")))
    job = _jobs()["A-2"]
    campaign, _ = campaigns.create_campaign(
        db_session=db.session, job_id=job.id, platforms=["meta", "google"]
    )
    run_sent_tasks(dispatcher)
    db.session.refresh(campaign)
    assert {p.status for p in campaign.publications} == {"published"}

    report = _import(xml_feed(feed_job("A-1")))

    assert report.closed == 1
    assert report.campaigns_paused == [campaign.id]
    db.session.refresh(campaign)
    assert {p.status for p in campaign.publications} == {"paused"}
    assert all(
        not held["active"]
        for name in ("meta", "google")
        for held in platforms.platforms[name].objects.values()
    )


def test_a_pause_a_platform_refuses_is_stored_as_a_message(app, platforms, dispatcher, monkeypatch):
    _import(xml_feed(feed_job("A-1"), feed_job("A-2")))
    campaign, _ = campaigns.create_campaign(
        db_session=db.session, job_id=_jobs()["A-2"].id, platforms=["meta", "google"]
    )
    run_sent_tasks(dispatcher)
    real_set_active = FakeAdapter.set_active

    def refusing(self, external_ids, active):
        if self.name == "google":
            raise TransientError("google", "Service unavailable.")
        return real_set_active(self, external_ids, active)

    monkeypatch.setattr(FakeAdapter, "set_active", refusing)

    report = _import(xml_feed(feed_job("A-1")))

    (why,) = report.campaigns_not_paused[str(campaign.id)]["google"]
    assert "msgid" in why  # stored as a message, read in the reader's language
    assert _read(why) == "Service unavailable."


def test_a_second_import_of_a_feed_while_one_runs_is_refused(app):
    db.session.add(FeedImport(feed="default", source="elsewhere", full=True))
    db.session.commit()
    with pytest.raises(Conflict, match="already running"):
        _import(xml_feed(feed_job("A-1")))


def test_the_embedded_sqlite_database_imports_alike(sqlite_app):
    """PostgreSQL inserts with COPY, SQLite with INSERT … RETURNING: the same outcome."""
    first = _import(io.BytesIO(fixture_bytes("magneto_feed.xml")))
    again = _import(io.BytesIO(fixture_bytes("magneto_feed.xml")))
    dropped = _import(xml_feed(feed_job("MG-1001")))

    assert (first.added, first.refused) == (4, 3)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert dropped.closed == 3  # MG-1001 comes back changed (feed_job's fields), the rest go
    assert dropped.updated == 1
    assert sorted(r for r, j in _jobs().items() if j.status == "open") == ["MG-1001"]
    # The report's messages come back from SQLite's JSON and text columns in either language.
    stored = db.session.get(FeedImport, first.id)
    assert stored is not None
    reasons = stored.refusals[2]["reasons"]
    assert [_read(r, "en") for r in reasons] == [
        "country: 'Perú' (AdFlux advertises jobs in Colombia)"
    ]
    assert [_read(r, "es") for r in reasons] == [
        "country: 'Perú' (AdFlux anuncia vacantes en Colombia)"
    ]
    with pytest.raises(FeedUnreadable):
        _import(io.BytesIO(b"not a feed"))
    failed = db.session.scalars(sa.select(FeedImport).order_by(FeedImport.id.desc())).first()
    assert failed is not None
    assert _read(failed.error, "es").startswith("no es un feed de vacantes")
    assert _read(failed.error, "en").startswith("not a job feed")


def test_a_feed_that_drops_most_of_its_jobs_closes_none_unless_forced(app):
    _import(xml_feed(*(feed_job(f"A-{i}") for i in range(40))))

    truncated = _import(xml_feed(*(feed_job(f"A-{i}") for i in range(10))))

    assert truncated.closed == 0
    assert [_read(w) for w in truncated.warnings] == [
        "closing skipped: the feed no longer lists 30 of the 40 open jobs of feed 'default', "
        "more than 50%: a broken export? Import it again with force_close (adflux import jobs "
        "--force-close) to close them"
    ]
    assert _read(truncated.warnings[0], "es").startswith(
        "no se cerró nada: el feed ya no trae 30 de las 40 vacantes abiertas del feed 'default', "
        "más del 50 %"
    )
    assert {j.status for j in _jobs().values()} == {"open"}
    forced = _import(xml_feed(*(feed_job(f"A-{i}") for i in range(10))), force_close=True)
    assert forced.closed == 30
    # Fewer than 20 dropped, or at most half: closed without asking.
    _import(xml_feed(*(feed_job(f"B-{i}") for i in range(10))), feed="small")
    assert _import(xml_feed(feed_job("B-0")), feed="small").closed == 9


def test_a_change_made_here_stands_until_the_feed_changes_that_job(app):
    _import(xml_feed(feed_job("A-1")))
    job = _jobs()["A-1"]
    jobs.update_job(db_session=db.session, job_id=job.id, changes={"title": "Contador senior"})

    same = _import(xml_feed(feed_job("A-1")))
    assert (same.updated, same.unchanged, _jobs()["A-1"].title) == (0, 1, "Contador senior")

    changed = _import(xml_feed(feed_job("A-1", salary="$2.400.000")))
    assert changed.updated == 1
    assert (_jobs()["A-1"].title, _jobs()["A-1"].salary_min_cop) == ("Auxiliar contable", 2_400_000)
