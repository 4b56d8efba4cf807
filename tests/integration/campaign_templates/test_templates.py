"""Campaign templates: a campaign for each new matching job of a feed, capped per day, paused
when the job closes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from tests.factories import make_job
from tests.integration.campaigns.conftest import run_sent_tasks
from tests.integration.feeds.conftest import feed_job, xml_feed

from adflux import clock
from adflux.campaign_templates import service as templates
from adflux.campaign_templates.models import TemplateCampaign
from adflux.campaigns.models import AdCampaign
from adflux.errors import Conflict, ValidationFailed
from adflux.extensions import db
from adflux.feeds import service as feeds
from adflux.feeds.models import FeedImport
from adflux.i18n.messages import from_stored
from adflux.jobs.models import JobOpening
from adflux.optimisation.models import CampaignRule

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _wall_clock():
    yield
    clock.set_offset(timedelta(0))


def _import(stream: io.BytesIO, **kwargs) -> FeedImport:
    return feeds.import_feed(db_session=db.session, stream=stream, source="test", **kwargs)


def _accounting_in_cali(**kwargs):
    defaults = {
        "name": "Contabilidad en Cali",
        "platforms": ["meta", "google"],
        "area": "contabilidad",
        "city": "cali",
        "daily_budget_cop": 60_000,
        "rules": [{"kind": "max_applications", "max_applications": 25, "period": "week"}],
    }
    return templates.create_template(db_session=db.session, **{**defaults, **kwargs})


def _campaign_jobs(template_id: int) -> dict[str, int]:
    """external_ref -> campaign id, for the campaigns of a template."""
    rows = db.session.execute(
        sa.select(JobOpening.external_ref, TemplateCampaign.campaign_id)
        .join(JobOpening, JobOpening.id == TemplateCampaign.job_id)
        .where(TemplateCampaign.template_id == template_id)
    )
    return dict(rows.all())


def test_a_template_is_checked_against_the_vocabulary(app):
    template = _accounting_in_cali()
    assert (template.area, template.city) == ("Contabilidad y finanzas", "Cali")

    with pytest.raises(ValidationFailed) as refused:
        templates.create_template(
            db_session=db.session,
            name="Mal",
            platforms=["myspace"],
            area="astronautas",
            city="Gotham",
            rules=[{"kind": "max_cpa", "max_cpa_cop": 9_000}, {"kind": "nope"}],
            daily_cap=0,
        )
    assert set(refused.value.fields) == {
        "platforms",
        "area",
        "city",
        "rules",
        "daily_cap",
    }
    with pytest.raises(Conflict):
        _accounting_in_cali()


def test_each_new_matching_job_of_a_feed_gets_one_campaign_with_the_templates_rules(
    app, platforms, dispatcher
):
    before = make_job(
        external_ref="old", area="Contabilidad y finanzas", city="Cali", feed="default"
    )
    template = _accounting_in_cali()

    report = _import(
        xml_feed(
            feed_job("A-1"),  # Contabilidad, Cali
            feed_job("A-2", city="Santiago de Cali"),
            feed_job("B-1", city="Medellín"),
            feed_job("C-1", title="Desarrollador backend", category="Tecnología"),
        )
    )

    made = _campaign_jobs(template.id)
    assert sorted(made) == ["A-1", "A-2"]  # not the job that was there before the template
    assert sorted(report.campaigns_created) == sorted(made.values())
    campaign = db.session.get(AdCampaign, made["A-1"])
    assert campaign is not None
    assert campaign.daily_budget_cop == 60_000
    assert {p.platform for p in campaign.publications} == {"meta", "google"}
    assert campaign.idempotency_key == f"template-{template.id}-job-{campaign.job_id}"
    rules = db.session.scalars(sa.select(CampaignRule).filter_by(campaign_id=campaign.id)).all()
    assert [
        (r.kind, r.max_applications, r.period) for r in rules if r.kind == "max_applications"
    ] == [("max_applications", 25, "week")]
    assert before.id not in {db.session.get(AdCampaign, c).job_id for c in made.values()}
    assert [name for name, *_ in dispatcher.sent].count("adflux.publish_publication") == 4

    again = _import(
        xml_feed(
            feed_job("A-1"),
            feed_job("A-2", city="Santiago de Cali"),
            feed_job("B-1", city="Medellín"),
            feed_job("C-1", title="Desarrollador backend", category="Tecnología"),
        )
    )
    assert again.campaigns_created == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdCampaign)) == 2


def test_the_daily_cap_holds_jobs_back_until_the_next_day(app, platforms, dispatcher):
    template = _accounting_in_cali(daily_cap=2)
    feed = [feed_job(f"A-{i}") for i in range(5)]

    first = _import(xml_feed(*feed))

    assert len(first.campaigns_created) == 2
    assert [from_stored(w).render("en") for w in first.warnings] == [
        f"template {template.id}: 3 matching jobs left for another day by its daily cap"
    ]
    assert len(_import(xml_feed(*feed)).campaigns_created) == 0  # same day: still capped
    clock.set_offset(timedelta(days=1))
    next_day = _import(xml_feed(*feed))
    assert len(next_day.campaigns_created) == 2
    assert sorted(_campaign_jobs(template.id)) == ["A-0", "A-1", "A-2", "A-3"]


def test_a_job_the_feed_drops_has_its_template_campaign_paused(app, platforms, dispatcher):
    template = _accounting_in_cali()
    _import(xml_feed(feed_job("A-1"), feed_job("A-2")))
    run_sent_tasks(dispatcher)
    made = _campaign_jobs(template.id)

    report = _import(xml_feed(feed_job("A-1")))

    assert report.campaigns_paused == [made["A-2"]]
    dropped = db.session.get(AdCampaign, made["A-2"])
    kept = db.session.get(AdCampaign, made["A-1"])
    assert dropped is not None and kept is not None
    db.session.refresh(dropped)
    assert {p.status for p in dropped.publications} == {"paused"}
    assert {p.status for p in kept.publications} == {"published"}


def test_a_template_that_cannot_create_a_campaign_says_why_and_tries_again_later(
    app, platforms, dispatcher
):
    template = _accounting_in_cali(daily_budget_cop=1_000)  # under the platforms' minimums

    report = _import(xml_feed(feed_job("A-1")))

    assert report.campaigns_created == []
    assert len(report.warnings) == 1
    (warning,) = [from_stored(w) for w in report.warnings]
    assert warning.render("en").startswith(f"template {template.id}: no campaign for job ")
    # The campaigns service's reason inside, in the reader's language too.
    assert warning.render("es").startswith(f"plantilla {template.id}: sin campaña para la vacante ")
    assert warning.render("es").endswith(": presupuesto no válido")
    assert report.added == 1  # the job itself is kept
    templates.update_template(
        db_session=db.session, template_id=template.id, changes={"daily_budget_cop": 60_000}
    )
    assert len(_import(xml_feed(feed_job("A-1"))).campaigns_created) == 1


def test_an_inactive_template_creates_nothing(app, platforms, dispatcher):
    template = _accounting_in_cali()
    templates.update_template(
        db_session=db.session, template_id=template.id, changes={"active": False}
    )
    assert _import(xml_feed(feed_job("A-1"))).campaigns_created == []


def test_a_job_applied_at_the_same_time_elsewhere_gets_no_second_campaign(
    app, platforms, dispatcher, monkeypatch
):
    template = _accounting_in_cali()
    _import(xml_feed(feed_job("A-1")))
    assert len(_campaign_jobs(template.id)) == 1
    job_id = db.session.scalar(sa.select(JobOpening.id))
    # As a concurrent run sees it: the job still owed, though recorded meanwhile.
    monkeypatch.setattr(
        templates, "_owed_jobs", lambda *_: sa.select(JobOpening.id).where(JobOpening.id == job_id)
    )

    applied = templates.apply_templates(db_session=db.session)

    assert (applied.created, applied.failed) == ([], [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdCampaign)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TemplateCampaign)) == 1


def test_a_failure_after_the_jobs_are_stored_leaves_the_run_done_and_saying_so(
    app, platforms, dispatcher, monkeypatch
):
    def broken(**_kwargs):
        raise RuntimeError("templates down")

    monkeypatch.setattr(templates, "apply_templates", broken)
    with pytest.raises(RuntimeError):
        _import(xml_feed(feed_job("A-1")))

    run = db.session.scalars(sa.select(FeedImport)).one()
    assert (run.status, run.added) == ("done", 1)
    assert [from_stored(w).render("en") for w in run.warnings] == [
        "closing, reopening or templates stopped part-way (RuntimeError); the next import of "
        "the feed does what is left"
    ]
    assert db.session.scalar(sa.select(JobOpening.external_ref)) == "A-1"
    monkeypatch.undo()
    assert _import(xml_feed(feed_job("A-1"))).status == "done"  # not refused as still running
