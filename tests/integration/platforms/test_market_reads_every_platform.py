"""The simulated market reads every platform's ad as AdFlux publishes it: its budget, its link to
the job and the custom audience it is restricted to; the platform reports the market's figures."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from types import SimpleNamespace

import pytest
from tests.integration.platforms.cases.base import ContractCase
from tests.integration.platforms.test_adapter_contract import (
    APPLY_URL,
    CASES,
    JOB,
    _publish,
    make_spec,
)

from adflux.audiences.hashing import hash_members
from adflux.platforms.base import AudienceSpec, PlatformAdapter
from adflux.platforms.registry import get_adapter
from adflux.platforms.settings import load_platform_settings
from adflux.sandbox.delivery import local_day
from adflux.sandbox.market import RESTATEMENT_DAYS
from adflux.sandbox.market_ads import ad_ids, read_ad


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request) -> ContractCase:
    return request.param


@pytest.fixture
def adapter(case: ContractCase, sandbox) -> PlatformAdapter:
    # The platforms' default client timeouts: this test injects no timeout fault, and the
    # contract tests' one-second deadline failed a 400-member Customer Match upload under load.
    return get_adapter(case.name, load_platform_settings(sandbox.client_env()))


def _person(i: int, city: str) -> dict:
    return {
        "ref": f"cand-{i}",
        "email": f"persona{i}@example.com",
        "phone": f"301{i:07d}",
        "city": city,
        "area": JOB["area"],
        "years_experience": 6,
        "desired_salary_cop": JOB["salary_min_cop"],
        "education_level": "profesional",
        "remote_preference": JOB["remote_mode"],
    }


def test_the_market_reads_the_ad_and_reaches_only_its_audience(case, adapter, sandbox):
    # At least the platform's minimum audience (TikTok's is 1,000): a smaller one delivers nothing.
    size = max(400, adapter.min_custom_audience)
    people = [_person(i, "Bogotá") for i in range(size + 200)]
    members = people[:size]
    market = sandbox.state.market
    job = {k: JOB[k] for k in ("city", "area", "seniority", "remote_mode", "employment_type")}
    job |= {k: JOB[k] for k in ("salary_min_cop", "salary_max_cop")}
    market.set_world({"people": people, "jobs": [{"ref": JOB["external_ref"], **job}]})
    contacts = [SimpleNamespace(email=p["email"], phone=p["phone"]) for p in members]
    audience = adapter.sync_audience(
        AudienceSpec("aud-9", "Segmento 9", hash_members(case.name, contacts)[0])
    )
    spec = make_spec(case, active=True)
    targeting = dataclasses.replace(spec.targeting, custom_audience_ids=(audience.external_id,))
    _publish(adapter, dataclasses.replace(spec, targeting=targeting))
    sandbox.state.clock.advance(5 * 86_400)
    now = sandbox.state.clock.now()

    (ad_id,) = ad_ids(sandbox.state.store, case.name)
    view = read_ad(sandbox.state.store, case.name, ad_id, now)
    assert view is not None
    assert view.daily_budget == spec.daily_budget_cop
    assert view.link is not None and view.link.startswith(APPLY_URL)
    assert view.audiences is not None and len(view.audiences[0]) >= len(members)

    applications = [a for a in market.all_applications(now) if a.ad_id == ad_id]
    assert applications
    assert {a.candidate_ref for a in applications} <= {p["ref"] for p in members}

    truth = market.truth(now)[case.name][ad_id]
    settled = local_day(now) - timedelta(days=RESTATEMENT_DAYS)
    reported = market.ad_days(case.name, ad_id, since=settled, until=settled, now=now)
    final = truth[settled]
    assert [(d.impressions, d.clicks, d.spend) for d in reported] == [
        (final.impressions, final.clicks, final.spend)
    ]
    assert final.spend <= spec.daily_budget_cop
