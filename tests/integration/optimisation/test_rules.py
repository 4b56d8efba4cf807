"""Campaign rules: each fires once per scope (even when two evaluations race), acts through the
campaigns' services, and shows on the campaign."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import count_rows

from adflux.audit.models import AuditLog
from adflux.campaigns.models import AdCampaign, PlatformPublication, PublicationStatus
from adflux.campaigns.service import campaign_today
from adflux.errors import Conflict, ValidationFailed
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.optimisation import rules
from adflux.optimisation.models import CampaignRule, RuleFiring, RuleKind

from .arms import add_day, arm_of, make_armed_campaign

TODAY = campaign_today()
MONDAY = TODAY - timedelta(days=TODAY.weekday())


@pytest.fixture
def campaign(platforms, segments):
    developers, accountants = segments
    return make_armed_campaign(
        platforms,
        [("meta", developers, 20_000), ("google", accountants, 20_000)],
        start=MONDAY - timedelta(days=14),
    )


def _statuses(campaign: AdCampaign) -> list[str]:
    db.session.expire_all()
    return [arm.status for arm in db.session.get(AdCampaign, campaign.id).publications]


def _audits(campaign: AdCampaign, action: str) -> list[AuditLog]:
    return list(
        db.session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == action, AuditLog.entity_id == str(campaign.id)
            )
        )
    )


def test_every_campaign_has_the_standing_rules_once(campaign):
    first = rules.list_rules(db.session, campaign.id)
    again = rules.list_rules(db.session, campaign.id)
    assert [r.kind for r in first] == [RuleKind.JOB_CLOSED, RuleKind.END_DATE]
    assert [r.id for r in again] == [r.id for r in first]
    with pytest.raises(Conflict, match="disable it instead"):
        rules.delete_rule(db.session, campaign.id, first[0].id)


def test_stop_after_n_applications_pauses_the_campaign_once(campaign, segments):
    rule = rules.create_rule(
        db.session, campaign.id, kind=RuleKind.MAX_APPLICATIONS, max_applications=5
    )
    meta = arm_of(campaign, "meta", segments[0])
    add_day(meta, TODAY - timedelta(days=2), 10_000, 3)
    db.session.commit()
    assert rules.evaluate_rules(db.session, campaign.id) == 0
    assert _statuses(campaign) == ["published", "published"]

    add_day(meta, TODAY, 10_000, 2)
    db.session.commit()
    assert rules.evaluate_rules(db.session, campaign.id) == 1
    assert rules.evaluate_rules(db.session, campaign.id) == 0

    assert _statuses(campaign) == ["paused", "paused"]
    firing = db.session.scalars(sa.select(RuleFiring)).one()
    assert (firing.rule_id, firing.scope, firing.action) == (rule.id, "campaign", "pause_campaign")
    assert firing.details == {"applications": 5, "limit": 5, "outcome": "paused"}
    [fired] = _audits(campaign, "campaign.rule_fired")
    assert fired.actor == f"rule:{rule.id}" and fired.details["firing_id"] == firing.id
    assert [a.actor for a in _audits(campaign, "campaign.pause")] == [f"rule:{rule.id}"]
    # Visible on the campaign: the rule with its firing.
    listed = next(r for r in rules.list_rules(db.session, campaign.id) if r.id == rule.id)
    assert [f.id for f in listed.firings] == [firing.id]


def test_a_weekly_stop_resumes_the_campaign_the_next_week(campaign, segments):
    rule = rules.create_rule(
        db.session, campaign.id, kind=RuleKind.MAX_APPLICATIONS, period="week", max_applications=4
    )
    last_week = MONDAY - timedelta(days=7)
    add_day(arm_of(campaign, "meta", segments[0]), last_week + timedelta(days=1), 10_000, 4)
    db.session.commit()

    assert rules.evaluate_rules(db.session, campaign.id, today=last_week + timedelta(days=2)) == 1
    assert _statuses(campaign) == ["paused", "paused"]
    assert rules.evaluate_rules(db.session, campaign.id, today=last_week + timedelta(days=6)) == 0

    assert rules.evaluate_rules(db.session, campaign.id, today=MONDAY) == 1  # the resume
    assert _statuses(campaign) == ["published", "published"]
    assert rules.evaluate_rules(db.session, campaign.id, today=MONDAY) == 0
    scopes = sorted(f.scope for f in db.session.scalars(sa.select(RuleFiring)))
    year, week, _ = last_week.isocalendar()
    this_year, this_week, _ = MONDAY.isocalendar()
    assert scopes == [f"resume:{this_year}-W{this_week:02d}", f"week:{year}-W{week:02d}"]
    assert rule.id


def test_a_weekly_stop_does_not_undo_a_persons_pause_or_another_stop(campaign, segments):
    rules.create_rule(
        db.session, campaign.id, kind=RuleKind.MAX_APPLICATIONS, period="week", max_applications=1
    )
    last_week = MONDAY - timedelta(days=7)
    add_day(arm_of(campaign, "meta", segments[0]), last_week, 10_000, 1)
    db.session.commit()
    rules.evaluate_rules(db.session, campaign.id, today=last_week)
    job = db.session.get(JobOpening, campaign.job_id)
    job.status = "closed"
    db.session.commit()
    rules.evaluate_rules(db.session, campaign.id, today=last_week + timedelta(days=1))

    assert rules.evaluate_rules(db.session, campaign.id, today=MONDAY) == 0
    assert _statuses(campaign) == ["paused", "paused"]


def test_an_arm_over_the_cost_per_application_is_paused_and_no_application_counts_as_over(
    campaign, platforms, segments
):
    developers, accountants = segments
    third = make_armed_campaign(platforms, [("x", None, 10_000)], start=TODAY)
    assert third.id != campaign.id
    meta, google = arm_of(campaign, "meta", developers), arm_of(campaign, "google", accountants)
    add_day(meta, TODAY - timedelta(days=1), 60_000, 4)  # 15.000 COP each: fine
    add_day(google, TODAY - timedelta(days=1), 50_000, 0)  # nothing for 50.000 COP
    db.session.commit()
    rule = rules.create_rule(
        db.session, campaign.id, kind=RuleKind.MAX_CPA, max_cpa_cop=20_000, min_spend_cop=40_000
    )

    assert rules.evaluate_rules(db.session, campaign.id) == 1

    db.session.expire_all()
    assert db.session.get(PlatformPublication, google.id).status == PublicationStatus.PAUSED
    assert db.session.get(PlatformPublication, meta.id).status == PublicationStatus.PUBLISHED
    held = platforms.platforms["google"].objects[google.external_ids["campaign"]]
    assert held["active"] is False
    firing = db.session.scalars(sa.select(RuleFiring)).one()
    assert (firing.rule_id, firing.scope, firing.publication_id) == (
        rule.id,
        f"publication:{google.id}",
        google.id,
    )
    assert firing.details["applications"] == 0 and firing.details["outcome"] == "paused"


def test_job_closed_and_end_date_apply_without_being_added(campaign):
    job = db.session.get(JobOpening, campaign.job_id)
    job.status = "paused"
    db.session.commit()
    assert rules.evaluate_rules(db.session, campaign.id) == 1
    assert _statuses(campaign) == ["paused", "paused"]

    campaign.end_date = TODAY - timedelta(days=1)
    db.session.commit()
    # It fires (once) though there is nothing left to pause, and says so.
    assert rules.evaluate_rules(db.session, campaign.id) == 1
    end = db.session.scalars(
        sa.select(RuleFiring).join(CampaignRule).where(CampaignRule.kind == RuleKind.END_DATE)
    ).one()
    assert "no published publication to pause" in end.details["outcome"]


def test_a_disabled_rule_does_not_fire(campaign):
    [job_closed, _] = rules.list_rules(db.session, campaign.id)
    rules.set_rule_enabled(db.session, campaign.id, job_closed.id, enabled=False)
    db.session.get(JobOpening, campaign.job_id).status = "closed"
    db.session.commit()
    assert rules.evaluate_rules(db.session, campaign.id) == 0
    assert _statuses(campaign) == ["published", "published"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "max_applications"}, "max_applications"),
        ({"kind": "max_applications", "max_applications": 3, "period": "day"}, "period"),
        ({"kind": "max_cpa", "max_cpa_cop": 20_000}, "min_spend_cop"),
        ({"kind": "max_cpa", "min_spend_cop": 20_000, "max_applications": 3}, "max_cpa_cop"),
        ({"kind": "job_closed"}, "kind"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused_naming_the_field(campaign, values, field):
    with pytest.raises(ValidationFailed) as refused:
        rules.create_rule(db.session, campaign.id, **values)
    assert field in refused.value.fields
    assert count_rows(CampaignRule) == 0


def test_a_firing_whose_worker_died_before_acting_is_acted_on_later(campaign, monkeypatch):
    db.session.get(JobOpening, campaign.job_id).status = "closed"
    db.session.commit()
    monkeypatch.setattr(rules, "_act", lambda *_: None)  # the worker dies after the firing
    assert rules.evaluate_rules(db.session, campaign.id) == 1
    monkeypatch.undo()
    assert _statuses(campaign) == ["published", "published"]
    firing = db.session.scalars(sa.select(RuleFiring)).one()
    firing.fired_at -= rules.UNFINISHED_AFTER
    db.session.commit()

    assert rules.evaluate_rules(db.session, campaign.id) == 0
    assert _statuses(campaign) == ["paused", "paused"]
    assert db.session.get(RuleFiring, firing.id).details["outcome"] == "paused"


# --- two evaluations at once ---------------------------------------------------------------


def test_two_evaluations_at_once_fire_a_rule_once(committing_app, monkeypatch):
    directory = committing_app.extensions["adflux_platforms"]
    campaign = make_armed_campaign(
        directory, [("meta", None, 20_000), ("google", None, 20_000)], start=TODAY
    )
    db.session.get(JobOpening, campaign.job_id).status = "closed"
    db.session.commit()
    campaign_id = campaign.id
    rules.list_rules(db.session, campaign_id)  # the standing rules exist before the race
    db.session.remove()

    # Both evaluations pass the "fired already?" check before either inserts its firing.
    barrier = threading.Barrier(2, timeout=10)
    original = rules.write_or_recheck

    def checked_then_wait(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return original(*args, **kwargs)

    monkeypatch.setattr(rules, "write_or_recheck", checked_then_wait)

    def evaluate(_: int) -> int:
        with committing_app.app_context():
            try:
                return rules.evaluate_rules(db.session, campaign_id)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=2) as pool:
        fired = sorted(pool.map(evaluate, range(2)))

    assert fired == [0, 1]
    assert count_rows(RuleFiring) == 1
    campaign = db.session.get(AdCampaign, campaign_id)
    assert len(_audits(campaign, "campaign.rule_fired")) == 1
    assert len(_audits(campaign, "campaign.pause")) == 1
    assert _statuses(campaign) == ["paused", "paused"]
