"""A recruiter's edit reaches every platform: the real adapters (official SDKs) against the
sandbox over HTTP/gRPC, read back through each platform's own read API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from tests.factories import make_job
from tests.fakes import RecordingDispatcher
from tests.integration.campaigns.conftest import run_sent_tasks
from tests.integration.platforms.cases.base import ContractCase
from tests.integration.platforms.conftest import sandbox  # noqa: F401  (the module's sandbox)
from tests.integration.platforms.test_adapter_contract import CASES

from adflux.campaigns import editing, service
from adflux.campaigns.models import PlatformPublication
from adflux.extensions import db
from adflux.platforms import registry
from adflux.platforms.base import PlatformAdapter
from adflux.platforms.settings import PlatformSettings, load_platform_settings
from adflux.sandbox.server import RunningSandbox

pytestmark = pytest.mark.postgres


class SandboxPlatforms:
    """The registry's adapters, configured as a user configures them for this sandbox."""

    def __init__(self, settings: PlatformSettings):
        self.settings = settings
        self.adapters: dict[str, PlatformAdapter] = {}

    def infos(self) -> list[registry.PlatformInfo]:
        return registry.available_platforms(self.settings)

    def adapter(self, name: str) -> PlatformAdapter:
        if name not in self.adapters:
            self.adapters[name] = registry.get_adapter(name, self.settings)
        return self.adapters[name]


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request) -> ContractCase:
    return request.param


@pytest.fixture
def live(app: Flask, sandbox: RunningSandbox) -> Iterator[RecordingDispatcher]:  # noqa: F811
    sandbox.state.reset()
    previous = app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"]
    app.extensions["adflux_platforms"] = SandboxPlatforms(
        load_platform_settings(sandbox.client_env())
    )
    dispatcher = app.extensions["adflux_dispatcher"] = RecordingDispatcher()
    yield dispatcher
    app.extensions["adflux_platforms"], app.extensions["adflux_dispatcher"] = previous


def run_tasks(dispatcher: RecordingDispatcher) -> list[str]:
    done = run_sent_tasks(dispatcher)
    assert {state for _, state in done} <= {"published", "applied"}, done
    return [state for _, state in done]


def test_an_edit_and_the_archive_reach_the_platform(
    case: ContractCase,
    live: RecordingDispatcher,
    sandbox: RunningSandbox,  # noqa: F811
):
    job = make_job(title="Analista de datos", city="Bogotá", department="Bogotá D.C.")
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=[case.name]
    )
    assert run_tasks(live) == ["published"]
    (arm,) = db.session.query(PlatformPublication).filter_by(campaign_id=campaign.id)
    before = case.held(sandbox, case.read_back(sandbox, arm.external_ids))
    assert before.daily_budget_cop == arm.daily_budget_cop == arm.held_daily_budget_cop

    new_budget = arm.daily_budget_cop + 17_000
    end = campaign.start_date + timedelta(days=20)
    editing.edit_campaign(
        db_session=db.session,
        campaign_id=campaign.id,
        changes={"daily_budget_cop": new_budget, "end_date": end},
    )
    assert run_tasks(live) == ["applied"]
    db.session.refresh(arm)
    held = case.held(sandbox, case.read_back(sandbox, arm.external_ids))
    assert held.daily_budget_cop == new_budget == arm.held_daily_budget_cop
    assert held.schedule != before.schedule and held.schedule[1] is not None
    assert (arm.change_state, arm.applied_revision) == ("applied", arm.revision)

    editing.archive_campaign(db_session=db.session, campaign_id=campaign.id)
    assert run_tasks(live) == ["applied"]
    db.session.refresh(arm)
    objects = case.read_back(sandbox, arm.external_ids)
    assert case.is_paused(objects)
    assert arm.status == "ended"
