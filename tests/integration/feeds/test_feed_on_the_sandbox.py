"""A feed that drops a job pauses its campaign on the platform: the real adapters (official SDKs)
against the sandbox, the campaign made by a template after the import, read back through each
platform's own read API."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.fakes import RecordingDispatcher
from tests.integration.campaigns.test_changes_on_the_sandbox import (  # noqa: F401  (fixtures)
    case,
    live,
    run_tasks,
)
from tests.integration.feeds.conftest import feed_job, xml_feed
from tests.integration.platforms.cases.base import ContractCase
from tests.integration.platforms.conftest import sandbox  # noqa: F401  (the module's sandbox)

from adflux.campaign_templates import service as templates
from adflux.campaigns.models import PlatformPublication
from adflux.extensions import db
from adflux.feeds import service as feeds
from adflux.sandbox.server import RunningSandbox

pytestmark = pytest.mark.postgres


def test_a_job_the_feed_drops_has_its_campaign_paused_on_the_platform(
    case: ContractCase,  # noqa: F811
    live: RecordingDispatcher,  # noqa: F811
    sandbox: RunningSandbox,  # noqa: F811
):
    templates.create_template(
        db_session=db.session,
        name="Datos en Bogotá",
        platforms=[case.name],
        area="datos",
        daily_budget_cop=100_000,  # over every platform's minimum (TikTok: 80,000)
    )
    jobs = [
        feed_job(ref, title="Analista de datos", category="Datos", city="Bogotá", state="Bogotá")
        for ref in ("S-1", "S-2")
    ]
    first = feeds.import_feed(db_session=db.session, stream=xml_feed(*jobs), source="feed.xml")
    assert len(first.campaigns_created) == 2, first.warnings
    assert run_tasks(live) == ["published", "published"]
    arms = {
        p.campaign_id: p
        for p in db.session.scalars(
            sa.select(PlatformPublication).where(
                PlatformPublication.campaign_id.in_(first.campaigns_created)
            )
        )
    }
    _kept, dropped_campaign = sorted(arms)
    assert not case.is_paused(case.read_back(sandbox, arms[dropped_campaign].external_ids))

    second = feeds.import_feed(db_session=db.session, stream=xml_feed(jobs[0]), source="feed.xml")

    assert (second.closed, second.campaigns_paused) == (1, [dropped_campaign])
    assert second.campaigns_not_paused == {}
    for campaign_id, arm in arms.items():
        db.session.refresh(arm)
        held = case.read_back(sandbox, arm.external_ids)
        assert case.is_paused(held) is (campaign_id == dropped_campaign), case.name
        assert arm.status == ("paused" if campaign_id == dropped_campaign else "published")
