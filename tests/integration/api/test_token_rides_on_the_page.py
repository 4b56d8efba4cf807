"""A list read checks its token in the page query itself, and still refuses a bad token first.

The token's row rides on the page's statement (`riding.rider`), so a list answer costs
one round trip; these tests hold what that must not change: an unknown or revoked token is a
401 whatever the view would have said (rows, an empty page, a 422 for bad arguments, a 404), a
token without the role is a 403, and the revocation holds for the very next request. On
PostgreSQL and on SQLite.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import make_job

from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken
from adflux.db import utcnow
from adflux.extensions import db

LISTS = ["/api/v1/jobs", "/api/v1/candidates", "/api/v1/campaigns", "/api/v1/results"]
_names = itertools.count()


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def backend(request) -> Iterator[Flask]:
    """The app on PostgreSQL (rolled back) or on a fresh SQLite file, context pushed."""
    yield request.getfixturevalue("app" if request.param == "postgresql" else "sqlite_app")


def _token(role: str = "viewer") -> tuple[str, dict[str, str]]:
    name = f"rider-{role}-{next(_names)}"
    _row, plain = auth_service.create_token(db_session=db.session, name=name, role=role)
    db.session.commit()
    return name, {"Authorization": f"Bearer {plain}"}


def _revoked() -> dict[str, str]:
    name, headers = _token()
    auth_service.revoke_token(db_session=db.session, name=name)
    db.session.commit()
    return headers


def _with_jobs(n: int = 3) -> None:
    for _ in range(n):
        make_job()
    db.session.commit()


@pytest.mark.parametrize("path", LISTS)
def test_a_valid_viewer_token_reads_every_list(backend, path):
    _with_jobs()
    _name, headers = _token()
    response = backend.test_client().get(path, headers=headers)
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("path", LISTS)
def test_a_revoked_token_is_refused_with_rows_to_show(backend, path):
    _with_jobs()
    response = backend.test_client().get(path, headers=_revoked())
    assert response.status_code == 401, response.json
    assert "items" not in response.json


@pytest.mark.parametrize("path", LISTS)
def test_an_unknown_token_is_refused_on_an_empty_page(backend, path):
    headers = {"Authorization": "Bearer not-a-token-anyone-was-given"}
    response = backend.test_client().get(f"{path}?offset=100000", headers=headers)
    assert response.status_code == 401, response.json


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/jobs?limit=-3",
        "/api/v1/candidates?segment_id=abc",
        "/api/v1/campaigns?status=nonsense",
        "/api/v1/results?limit=0",
    ],
)
def test_a_revoked_token_is_told_so_before_its_bad_arguments(backend, path):
    _name, good = _token()
    # The same arguments with a good token are a 422: the bad token's 401 comes first.
    assert backend.test_client().get(path, headers=good).status_code == 422
    response = backend.test_client().get(path, headers=_revoked())
    assert response.status_code == 401, response.json


def test_a_revoked_token_is_not_told_what_does_not_exist(backend):
    _name, good = _token()
    path = "/api/v1/candidates?segment_id=999999"
    assert backend.test_client().get(path, headers=good).status_code == 404
    response = backend.test_client().get(path, headers=_revoked())
    assert response.status_code == 401, response.json


@pytest.mark.parametrize("path", LISTS)
def test_a_token_without_the_role_is_forbidden(backend, path):
    _with_jobs()
    _name, headers = _token("applications")
    response = backend.test_client().get(path, headers=headers)
    assert response.status_code == 403, response.json


def test_a_revocation_holds_for_the_very_next_list_read(backend):
    _with_jobs()
    name, headers = _token()
    client = backend.test_client()
    assert client.get("/api/v1/jobs?limit=2", headers=headers).status_code == 200
    auth_service.revoke_token(db_session=db.session, name=name)
    db.session.commit()
    assert client.get("/api/v1/jobs?limit=2", headers=headers).status_code == 401


@pytest.mark.postgres
def test_a_page_of_jobs_is_one_statement_with_its_token_check(app):
    _with_jobs(6)
    name, headers = _token()
    # Used a moment ago: recording its last use again is not due, so nothing else is written.
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.name == name).values(last_used_at=utcnow())
    )
    db.session.commit()
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = app.test_client().get("/api/v1/jobs?limit=5", headers=headers)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.json
    assert len(response.json["items"]) == 5
    reads = [s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(reads) == 1, reads
    assert "api_tokens" in reads[0]


@pytest.mark.postgres
def test_a_token_last_used_long_ago_is_marked_used_by_a_list_read(app):
    _with_jobs()
    name, headers = _token()
    long_ago = utcnow() - timedelta(hours=2)
    db.session.execute(
        sa.update(ApiToken).where(ApiToken.name == name).values(last_used_at=long_ago)
    )
    db.session.commit()
    assert app.test_client().get("/api/v1/jobs", headers=headers).status_code == 200
    used = db.session.scalar(sa.select(ApiToken.last_used_at).where(ApiToken.name == name))
    assert used is not None and used > long_ago
