"""A revoked token is refused at once by every API process, not only the one that revoked it.

Two `adflux serve` processes on one PostgreSQL database, as a deployment of stateless API
processes runs: both answer a viewer token (its check rides on the list's page query) and the
job site's token (its check rides on the application's insert), then an admin revokes it
through the first, and the very next request to the second (and to the first) is a 401, with
nothing stored. Nothing in either process may remember the token between requests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.campaigns.stack import PostgresDatabase
from tests.e2e.processes import ADFLUX, ServerProcess, clean_env, free_port, ok

LIST = "/api/v1/jobs?limit=5"


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, ...]]:
    """(first server's URL, second server's URL, admin token, viewer token, job site's token,
    the database)."""
    work: Path = tmp_path_factory.mktemp("revocation")
    database = PostgresDatabase(f"adflux_revocation_{os.getpid()}").create()
    servers: list[ServerProcess] = []
    try:
        env = clean_env(
            DATABASE_URL=database.url, ADFLUX_DATA_DIR=str(work), ADFLUX_LOG_LEVEL="WARNING"
        )
        ok("db", "upgrade", env=env)
        ok("seed", "--jobs", "10", "--candidates", "20", env=env)
        admin = ok("token", "create", "--name", "admin-2", "--role", "admin", env=env).strip()
        viewer = ok("token", "create", "--name", "partner", "--role", "viewer", env=env).strip()
        job_site = ok(
            "token", "create", "--name", "job-site", "--role", "applications", env=env
        ).strip()
        for name in ("first", "second"):
            port = free_port()
            server = ServerProcess.start(
                [str(ADFLUX), "serve", "--port", str(port)],
                env=env,
                base_url=f"http://127.0.0.1:{port}",
                log_path=work / f"{name}.log",
                cwd=work,
            )
            servers.append(server)
        for server in servers:
            server.wait_ready(timeout=60)
        yield servers[0].base_url, servers[1].base_url, admin, viewer, job_site, database
    finally:
        for server in servers:
            server.stop()
        database.drop()


def test_a_revocation_through_one_process_holds_at_once_in_the_other(two_servers):
    first, second, admin, viewer, _job_site, _database = two_servers
    as_viewer = {"Authorization": f"Bearer {viewer}"}
    with httpx.Client(timeout=10) as client:
        # Both processes have answered the token many times: whatever a process could keep
        # about it, it has had the chance to.
        for _ in range(20):
            for url in (first, second):
                assert client.get(url + LIST, headers=as_viewer).status_code == 200

        revoked = client.post(
            f"{first}/api/v1/tokens/partner/revoke", headers={"Authorization": f"Bearer {admin}"}
        )
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["revoked_at"] is not None

        # The very next request, to the other process, is refused; and every one after it.
        for _ in range(10):
            for url in (second, first):
                refused = client.get(url + LIST, headers=as_viewer)
                assert refused.status_code == 401, (url, refused.text)
                assert refused.json()["error"]["message"] == "token no válido o revocado"


def test_a_revoked_job_site_token_stores_no_application_in_either_process(two_servers):
    first, second, admin, _viewer, job_site, database = two_servers
    as_job_site = {"Authorization": f"Bearer {job_site}"}
    (job_ref,) = database.rows("SELECT external_ref FROM job_openings ORDER BY id LIMIT 1")[0]

    def application(n: int) -> dict[str, Any]:
        return {
            "application_id": f"revocation-{n}",
            "job_ref": job_ref,
            "applied_at": "2026-12-03T10:00:00-05:00",
        }

    with httpx.Client(timeout=10) as client:
        for n in range(20):
            url = (first, second)[n % 2]
            sent = client.post(
                url + "/api/v1/applications", json=application(n), headers=as_job_site
            )
            assert sent.status_code == 202, sent.text
            assert sent.json()["status"] == "accepted"

        revoked = client.post(
            f"{first}/api/v1/tokens/job-site/revoke", headers={"Authorization": f"Bearer {admin}"}
        )
        assert revoked.status_code == 200, revoked.text

        for n in range(20, 30):
            for url in (second, first):
                refused = client.post(
                    url + "/api/v1/applications", json=application(n), headers=as_job_site
                )
                assert refused.status_code == 401, (url, refused.text)
            # A resend of an application it did store is refused too, not answered "duplicate".
            resent = client.post(
                second + "/api/v1/applications", json=application(0), headers=as_job_site
            )
            assert resent.status_code == 401, resent.text
    stored = database.rows(
        "SELECT count(*) FROM applications WHERE source_id LIKE %s", "revocation-%"
    )
    assert stored == [(20,)]
