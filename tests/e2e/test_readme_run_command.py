"""The README's run command on a fresh data directory leaves a seeded API and a ready CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
from tests.e2e.processes import (
    ADFLUX,
    REPO,
    ServerProcess,
    clean_env,
    free_port,
    pids_with_env,
)

from adflux.i18n.labels import label
from adflux.platforms.registry import ADAPTERS

RUN_COMMAND = ["make", "run"]
# Installing (first time only), migrating and seeding 20,000 candidates on a busy 2-core machine.
READY_TIMEOUT = 120


def test_readme_names_the_run_command() -> None:
    assert "make run" in (REPO / "README.md").read_text(), "README must open with `make run`"


@pytest.mark.slow
def test_run_command_serves_seeded_data_and_leaves_the_cli_ready(tmp_path: Path) -> None:
    data_dir, xdg = tmp_path / "data", tmp_path / "xdg"
    port = free_port()
    server = ServerProcess.start(
        RUN_COMMAND,
        env=clean_env(
            ADFLUX_DATA_DIR=str(data_dir),
            XDG_CONFIG_HOME=str(xdg),
            ADFLUX_PORT=str(port),
            LANG="en_US.UTF-8",  # the lines below, as an English terminal reads them
        ),
        base_url=f"http://127.0.0.1:{port}",
        log_path=tmp_path / "run.log",
        cwd=REPO,  # the checkout's .venv is reused, as on a developer's machine
    )
    try:
        server.wait_ready(timeout=READY_TIMEOUT)
        log = server.log()
        assert server.base_url in log, "the run command must print where the API is"
        # The demo campaign is published on every platform AdFlux offers, TikTok included.
        for platform in ADAPTERS:
            name = re.escape(label("platform", platform, "en"))  # "Google Ads", not "google"
            assert re.search(rf"^\s+{name}\s+published\b", log, re.M), log
        # It is aimed by the recommendation for its job, and says at which segments.
        assert re.search(r"^\s+segments: \S", log, re.M), log
        # It says where the sandbox's CA certificate and credentials are, and both exist.
        ca_file = data_dir / "sandbox" / "google-ads-ca.pem"
        sandbox_env = data_dir / "sandbox" / "sandbox.env"
        assert f"sandbox CA certificate (Google Ads TLS): {ca_file}" in log, log
        assert f"sandbox credentials: {sandbox_env}" in log, log
        assert ca_file.is_file() and stat.S_IMODE(sandbox_env.stat().st_mode) == 0o600
        assert f"ADFLUX_GOOGLE_ADS_CA_FILE={ca_file}" in sandbox_env.read_text()

        credentials = xdg / "adflux" / "credentials.json"
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
        # Nothing but the config location: no token or URL copied by hand.
        result = subprocess.run(
            [str(ADFLUX), "view-jobs", "--json"],
            env={"XDG_CONFIG_HOME": str(xdg)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        page = json.loads(result.stdout)
        jobs = page["items"]
        assert len(jobs) == 20  # the default --limit, out of the hundreds seeded
        assert (page["limit"], page["offset"]) == (20, 0) and page["total"] > 20
        assert all(job["external_ref"].startswith("job-") for job in jobs)
        assert all(job["currency"] == "COP" for job in jobs)
        assert (data_dir / "adflux.db").exists()
    finally:
        server.stop()
    assert server.process.returncode is not None
    # Nothing the run command started (API workers, sandbox...) outlives it.
    deadline = time.monotonic() + 20
    while (left := pids_with_env("ADFLUX_DATA_DIR", str(data_dir))) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left running after the run command stopped: {left}"
