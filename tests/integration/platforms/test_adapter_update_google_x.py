"""PlatformAdapter.update on Google Ads and X: the official SDKs against the sandbox over gRPC and
HTTP, the ad published as AdFlux builds it, and every change read back through the platform's own
read API (the contract cases' `read_back` / `held`), never through the adapter."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from tests.integration.platforms.cases import google_ads, x_ads
from tests.integration.platforms.cases.base import ContractCase, sandbox_objects
from tests.integration.platforms.test_adapter_contract import JOB, _fault, _publish, make_spec

from adflux.platforms.base import (
    AdSpec,
    InvalidRequest,
    OutcomeUnknown,
    PlatformAdapter,
    PublicationChange,
    Schedule,
    UpdateResult,
)
from adflux.platforms.registry import get_adapter
from adflux.platforms.settings import load_platform_settings
from adflux.sandbox.delivery import local_day
from adflux.sandbox.market import RESTATEMENT_DAYS
from adflux.sandbox.market_ads import ad_ids

CASES = [google_ads.CASE, x_ads.CASE]
# Where each platform holds the daily budget, as the field its refusal names.
BUDGET_FIELD = {"google": "campaign_budget.amount_micros", "x": "daily_budget_amount_local_micro"}


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request) -> ContractCase:
    return request.param


@pytest.fixture
def adapter(case: ContractCase, settings) -> PlatformAdapter:
    return get_adapter(case.name, settings)


def _update(
    adapter: PlatformAdapter, ids: dict[str, str], change: PublicationChange, key: str
) -> tuple[UpdateResult, list[tuple[str, str]]]:
    calls: list[tuple[str, str]] = []
    result = adapter.update(
        ids, change, publication_key=key, on_created=lambda k, i: calls.append((k, i))
    )
    return result, calls


def _held(case: ContractCase, sandbox, ids):
    return case.held(sandbox, case.read_back(sandbox, ids))


def _new_copy(spec: AdSpec):
    """Other ad copy for the same job: within every platform's limits, and the link unchanged."""
    creative = spec.creative
    return dataclasses.replace(
        creative,
        headlines=("Vacante abierta hoy", *creative.headlines[1:]),
        descriptions=("Postúlate en minutos desde tu celular.", *creative.descriptions[1:]),
        primary_text=f"Vacante abierta: postúlate hoy {creative.link_url}",
    )


def _new_targeting(spec: AdSpec):
    return dataclasses.replace(spec.targeting, keywords=("contador público", "auditor"))


def _full_change(spec: AdSpec) -> PublicationChange:
    end = spec.start_at + timedelta(days=20)
    return PublicationChange(
        daily_budget_cop=spec.daily_budget_cop * 2,
        schedule=Schedule(spec.start_at, end),
        targeting=_new_targeting(spec),
        creative=_new_copy(spec),
    )


def _meant_after(spec: AdSpec, change: PublicationChange) -> AdSpec:
    """The spec that, published, would hold what `change` asks for."""
    return dataclasses.replace(
        spec,
        daily_budget_cop=change.daily_budget_cop or spec.daily_budget_cop,
        end_at=change.schedule.end_at if change.schedule else spec.end_at,
        targeting=change.targeting or spec.targeting,
        creative=change.creative or spec.creative,
    )


# --------------------------------------------------------------------------- each part


