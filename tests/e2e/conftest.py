"""The live API shared by the CLI tests at this level: `adflux serve` on a seeded SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.e2e.processes import ADFLUX, ServerProcess, clean_env, free_port, ok

N_JOBS, N_CANDIDATES = 30, 300


@dataclass
class LiveApi:
    url: str
    data_dir: Path
    server_env: dict[str, str]
    admin_token: str
    viewer_token: str
    server: ServerProcess
    # A viewer granted personal data (candidates' names, e-mails and phones on request).
    contact_token: str

    def client_env(self, token: str | None = None, **extra: str) -> dict[str, str]:
        """What a user's shell holds: the API address and a token, no local credentials."""
        env = clean_env(ADFLUX_API_URL=self.url, XDG_CONFIG_HOME=str(self.data_dir / "xdg"))
        if token is not None:
            env["ADFLUX_API_TOKEN"] = token
        env.update(extra)
        return env


@pytest.fixture(scope="package")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    """One seeded server for test_cli_against_live_api and test_cli_candidates (their tests
    create what they change under names of their own)."""
    data_dir = tmp_path_factory.mktemp("live-api")
    server_env = clean_env(ADFLUX_DATA_DIR=str(data_dir), ADFLUX_LOG_LEVEL="INFO")
    ok("db", "upgrade", env=server_env)
    ok("seed", "--jobs", str(N_JOBS), "--candidates", str(N_CANDIDATES), env=server_env)
    admin = ok("token", "create", "--name", "e2e-admin", "--role", "admin", env=server_env)
    viewer = ok("token", "create", "--name", "e2e-viewer", "--role", "viewer", env=server_env)
    contact = ok(
        "token", "create", "--name", "e2e-contact", "--role", "viewer", "--personal-data",
        env=server_env,
    )  # fmt: skip
    port = free_port()
    server = ServerProcess.start(
        [str(ADFLUX), "serve", "--port", str(port)],
        env=server_env,
        base_url=f"http://127.0.0.1:{port}",
        log_path=data_dir / "server.log",
        cwd=data_dir,
    )
    try:
        server.wait_ready(timeout=60)
        yield LiveApi(
            server.base_url,
            data_dir,
            server_env,
            admin.strip(),
            viewer.strip(),
            server,
            contact.strip(),
        )
    finally:
        server.stop()
