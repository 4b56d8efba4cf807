"""The whole measuring loop against the simulated market, on every platform at once: AdFlux
publishes a campaign through its real adapters, the market delivers it for days, the simulated
job site posts its applications (late, some twice) to AdFlux's applications endpoint, and the
results sync pulls each platform's report. AdFlux's daily rows must then equal the market's own
ground truth, per ad and day, exactly; restated days are overwritten; each application counts
once. Only this test reads the market's truth: AdFlux itself never can.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from requests.structures import CaseInsensitiveDict
from tests.factories import make_active_segment, make_job
from tests.integration.platforms.test_adapter_contract import CASES

from adflux import clock
from adflux.auth import service as auth_service
from adflux.campaigns import publishing, service
from adflux.campaigns.adapters import adapter_for
from adflux.campaigns.models import PlatformPublication
from adflux.datagen.world import publish_world, world_from_database
from adflux.extensions import db
from adflux.results.models import Application, CampaignMetric
from adflux.results.sync import sync_results
from adflux.sandbox.delivery import local_day
from adflux.sandbox.market import RESTATEMENT_DAYS

pytestmark = pytest.mark.postgres

DAY_S = 86_400
PLATFORMS = [case.name for case in CASES]
JOB_SITE = "http://adflux.test"


class AppTransport(requests.adapters.BaseAdapter):
    """The job site's HTTP posts, answered by the app's own test client: the real endpoint and
    the test's database transaction, without a server."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.client = client
        self.posts = 0

    def send(self, request, **_kwargs):  # type: ignore[no-untyped-def]
        self.posts += 1
        answer = self.client.open(
            urlsplit(request.url).path,
            method=request.method,
            data=request.body,
            headers=dict(request.headers),
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response._content = answer.get_data()
        response.headers = CaseInsensitiveDict(answer.headers)
        response.url, response.request = request.url, request
        return response

    def close(self) -> None:
        pass


@pytest.fixture
def job_site(app, client, sandbox) -> Iterator[AppTransport]:
    """The market's job site posting to this app; its background sender stopped, so every post
    happens in the test's thread (and transaction)."""
    outbox = sandbox.state.market.outbox
    outbox.stop()
    transport = AppTransport(client)
    outbox._session.mount(JOB_SITE, transport)
    _row, token = auth_service.create_token(
        db_session=db.session, name="job-site", role="applications"
    )
    sandbox.state.market.set_job_site(
        {"applications_url": f"{JOB_SITE}/api/v1/applications", "token": token}
    )
    try:
        yield transport
    finally:
        outbox._session.adapters.pop(JOB_SITE, None)
        outbox.start()
        clock.set_offset(timedelta(0))


def _advance(sandbox, days: float) -> None:
    """The market's clock and AdFlux's move together, as in `make run`'s demo."""
    offset = sandbox.state.clock.advance(days * DAY_S)
    clock.set_offset(timedelta(seconds=offset))


def _deliver_everything(sandbox) -> None:
    outbox = sandbox.state.market.outbox
    for _ in range(10):
        if outbox.deliver()["pending"] == 0:
            return
        sandbox.state.clock.advance(DAY_S / 2)  # the late ones fall due
    raise AssertionError("applications left undelivered")


def _rows(publication: PlatformPublication) -> dict:
    return {
        row.day: (row.impressions, row.clicks, row.spend_cop)
        for row in db.session.scalars(
            sa.select(CampaignMetric).where(CampaignMetric.publication_id == publication.id)
        )
    }


def test_adflux_figures_equal_the_markets_truth_per_ad_and_day(
    real_platforms, dispatcher, sandbox, job_site
):
    # As many consenting members as the most demanding platform targets (TikTok: 1,000).
    size = max(real_platforms.adapter(name).min_custom_audience for name in PLATFORMS)
    segment = make_active_segment(city="Bogotá", size=size, consents=(True,) * size)
    job = make_job(title="Auxiliar contable", city="Bogotá", area="Contabilidad")
    db.session.commit()
    publish_world(sandbox.base_url, world_from_database(db.session))
    campaign, _ = service.create_campaign(
        db_session=db.session, job_id=job.id, platforms=PLATFORMS, segment_ids=[segment.id],
        daily_budget_cop=120_000,
    )  # fmt: skip
    for _name, args, _countdown in dispatcher.take():
        outcome = publishing.attempt_publication(db_session=db.session, publication_id=args[0])
        assert outcome.state == "published", outcome.detail
    publications = {
        p.platform: p
        for p in db.session.scalars(
            sa.select(PlatformPublication).where(PlatformPublication.campaign_id == campaign.id)
        )
    }

    _advance(sandbox, 6)
    first = sync_results(db_session=db.session, adapter_for=adapter_for, force=True)
    assert first.failed == [] and {p.platform for p in first.platforms} == set(PLATFORMS)
    before = {name: _rows(p) for name, p in publications.items()}
    _advance(sandbox, 4)  # the last days of the first sync are restated meanwhile
    sync_results(db_session=db.session, adapter_for=adapter_for, force=True)
    # Days final when the sync ran; delivering the late applications may move the clock on,
    # and a day still open to restatement then would be compared with figures it has since had.
    settled = local_day(sandbox.state.clock.now()) - timedelta(days=RESTATEMENT_DAYS)
    _deliver_everything(sandbox)

    now = sandbox.state.clock.now()
    truth = sandbox.state.market.truth(now)
    restated = 0
    for name, publication in publications.items():
        (ad_truth,) = truth[name].values()  # one ad (Google: one campaign) per publication
        rows = _rows(publication)
        final = {
            day: (t.impressions, t.clicks, t.spend)
            for day, t in ad_truth.items()
            if day <= settled and t.impressions
        }
        assert final, name
        assert {day: rows[day] for day in final} == final, name
        restated += sum(1 for day, figures in before[name].items() if rows[day] != figures)
        applications = dict(
            db.session.execute(
                sa.select(Application.day, sa.func.count())
                .where(Application.publication_id == publication.id)
                .group_by(Application.day)
            ).all()
        )
        expected = {day: t.applications for day, t in ad_truth.items() if t.applications}
        assert applications == expected, name
    assert restated > 0, "no day was restated between the two syncs"
    # Every application the market made is stored once, attributed to its ad.
    made = {i for ads in truth.values() for days in ads.values() for d in days.values()
            for i in d.application_ids}  # fmt: skip
    stored = set(db.session.scalars(sa.select(Application.source_id)))
    assert made and stored == made
    assert job_site.posts > len(made)  # some were sent twice: counted once all the same