def test_a_budget_change_is_held_and_nothing_else_moves(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    before = _held(case, sandbox, published.external_ids)

    change = PublicationChange(daily_budget_cop=spec.daily_budget_cop + 12_000)
    result, calls = _update(adapter, published.external_ids, change, spec.publication_key)

    after = _held(case, sandbox, result.external_ids)
    assert after.daily_budget_cop == spec.daily_budget_cop + 12_000
    assert dataclasses.replace(after, daily_budget_cop=before.daily_budget_cop) == before
    assert result.external_ids == published.external_ids
    assert calls == []


def test_a_schedule_change_sets_the_end_and_then_removes_it(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    ids = published.external_ids
    end = spec.start_at + timedelta(days=10)

    _update(adapter, ids, PublicationChange(schedule=Schedule(spec.start_at, end)), "k")
    ending = _held(case, sandbox, ids)
    assert ending.schedule == case.meant(sandbox, dataclasses.replace(spec, end_at=end)).schedule
    assert ending.daily_budget_cop == spec.daily_budget_cop

    _update(adapter, ids, PublicationChange(schedule=Schedule(spec.start_at, None)), "k")
    assert _held(case, sandbox, ids).schedule == case.meant(sandbox, spec).schedule
    assert _held(case, sandbox, ids).schedule[1] is None


def test_an_end_before_the_start_is_refused_and_the_dates_stay(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    before = _held(case, sandbox, published.external_ids)
    backwards = Schedule(spec.start_at, spec.start_at - timedelta(days=3))

    with pytest.raises(InvalidRequest) as refused:
        _update(adapter, published.external_ids, PublicationChange(schedule=backwards), "k")

    assert "end" in (refused.value.field or "")
    assert _held(case, sandbox, published.external_ids) == before


def test_a_targeting_change_replaces_the_whole_targeting(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    before = _held(case, sandbox, published.external_ids)
    targeting = _new_targeting(spec)
    assert set(targeting.keywords).isdisjoint(spec.targeting.keywords)

    result, _ = _update(
        adapter, published.external_ids, PublicationChange(targeting=targeting), "k"
    )

    after = _held(case, sandbox, result.external_ids)
    meant = case.meant(sandbox, dataclasses.replace(spec, targeting=targeting))
    assert after.targeting == meant.targeting
    assert after.targeting != before.targeting
    assert (after.texts, after.link, after.daily_budget_cop) == (
        before.texts,
        before.link,
        before.daily_budget_cop,
    )


def test_a_copy_change_shows_the_new_copy(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    before = _held(case, sandbox, published.external_ids)
    creative = _new_copy(spec)

    result, calls = _update(
        adapter, published.external_ids, PublicationChange(creative=creative), spec.publication_key
    )

    after = _held(case, sandbox, result.external_ids)
    meant = case.meant(sandbox, dataclasses.replace(spec, creative=creative))
    assert (after.texts, after.link, after.image) == (meant.texts, meant.link, meant.image)
    assert after.texts != before.texts
    assert (after.targeting, after.daily_budget_cop) == (before.targeting, before.daily_budget_cop)
    if case.name == "google":
        # AdService updates a responsive search ad in place: the same ad, nothing created.
        assert result.external_ids == published.external_ids
        assert calls == []
    else:
        # X posts cannot be edited: a new post (with its own image card), promoted in place of
        # the old one.
        assert [kind for kind, _ in calls] == [*case.tree_for(spec)[3:]]
        assert dict(calls) == {kind: result.external_ids[kind] for kind, _ in calls}
        line_item = published.external_ids["line_item"]
        live = [
            o
            for o in sandbox_objects(sandbox, "x")
            if o["kind"] == "promoted_tweet" and o.get("line_item_id") == line_item
        ]
        assert {o["id"]: o.get("_deleted", False) for o in live} == {
            published.external_ids["promoted_tweet"]: True,
            result.external_ids["promoted_tweet"]: False,
        }


# --------------------------------------------------------------------------- as a whole


def test_every_part_at_once_is_held_as_if_published_so(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    change = _full_change(spec)

    result, _ = _update(adapter, published.external_ids, change, spec.publication_key)

    assert _held(case, sandbox, result.external_ids) == case.meant(
        sandbox, _meant_after(spec, change)
    )


def test_the_same_change_twice_creates_nothing_new(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    change = _full_change(spec)
    first, _ = _update(adapter, published.external_ids, change, spec.publication_key)
    held = _held(case, sandbox, first.external_ids)
    stored = sandbox_objects(sandbox, case.name)

    second, calls = _update(adapter, first.external_ids, change, spec.publication_key)

    assert calls == []
    assert second.external_ids == first.external_ids
    assert _held(case, sandbox, second.external_ids) == held
    assert len(sandbox_objects(sandbox, case.name)) == len(stored)


def test_a_budget_under_the_platforms_floor_is_refused_and_the_old_one_stays(
    case, adapter, sandbox
):
    # Neither Google nor X documents a fixed minimum daily budget in COP (campaigns/adapters.py
    # keeps AdFlux's own floors): both refuse a budget that is not a positive amount.
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)

    with pytest.raises(InvalidRequest) as refused:
        _update(adapter, published.external_ids, PublicationChange(daily_budget_cop=0), "k")

    assert refused.value.field == BUDGET_FIELD[case.name]
    assert _held(case, sandbox, published.external_ids).daily_budget_cop == spec.daily_budget_cop


def test_a_refused_copy_changes_nothing(case, adapter, sandbox):
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    before = _held(case, sandbox, published.external_ids)
    stored = len(sandbox_objects(sandbox, case.name))
    (refused_copy,) = case.rejected.changes.values()

    with pytest.raises(InvalidRequest) as refused:
        _update(adapter, published.external_ids, PublicationChange(creative=refused_copy), "k")

    # Google blames the Ad that AdService updates (the contract's create blamed its AdGroupAd).
    assert refused.value.field and case.rejected.field.endswith(refused.value.field)
    assert _held(case, sandbox, published.external_ids) == before
    assert len(sandbox_objects(sandbox, case.name)) == stored


def test_a_copy_change_that_never_heard_back_is_not_made_twice(sandbox, settings):
    # X makes a new post for new copy; its name carries a digest of the copy, so the update run
    # again after the answer was lost finds that post instead of making a second one.
    case = x_ads.CASE
    adapter = get_adapter("x", settings)
    spec = make_spec(case)
    published, _ = _publish(adapter, spec)
    change = PublicationChange(creative=_new_copy(spec))
    _fault(
        sandbox,
        "x",
        timeout=1.0,
        times=1,
        match="POST /11/accounts/18ce54d4x5t/tweet",
        timeout_hold_s=2.5,
    )

    with pytest.raises(OutcomeUnknown):
        _update(adapter, published.external_ids, change, spec.publication_key)
    result, calls = _update(adapter, published.external_ids, change, spec.publication_key)

    posts = [o for o in sandbox_objects(sandbox, "x") if o["kind"] == "tweet"]
    assert len(posts) == 2  # the published post and one replacement
    assert [kind for kind, _ in calls] == ["promoted_tweet"]  # the post existed already
    held = _held(case, sandbox, result.external_ids)
    assert held.texts == case.meant(sandbox, _meant_after(spec, change)).texts


# --------------------------------------------------------------------------- the market


def _world(case: ContractCase) -> dict:
    people = [
        {
            "ref": f"cand-{i}",
            "email": f"persona{i}@example.com",
            "phone": f"301{i:07d}",
            "city": "Bogotá",
            "area": JOB["area"],
            "years_experience": 4,
            "desired_salary_cop": JOB["salary_min_cop"],
            "education_level": "profesional",
            "remote_preference": JOB["remote_mode"],
        }
        for i in range(4_000)
    ]
    job = {k: JOB[k] for k in ("city", "area", "seniority", "remote_mode", "employment_type")}
    job |= {k: JOB[k] for k in ("salary_min_cop", "salary_max_cop")}
    return {"people": people, "jobs": [{"ref": JOB["external_ref"], **job}]}


def test_the_market_delivers_each_day_on_the_budget_it_had(case, sandbox):
    # The platforms' default client timeouts: reports over several days take a while here.
    adapter = get_adapter(case.name, load_platform_settings(sandbox.client_env()))
    sandbox.state.market.set_world(_world(case))
    spec = make_spec(case, active=True)
    published, _ = _publish(adapter, spec)
    trees = {spec.publication_key: published.external_ids}
    clock, market = sandbox.state.clock, sandbox.state.market
    clock.advance(2 * 86_400)  # the publishing day, one whole day, and part of a third
    (ad_id,) = ad_ids(sandbox.state.store, case.name)
    whole_day = local_day(clock.now()) - timedelta(days=1)
    before = market.truth(clock.now())[case.name][ad_id][whole_day]

    raised = spec.daily_budget_cop * 5
    _update(adapter, published.external_ids, PublicationChange(daily_budget_cop=raised), "k")
    clock.advance((RESTATEMENT_DAYS + 2) * 86_400)

    raised_day = whole_day + timedelta(days=2)  # the first whole day on the raised budget
    reported = {
        row.day: row
        for row in adapter.daily_report(trees, whole_day, raised_day)
        if row.publication_key == spec.publication_key
    }
    assert (
        reported[whole_day].impressions,
        reported[whole_day].clicks,
        reported[whole_day].spend_cop,
    ) == (before.impressions, before.clicks, before.spend)
    assert before.spend <= spec.daily_budget_cop
    assert spec.daily_budget_cop < reported[raised_day].spend_cop <= raised
