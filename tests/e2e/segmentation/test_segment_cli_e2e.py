"""`adflux view-segments` and `adflux segment ...` against a real deployment: PostgreSQL, Redis,
`adflux serve` and an `adflux worker` that runs the trainings.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from tests.e2e.campaigns.stack import Deployment, PostgresDatabase, RedisServer, Unavailable
from tests.e2e.processes import run_cli
from tests.services import service_missing

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

N_CANDIDATES = 3_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    work = tmp_path_factory.mktemp("segment-e2e")
    db = PostgresDatabase(f"adflux_e2e_segments_{os.getpid()}")
    redis = RedisServer(log_dir=work)
    try:
        db.create()
        redis.start()
    except Unavailable as exc:
        redis.stop()
        with contextlib.suppress(Exception):  # PostgreSQL itself may be what is missing
            db.drop()
        service_missing(exc.service, exc.detail)
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH")
    env = {name: value for name, value in os.environ.items() if name in keep}
    env.update(
        DATABASE_URL=db.url,
        CELERY_BROKER_URL=redis.url,
        ADFLUX_DATA_DIR=str(work / "data"),
        XDG_CONFIG_HOME=str(work / "xdg"),
        ADFLUX_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        COLUMNS="250",  # wide enough that tables do not fold
    )
    live = Deployment(env=env, work_dir=work)
    try:
        live.prepare(jobs=5, candidates=N_CANDIDATES)
        live.start_server()
        live.start_worker("--concurrency", "2", "--no-beat")
        yield live
    finally:
        live.stop()
        redis.stop()
        db.drop()


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    """A failed command says why in one line, without a traceback."""
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def _runs(deployment: Deployment) -> list[dict]:
    return json.loads(deployment.cli("segment", "runs", "--json").stdout)["items"]


def _wait_until_idle(deployment: Deployment, timeout: float = 180) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        runs = _runs(deployment)
        if not any(run["in_flight"] for run in runs):
            return runs
        assert time.monotonic() < deadline, runs
        time.sleep(0.5)


def test_help_of_every_segment_command(deployment):
    for args in (
        ("view-segments",),
        ("segment",),
        ("segment", "train"),
        ("segment", "runs"),
        ("segment", "plot"),
    ):
        result = deployment.cli(*args, "--help")
        assert result.stdout.startswith(f"Uso: adflux {' '.join(args)}"), result.stdout


def _wide_table(deployment, *args: str) -> str:  # type: ignore[no-untyped-def]
    """A command's table in a terminal wide enough that no cell folds (narrow terminals are
    tested in tests/unit/cli)."""
    deployment.env["COLUMNS"] = "220"
    try:
        return deployment.cli(*args).stdout
    finally:
        del deployment.env["COLUMNS"]


def test_before_any_training(deployment):
    assert "segmentación activa" in deployment.cli("view-segments").stdout
    assert json.loads(deployment.cli("view-segments", "--json").stdout) == {
        "run": None,
        "items": [],
    }
    refused = deployment.cli("segment", "plot", "-o", "none.png", check=False)
    assert "segmentación activa" in _error_line(refused)
    assert not (deployment.work_dir / "none.png").exists()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--k", "1"), "Número de segmentos"),
        (("--k", "50"), "Número de segmentos"),
        (("--k-range", "6-3"), "Máximo de segmentos"),
    ],
)
def test_a_bad_number_of_segments_is_one_line_naming_the_field(deployment, args, field):
    line = _error_line(deployment.cli("segment", "train", *args, check=False))
    assert f"{field}: " in line and line.endswith("[HTTP 422]"), line
    assert _runs(deployment) == []


def test_a_malformed_range_is_a_usage_error(deployment):
    result = deployment.cli("segment", "train", "--k-range", "two-ten", check=False)
    assert result.returncode == 2 and "use MIN-MAX" in result.stderr


def test_train_with_progress_then_view_list_and_plot(deployment):
    trained = deployment.cli("segment", "train", "--k-range", "2-8", "--wait", timeout=300)
    assert trained.stdout.startswith("ejecución de segmentación "), trained.stdout
    assert re.search(r"lista: \d+ segmentos sobre 3\.000 candidatos", trained.stdout), (
        trained.stdout
    )
    assert "100%" in trained.stderr  # the progress bar, drawn on stderr
    (run,) = _runs(deployment)
    assert (run["status"], run["is_active"], run["candidate_count"]) == ("succeeded", True, 3000)

    table = _wide_table(deployment, "view-segments")
    assert f"Segmentos · ejecución {run['id']} · 3.000 candidatos" in table
    segments = json.loads(deployment.cli("view-segments", "--json").stdout)
    assert len(segments["items"]) == run["k"]
    assert sum(s["size"] for s in segments["items"]) == N_CANDIDATES
    for segment in segments["items"]:
        # A long name folds onto more lines of its cell, at spaces: every word is there.
        assert all(word in table for word in segment["name"].split()), segment["name"]

    listed = _wide_table(deployment, "segment", "runs")
    assert "lista (activa)" in listed

    biggest = segments["items"][0]
    members = json.loads(
        deployment.cli(
            "view-candidates", "--segment-id", str(biggest["id"]), "--limit", "5", "--json"
        ).stdout
    )["items"]
    assert len(members) == 5

    picture = deployment.work_dir / "segments.png"
    plotted = deployment.cli("segment", "plot", "-o", str(picture))
    assert f"ejecución de segmentación {run['id']}" in plotted.stdout
    assert picture.read_bytes().startswith(PNG_SIGNATURE)


def test_a_second_training_while_one_runs_is_409_and_the_active_run_stays(deployment):
    active_before = [r["id"] for r in _runs(deployment) if r["is_active"]]
    # A range of nine k's keeps the first training busy for seconds; the CLI runs in this
    # process, so the second request follows within milliseconds.
    queued = deployment.cli("segment", "train", "--k-range", "2-10")
    assert "en cola" in queued.stdout
    refused = _error_line(deployment.cli("segment", "train", check=False))
    assert "ya está entrenando" in refused and refused.endswith("[HTTP 409]"), refused
    # While it trains, the earlier run is still the active one.
    assert [r["id"] for r in _runs(deployment) if r["is_active"]] == active_before

    runs = _wait_until_idle(deployment)
    newest = runs[0]
    assert (newest["status"], newest["is_active"]) == ("succeeded", True)
    assert newest["ari_vs_previous"] is not None


def test_the_seed_endpoint_answers_a_candidate_segment_and_404_for_unknown(deployment):
    with deployment.api() as api:
        candidate_id = api.get("/api/v1/candidates", params={"limit": 1}).json()["items"][0]["id"]
        found = api.get(f"/segment/{candidate_id}")
        assert found.status_code == 200 and found.json()["source"] == "assigned"
        missing = api.get("/segment/999999999")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


def test_a_viewer_cannot_train(deployment):
    viewer = deployment.cli(
        "token", "create", "--name", f"viewer-{time.time_ns()}", "--role", "viewer"
    ).stdout.strip()
    env = {**deployment.env, "ADFLUX_API_URL": deployment.api_url, "ADFLUX_API_TOKEN": viewer}
    assert _error_line(run_cli("segment", "train", env=env)).endswith("[HTTP 403]")
    with httpx.Client(base_url=deployment.api_url, timeout=30) as anonymous:
        assert anonymous.get("/api/v1/segments").status_code == 401


def test_simultaneous_requests_start_exactly_one_training(deployment):
    """Requests racing past the service's check meet the partial unique index."""
    body = {"k_min": 2, "k_max": 3}
    barrier = threading.Barrier(6)

    def post() -> int:
        with deployment.api() as api:
            barrier.wait()
            return api.post("/api/v1/segmentations", json=body).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(lambda _: post(), range(6)))
    assert codes == [202, 409, 409, 409, 409, 409]
    runs = _wait_until_idle(deployment)
    assert runs[0]["status"] == "succeeded"
    assert sum(1 for run in runs if run["is_active"]) == 1
