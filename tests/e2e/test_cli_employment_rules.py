"""`adflux create-campaign` and the employment-ad rules, as a recruiter runs it: narrowing options
refused naming the rule, the age-proxy warning printed and confirmed, the segments recommended
when none is given and a low-fit warning, against a live API (`adflux serve` on SQLite,
publishing to the sandbox)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from tests.e2e.campaigns.stack import Deployment, base_env
from tests.e2e.processes import clean_env, free_port, run_cli
from tests.factories import candidate_payload

from adflux.app import create_app
from adflux.auth import service as auth_service
from adflux.campaigns.compliance import NARROWING_RULES
from adflux.campaigns.models import AdCampaign
from adflux.candidates.models import Candidate
from adflux.cli.main import cli
from adflux.config import Settings
from adflux.database import upgrade_schema
from adflux.datagen import service as datagen
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.sandbox.server import start_in_thread
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

pytestmark = pytest.mark.slow

NARROWING_FIELDS = sorted({name for rule in NARROWING_RULES.values() for name in rule.fields})


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- refusals: no API involved ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--age-min", "25"), "--age-min: Age targeting is not allowed in job ads"),
        (("--genders", "female"), "--genders: Sex or gender targeting is not allowed"),
        (("--postal-codes", "110111"), "--postal-codes: Postal-code (ZIP) targeting"),
        (("--targeting", '{"age_max": 40}'), "--targeting: AdFlux builds each campaign's"),
        (("--lookalike",), "--lookalike: A lookalike audience is not allowed"),
    ],
)
def test_narrowing_options_are_refused_naming_the_rule(
    args: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    # The API address is a closed port: the refusal comes before any call (and before the
    # missing --job-id), so it needs no server. In English here; in Spanish below.
    env = clean_env(
        ADFLUX_DATA_DIR=str(tmp_path),
        ADFLUX_API_URL=f"http://127.0.0.1:{free_port()}",
        LANG="en_US.UTF-8",
    )

    line = _one_error_line(run_cli("create-campaign", *args, env=env))

    assert line.startswith(f"Error: {expected}")
    assert "No such option" not in line and "cannot reach" not in line


@pytest.mark.parametrize("field", NARROWING_FIELDS)
def test_every_forbidden_narrowing_has_an_option_that_names_its_rule(
    field: str, tmp_path: Path
) -> None:
    # In-process (a cold interpreter per option would cost seconds); the entry point is above.
    option = f"--{field.replace('_', '-')}"
    result = CliRunner().invoke(
        cli,
        ["create-campaign", "--job-id", "1", "--platforms", "meta", option, "x"],
        prog_name="adflux",
        env={"ADFLUX_DATA_DIR": str(tmp_path), "ADFLUX_API_URL": "http://127.0.0.1:9"},
    )

    assert result.exit_code == 1, result.output
    rule = next(r for r in NARROWING_RULES.values() if field in r.fields)
    assert result.output.strip() == f"Error: {option}: {rule.message.render('es')}"
    assert f"[regla {rule.rule}]" in result.output


# --- the age-proxy warning against a live API ---------------------------------------------------


@dataclass
class Live:
    deployment: Deployment
    data_dir: Path
    job_id: int
    proxy_segment_id: int
    plain_segment_id: int
    low_fit_segment_id: int

    def campaign_count(self) -> int:
        engine = sa.create_engine(f"sqlite:///{self.data_dir / 'adflux.db'}")
        try:
            with engine.connect() as connection:
                return connection.scalar(sa.select(sa.func.count()).select_from(AdCampaign)) or 0
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    work = tmp_path_factory.mktemp("cli-rules")
    data_dir = work / "data"
    sandbox = start_in_thread(state_dir=work / "sandbox")
    env = base_env(
        database_url=f"sqlite:///{data_dir / 'adflux.db'}",
        broker_url=None,
        data_dir=data_dir,
        sandbox=sandbox,
        extra={"XDG_CONFIG_HOME": str(work / "xdg")},
    )
    deployment = Deployment(env=env, work_dir=work)
    try:
        job_id, proxy_id, plain_id, low_fit_id = _prepare(deployment, data_dir)
        deployment.start_server()
        yield Live(deployment, data_dir, job_id, proxy_id, plain_id, low_fit_id)
    finally:
        deployment.stop()
        sandbox.stop()


def _prepare(deployment: Deployment, data_dir: Path) -> tuple[int, int, int, int]:
    """The migrated and seeded database, an admin token for the CLI, and an active run with a
    segment flagged as an age proxy and one that is not, both of people who suit the first open
    job, and a third of people who do not; in this process, which is quicker than starting the
    CLI for each (`db upgrade`, `seed` and `token create` run as processes in the other e2e
    tests)."""
    url = f"sqlite:///{data_dir / 'adflux.db'}"
    app = create_app(Settings(database_url=url, data_dir=data_dir, log_level="WARNING"))
    with app.app_context():
        upgrade_schema()
        datagen.seed(n_jobs=5, n_candidates=30)
        _row, deployment.token = auth_service.create_token(
            db_session=db.session, name="e2e-rules", role="admin"
        )
        run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=3)
        db.session.add(run)
        db.session.flush()
        proxy = Segment(
            run_id=run.id,
            cluster_index=0,
            name="Recién egresados · Bogotá",
            size=10,
            profile={"top_cities": ["Bogotá"], "age_proxy": {"warning": True}},
        )
        plain = Segment(
            run_id=run.id, cluster_index=1, name="Contadores · Cali", size=10, profile={}
        )
        low_fit = Segment(
            run_id=run.id, cluster_index=2, name="Otro oficio · lejos", size=10, profile={}
        )
        db.session.add_all([proxy, plain, low_fit])
        job = db.session.scalars(
            sa.select(JobOpening).where(JobOpening.status == "open").order_by(JobOpening.id)
        ).first()
        assert job is not None
        db.session.flush()
        # Members who suit the job (its trade, its city, inclined to remote work), so that
        # the age proxy is all there is to warn about; and members of another trade for the third.
        suited = {"area": job.area, "city": job.city, "remote_preference": "remoto"}
        other = {"area": f"no {job.area}", "city": "Leticia", "remote_preference": "presencial"}
        for segment, traits in ((proxy, suited), (plain, suited), (low_fit, other)):
            for _ in range(2):
                member = Candidate(**candidate_payload(**traits))
                db.session.add(member)
                db.session.flush()
                db.session.add(
                    SegmentMembership(run_id=run.id, candidate_id=member.id, segment_id=segment.id)
                )
        db.session.commit()
        ids = (job.id, proxy.id, plain.id, low_fit.id)
        db.session.remove()
        db.engine.dispose()
    app.extensions["adflux_dispatcher"].shutdown()
    return ids


def _create(live: Live, *args: str) -> subprocess.CompletedProcess[str]:
    return live.deployment.cli(
        "create-campaign", "--job-id", str(live.job_id), "--platforms", "meta", *args, check=False
    )


def test_an_age_proxy_segment_is_refused_until_the_operator_accepts_it(live: Live) -> None:
    before = live.campaign_count()

    refused = _one_error_line(_create(live, "--segment-ids", str(live.proxy_segment_id)))

    # In the CLI's language only (Spanish here), not both.
    assert "advertencias sin confirmar" in refused and "[HTTP 422]" in refused
    assert "Recién egresados · Bogotá" in refused and "filtro de edad indirecto" in refused
    assert "--accept-age-proxy" in refused
    assert "unconfirmed warnings" not in refused
    assert live.campaign_count() == before

    accepted = _create(live, "--segment-ids", str(live.proxy_segment_id), "--accept-age-proxy")

    assert accepted.returncode == 0, accepted.stderr
    created, warning = accepted.stdout.strip().splitlines()
    assert created.startswith("campaña ") and " creada: " in created
    assert warning.startswith(
        "advertencia: El segmento Recién egresados · Bogotá se explica en gran parte por la edad"
    )
    assert warning.endswith("[regla segment_age_proxy]")
    assert live.campaign_count() == before + 1
    campaign_id = created.split()[1]
    shown = live.deployment.cli("campaign", "show", campaign_id, check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip().splitlines()[-1] == warning


def test_the_json_output_carries_the_warnings(live: Live) -> None:
    result = _create(
        live, "--segment-ids", str(live.proxy_segment_id), "--accept-age-proxy", "--json"
    )

    assert result.returncode == 0, result.stderr
    [warning] = json.loads(result.stdout)["warnings"]
    assert warning["rule"] == "segment_age_proxy"


def test_a_campaign_without_proxy_segments_prints_no_warning(live: Live) -> None:
    result = _create(live, "--segment-ids", str(live.plain_segment_id))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [result.stdout.strip()]
    assert "advertencia" not in result.stdout and "warning" not in result.stdout


def test_a_job_audience_is_asked_for_and_its_size_checked(live: Live) -> None:
    refused = _one_error_line(_create(live, "--job-audience", "5"))
    assert "Tamaño de la audiencia propia: " in refused and "[HTTP 422]" in refused

    result = _create(live, "--job-audience", "100", "--accept-age-proxy", "--json")

    assert result.returncode == 0, result.stderr
    campaign = json.loads(result.stdout)
    assert campaign["job_audience_size"] == 100
    shown = live.deployment.cli("campaign", "show", str(campaign["id"]), check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[0] == (
        "audiencia de la vacante: los 100 candidatos más propensos"
    )


def test_without_segment_ids_the_campaign_aims_at_the_recommended_segments(live: Live) -> None:
    result = _create(live)

    assert result.returncode == 0, result.stderr
    # The suitable segment, not the age proxy (it needs an operator's confirmation) nor the one
    # of another trade; and nothing to warn about.
    [line] = result.stdout.strip().splitlines()
    assert line.startswith("campaña ")
    assert line.endswith(f" creada: en cola (segmentos: {live.plain_segment_id})")


def test_a_low_fit_segment_is_accepted_with_a_spanish_warning_line(live: Live) -> None:
    before = live.campaign_count()

    result = _create(live, "--segment-ids", f"{live.plain_segment_id},{live.low_fit_segment_id}")

    assert result.returncode == 0, result.stderr
    created, warning = result.stdout.strip().splitlines()
    assert created.endswith(f"(segmentos: {live.plain_segment_id}, {live.low_fit_segment_id})"), (
        created
    )
    assert warning.startswith(
        "advertencia: El segmento «Otro oficio · lejos» encaja poco con este empleo (afinidad "
        "0,00 de 1; se recomienda desde 0,20): 0 % trabaja en "
    ), warning
    assert warning.endswith("[regla segment_low_fit]")
    assert live.campaign_count() == before + 1
