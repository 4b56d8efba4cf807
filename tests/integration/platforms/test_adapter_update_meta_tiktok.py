"""`PlatformAdapter.update` on Meta, TikTok and Snapchat, against the sandbox over HTTP.

Each test publishes the ad AdFlux builds for a job (`make_spec`, as the contract test does),
changes it with `update`, and reads the tree back through the platform's own read API (the
case's `read_back` and `held`): the platform must then hold what AdFlux would have published
with the new values (`meant` of the changed spec), new parts and untouched parts alike.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from tests.integration.platforms.cases.base import ContractCase, sandbox_objects
from tests.integration.platforms.test_adapter_contract import (
    CASES,
    JOB,
    TRADE_COUNTS,
    _fault,
    _publish,
    _segment_on_its_audience,
    make_spec,
)

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.publishing import CAMPAIGN_TZ
from adflux.platforms.base import (
    AdSpec,
    InvalidRequest,
    OutcomeUnknown,
    PlatformAdapter,
    PublicationChange,
    Schedule,
    TransientError,
    UpdateResult,
)
from adflux.platforms.registry import get_adapter
from adflux.sandbox.delivery import local_day
from adflux.sandbox.market import RESTATEMENT_DAYS
from adflux.sandbox.market_ads import ad_ids
from adflux.targeting.places import places_from_counts

UPDATED = [case for case in CASES if case.name in ("meta", "tiktok", "snapchat")]
# The object kinds an ad copy change replaces: Meta never edits a creative (a new one, and the ad
# pointed at it); TikTok's /ad/update/ edits the ad in place; on Snapchat a new creative over new
# media (the image changes with the copy), and the ad pointed at it.
REPLACED_BY_NEW_COPY = {"meta": {"creative"}, "tiktok": set(), "snapchat": {"media", "creative"}}
# The create call a copy change makes or, where there is none, its update call.
COPY_CALL = {
    "meta": "POST /v26.0/act_1000000001/adcreatives",
    "tiktok": "POST /open_api/v1.3/ad/update/",
    "snapchat": "POST /v1/adaccounts/8f3c2a10-5b7e-4c1d-9a6f-000000000002/creatives",
}
# Where each platform's refusal of a budget under its minimum names the field: Meta in
# error_data.blame_field_specs; TikTok and Snap only at the start of their message.
BUDGET_FIELD = {
    "meta": ("daily_budget", "budget"),
    "tiktok": (None, "budget:"),
    "snapchat": (None, "daily_budget_micro:"),
}
# The longest headline each platform's ad takes (Meta's recommended 40, Snap's 34).
HEADLINE_MAX = {"snapchat": 34}


@pytest.fixture(params=UPDATED, ids=[case.name for case in UPDATED])
def case(request) -> ContractCase:
    return request.param


@pytest.fixture
def adapter(case: ContractCase, settings) -> PlatformAdapter:
    return get_adapter(case.name, settings)


def _today() -> date:
    return datetime.now(CAMPAIGN_TZ).date()


def _published(case: ContractCase, adapter: PlatformAdapter, **changes) -> tuple[AdSpec, dict]:
    spec = make_spec(case, end_date=_today() + timedelta(days=30), **changes)
    result, _ = _publish(adapter, spec)
    return spec, result.external_ids


def _update(
    adapter: PlatformAdapter, spec: AdSpec, ids: dict, change: PublicationChange
) -> tuple[UpdateResult, list[tuple[str, str]]]:
    calls: list[tuple[str, str]] = []
    result = adapter.update(
        ids,
        change,
        publication_key=spec.publication_key,
        on_created=lambda kind, object_id: calls.append((kind, object_id)),
    )
    return result, calls


def _as_changed(spec: AdSpec, change: PublicationChange) -> AdSpec:
    """The ad AdFlux would publish with `change` applied: what the platform must now hold."""
    values: dict = {}
    if change.daily_budget_cop is not None:
        values["daily_budget_cop"] = change.daily_budget_cop
    if change.schedule is not None:
        values |= {"start_at": change.schedule.start_at, "end_at": change.schedule.end_at}
    if change.targeting is not None:
        values["targeting"] = change.targeting
    if change.creative is not None:
        values["creative"] = change.creative
    return dataclasses.replace(spec, **values)


def _new_copy(spec: AdSpec, platform: str):
    creative = spec.creative
    limit = HEADLINE_MAX.get(platform, 40)
    return dataclasses.replace(
        creative,
        headlines=tuple(f"Nueva vacante: {h}"[:limit] for h in creative.headlines),
        primary_text="Contratamos ya. Salario competitivo y contrato a término indefinido.",
    )


def _new_places(case: ContractCase):
    """The targeting AdFlux builds for JOB as a remote job: Bogotá and Medellín (no audience)."""
    job = SimpleNamespace(**{**JOB, "remote_mode": "remoto"})
    places = places_from_counts(job, TRADE_COUNTS)
    return make_spec(case, places=places, remote_mode="remoto").targeting


def _held(case: ContractCase, sandbox, ids):
    return case.held(sandbox, case.read_back(sandbox, ids))


# --------------------------------------------------------------------------- each part


CHANGES = {
    "budget": lambda case, spec: PublicationChange(daily_budget_cop=spec.daily_budget_cop + 17_000),
    "schedule": lambda case, spec: PublicationChange(
        schedule=Schedule(
            start_at=spec.start_at + timedelta(days=2),
            end_at=spec.start_at + timedelta(days=9, hours=6),
        )
    ),
    "schedule without an end": lambda case, spec: PublicationChange(
        schedule=Schedule(start_at=spec.start_at, end_at=None)
    ),
    "copy": lambda case, spec: PublicationChange(creative=_new_copy(spec, case.name)),
    "everything": lambda case, spec: PublicationChange(
        daily_budget_cop=spec.daily_budget_cop * 2,
        schedule=Schedule(start_at=spec.start_at, end_at=spec.start_at + timedelta(days=3)),
        targeting=_new_places(case),
        creative=_new_copy(spec, case.name),
    ),
}


@pytest.mark.parametrize("part", list(CHANGES))
def test_the_platform_holds_the_change_and_the_rest_as_it_was(case, adapter, sandbox, part):
    spec, ids = _published(case, adapter)
    change = CHANGES[part](case, spec)

    result, calls = _update(adapter, spec, ids, change)

    replaced = REPLACED_BY_NEW_COPY[case.name] if change.creative else set()
    assert {k for k in ids if result.external_ids[k] != ids[k]} == replaced
    assert calls == [(k, result.external_ids[k]) for k in result.external_ids if k in replaced]
    assert _held(case, sandbox, result.external_ids) == case.meant(
        sandbox, _as_changed(spec, change)
    )


def test_a_new_targeting_replaces_the_held_one_audiences_included(case, adapter, sandbox):
    segment, audience_id = _segment_on_its_audience(case, adapter)
    spec, ids = _published(case, adapter, segments=(segment,), custom_audience_ids=(audience_id,))
    assert _held(case, sandbox, ids) == case.meant(sandbox, spec)  # on the audience

    # The job audience instead of the segment's: no custom audience left on the ad.
    change = PublicationChange(targeting=_new_places(case))
    result, calls = _update(adapter, spec, ids, change)

    assert result.external_ids == ids and calls == []
    assert _held(case, sandbox, ids) == case.meant(sandbox, _as_changed(spec, change))


# --------------------------------------------------------------------------- refusals


def test_a_budget_under_the_minimum_is_refused_and_the_old_budget_stays(case, adapter, sandbox):
    spec, ids = _published(case, adapter)
    before = sandbox_objects(sandbox, case.name)
    field, named_in_message = BUDGET_FIELD[case.name]

    with pytest.raises(InvalidRequest) as caught:
        _update(
            adapter,
            spec,
            ids,
            PublicationChange(
                daily_budget_cop=MIN_DAILY_BUDGET_COP[case.name] - 1,
                # Refused as a whole: the valid parts sent with it change nothing either.
                schedule=Schedule(spec.start_at, spec.start_at + timedelta(days=5)),
            ),
        )

    assert caught.value.field == field
    assert named_in_message in caught.value.message and caught.value.code is not None
    assert _held(case, sandbox, ids) == case.meant(sandbox, spec)
    assert sandbox_objects(sandbox, case.name) == before


def test_an_end_before_the_start_is_refused_naming_the_end(case, adapter, sandbox):
    spec, ids = _published(case, adapter)
    backwards = Schedule(spec.start_at + timedelta(days=3), spec.start_at + timedelta(days=1))

    with pytest.raises(InvalidRequest) as caught:
        _update(adapter, spec, ids, PublicationChange(schedule=backwards))

    assert "end_time" in (caught.value.field or caught.value.message)
    assert _held(case, sandbox, ids) == case.meant(sandbox, spec)


# --------------------------------------------------------------------------- idempotency


def test_updating_twice_with_the_same_change_creates_nothing_more(case, adapter, sandbox):
    spec, ids = _published(case, adapter)
    change = CHANGES["everything"](case, spec)
    first, _ = _update(adapter, spec, ids, change)
    stored = sandbox_objects(sandbox, case.name)

    again, calls = _update(adapter, spec, first.external_ids, change)

    assert again.external_ids == first.external_ids and calls == []
    assert len(sandbox_objects(sandbox, case.name)) == len(stored)
    assert _held(case, sandbox, again.external_ids) == case.meant(
        sandbox, _as_changed(spec, change)
    )


def test_a_copy_change_cut_off_after_sending_is_not_made_twice(case, adapter, sandbox):
    spec, ids = _published(case, adapter)
    change = PublicationChange(creative=_new_copy(spec, case.name))
    stored = len(sandbox_objects(sandbox, case.name))
    cut_off = {"timeout": 1.0, "times": 1, "match": COPY_CALL[case.name], "timeout_hold_s": 2.5}
    _fault(sandbox, case.name, **cut_off)

    # The sandbox holds the answer longer than the client waits: the call went through unseen.
    with pytest.raises((OutcomeUnknown, TransientError)):
        _update(adapter, spec, ids, change)
    result, calls = _update(adapter, spec, ids, change)

    replaced = REPLACED_BY_NEW_COPY[case.name]
    assert sorted(kind for kind, _ in calls) == sorted(replaced)
    assert len(sandbox_objects(sandbox, case.name)) == stored + len(replaced)
    assert _held(case, sandbox, result.external_ids) == case.meant(
        sandbox, _as_changed(spec, change)
    )


# --------------------------------------------------------------------------- the market


def test_the_market_delivers_each_day_on_the_budget_it_had(case, adapter, sandbox):
    spec, ids = _published(case, adapter, active=True)
    market, clock = sandbox.state.market, sandbox.state.clock
    first_day = local_day(clock.now())
    (ad_id,) = ad_ids(sandbox.state.store, case.name)
    clock.advance(24 * 3600)
    settled_before = market.truth()[case.name][ad_id][first_day]

    raised = spec.daily_budget_cop * 4
    _update(adapter, spec, ids, PublicationChange(daily_budget_cop=raised))
    clock.advance((RESTATEMENT_DAYS + 1) * 24 * 3600)  # both days' figures settled
    second_day = first_day + timedelta(days=1)
    report = adapter.daily_report({spec.publication_key: ids}, first_day, second_day)
    rows = {row.day: row for row in report}

    assert set(rows) == {first_day, second_day}
    first, second = rows[first_day], rows[second_day]
    assert 0 < first.spend_cop <= spec.daily_budget_cop
    # More than the first day's budget could buy: the second day ran on the raised budget.
    assert spec.daily_budget_cop < second.spend_cop <= raised
    # The first day is as it was delivered, before the change.
    assert market.truth()[case.name][ad_id][first_day] == settled_before
    assert (first.impressions, first.clicks, first.spend_cop) == (
        settled_before.impressions,
        settled_before.clicks,
        settled_before.spend,
    )
