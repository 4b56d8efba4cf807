"""The dashboard in a real browser: `adflux serve` on a fresh SQLite data directory, pointed at
the platform sandbox (in this process), driven by Debian's headless Chromium through Playwright.

Screenshots of every page at a laptop and a phone width go to test-artifacts/screenshots (or
ADFLUX_SCREENSHOTS_DIR); the folder is printed at the end of the run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import sync_playwright
from tests.e2e.campaigns.stack import Deployment, base_env
from tests.services import service_missing

from adflux.app import create_app
from adflux.auth import service as auth_service
from adflux.campaigns.models import AdCampaign, PlatformPublication
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.datagen import service as datagen
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.results.models import Application, CampaignMetric
from adflux.sandbox.server import RunningSandbox, start_in_thread
from adflux.segmentation import service as segmentation

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"laptop": {"width": 1366, "height": 860}, "phone": {"width": 390, "height": 844}}
SCREENSHOTS = Path(
    os.environ.get(
        "ADFLUX_SCREENSHOTS_DIR", Path(__file__).parents[3] / "test-artifacts" / "screenshots"
    )
)


@dataclass
class Dashboard:
    url: str
    deployment: Deployment
    sandbox: RunningSandbox
    tokens: dict[str, str]
    job_ids: list[int]  # open jobs


_saved: list[Path] = []


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if _saved:
        terminalreporter.write_line(f"dashboard screenshots ({len(_saved)}): {SCREENSHOTS}")


@pytest.fixture(scope="package")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    if not Path(CHROMIUM).exists():
        service_missing("Chromium", f"{CHROMIUM} not found")
    work = tmp_path_factory.mktemp("web-e2e")
    data_dir = work / "data"
    sandbox = start_in_thread(state_dir=work / "sandbox")
    env = base_env(
        database_url=f"sqlite:///{data_dir / 'adflux.db'}",
        broker_url=None,  # embedded: publishing runs in the serving process
        data_dir=data_dir,
        sandbox=sandbox,
        extra={"XDG_CONFIG_HOME": str(work / "xdg")},
    )
    deployment = Deployment(env=env, work_dir=work)
    try:
        tokens, job_ids = _prepare_in_process(data_dir)
        deployment.start_server()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        yield Dashboard(deployment.api_url, deployment, sandbox, tokens, job_ids)
    finally:
        deployment.stop()
        sandbox.stop()


def _prepare_in_process(data_dir: Path) -> tuple[dict[str, str], list[int]]:
    """The migrated database seeded with 20 jobs and 500 candidates, tokens for each role, a
    trained and active segmentation run and the open jobs; in this process, which is quicker
    than starting the CLI once for each (`db upgrade` and `seed` run as processes elsewhere)."""
    url = f"sqlite:///{data_dir / 'adflux.db'}"
    app = create_app(Settings(database_url=url, data_dir=data_dir, log_level="WARNING"))
    with app.app_context():
        upgrade_schema()
        datagen.seed(n_jobs=20, n_candidates=500)
        run = segmentation.run_training(
            db_session=db.session, run_id=segmentation.create_run(db_session=db.session).id
        )
        assert run is not None and run.status == "succeeded", run and run.error
        tokens = {
            role: auth_service.create_token(db_session=db.session, name=f"web-{role}", role=role)[1]
            for role in ("operator", "viewer")
        }
        ids = db.session.scalars(
            sa.select(JobOpening.id).where(JobOpening.status == "open").order_by(JobOpening.id)
        ).all()
        db.session.remove()
        db.engine.dispose()
    app.extensions["adflux_dispatcher"].shutdown()
    assert len(ids) >= 2, "the seed made fewer than two open jobs"
    return tokens, list(ids)


FIRST_DAY = date(2026, 11, 20)
# platform -> (daily spend, clicks, applications on day n): a week that differs by platform.
WEEK = {"google": (70_000, 700, 14), "meta": (75_000, 450, 5), "tiktok": (72_000, 400, 3)}


@pytest.fixture(scope="package")
def campaign_with_results(dashboard: Dashboard) -> int:
    """A campaign with a week of results on three platforms, as the results sync and the
    applications endpoint leave them, written straight into the served database (the sync and
    the endpoint are tested against the market elsewhere)."""
    env = dashboard.deployment.env
    app = create_app(
        Settings(
            database_url=env["DATABASE_URL"],
            data_dir=Path(env["ADFLUX_DATA_DIR"]),
            log_level="WARNING",
        )
    )
    with app.app_context():
        job = db.session.get(JobOpening, dashboard.job_ids[-1])
        assert job is not None
        campaign = AdCampaign(
            job_id=job.id, name=f"{job.title} · resultados", status="published",
            daily_budget_cop=80_000, start_date=FIRST_DAY,
        )  # fmt: skip
        db.session.add(campaign)
        db.session.flush()
        for platform, (spend, clicks, applications) in WEEK.items():
            publication = PlatformPublication(
                campaign_id=campaign.id, platform=platform, status="published",
                daily_budget_cop=campaign.daily_budget_cop, external_ids={"ad": f"{platform}-1"},
            )  # fmt: skip
            db.session.add(publication)
            db.session.flush()
            for n in range(7):
                day = FIRST_DAY + timedelta(days=n)
                db.session.add(
                    CampaignMetric(
                        publication_id=publication.id, day=day, impressions=clicks * 90,
                        clicks=clicks + 10 * n, spend_cop=spend - 1_000 * n,
                    )
                )  # fmt: skip
                for k in range(applications + n % 3):
                    db.session.add(
                        Application(
                            source_id=f"{campaign.id}-{platform}-{n}-{k}", job_ref=job.external_ref,
                            job_id=job.id, campaign_id=campaign.id,
                            publication_id=publication.id, platform=platform,
                            applied_at=datetime.combine(day, datetime.min.time(), UTC)
                            + timedelta(hours=15), day=day, tracking={"utm_source": platform},
                        )
                    )  # fmt: skip
        db.session.commit()
        campaign_id = campaign.id
        db.session.remove()
        db.engine.dispose()
    app.extensions["adflux_dispatcher"].shutdown()
    return campaign_id


@pytest.fixture(scope="package")
def browser(dashboard: Dashboard):  # type: ignore[no-untyped-def]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def open_as(browser, dashboard: Dashboard):  # type: ignore[no-untyped-def]
    """A fresh browser signed in through the sign-in page with a token of `role`."""
    contexts = []

    def open_(role: str, *, viewport: str = "laptop", locale: str = "es-CO"):  # type: ignore[no-untyped-def]
        context = browser.new_context(
            viewport=VIEWPORTS[viewport], locale=locale, base_url=dashboard.url
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, dashboard, role)
        return page

    yield open_
    for context in contexts:
        context.close()


def sign_in(page, dashboard: Dashboard, role: str) -> None:  # type: ignore[no-untyped-def]
    """Sign `page` in as a person does: the dashboard sends it to the sign-in page, the token of
    `role` is pasted there and the overview opens."""
    page.goto("/")
    page.wait_for_url(re.compile(r"/sign-in"))
    page.get_by_label(re.compile("Token de API|API token")).fill(dashboard.tokens[role])
    page.get_by_role("button", name=re.compile("Iniciar sesión|Sign in")).click()
    page.wait_for_url(dashboard.url + "/")


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _saved.append(path)
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    """A failed browser test shows the end of the server's log (publishing happens there)."""
    outcome = yield
    report = outcome.get_result()
    dashboard = item.funcargs.get("dashboard") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and dashboard and dashboard.deployment.server:
        report.sections.append(("adflux serve log", dashboard.deployment.server.log()[-6000:]))
