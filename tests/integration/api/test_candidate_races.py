"""Two requests racing for one email answer like the sequential path (201 + 409), never 500, on
PostgreSQL and SQLite. Both requests are held until each has passed the service's own check, so
the database's unique index is what decides: the race happens on every run."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import candidate_payload, make_candidate

from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken
from adflux.candidates import service
from adflux.candidates.models import Candidate
from adflux.extensions import db

EMAIL = "carrera@example.com"


@pytest.fixture(
    params=[pytest.param("postgres", marks=pytest.mark.postgres), pytest.param("sqlite")]
)
def committing_app(request: pytest.FixtureRequest) -> Iterator[Flask]:
    """An app whose requests really commit (each thread its own connection)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_app")
        return
    app = request.getfixturevalue("migrated_app")
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.execute(sa.delete(Candidate).where(Candidate.email.like("%carrera%")))
        db.session.execute(sa.delete(ApiToken).where(ApiToken.name.like("race-%")))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def both_checked(monkeypatch) -> None:
    """Hold each request after its first uniqueness check until the other has passed it too."""
    barrier = threading.Barrier(2, timeout=10)
    seen = threading.local()
    original = service._check_unique

    def check_then_wait(*args: Any, **kwargs: Any) -> None:
        original(*args, **kwargs)
        if not getattr(seen, "done", False):
            seen.done = True
            barrier.wait()

    monkeypatch.setattr(service, "_check_unique", check_then_wait)


def _race(app: Flask, send: Callable[[Any, dict[str, str], int], Any]) -> list[int]:
    with app.app_context():
        _row, plain = auth_service.create_token(
            db_session=db.session, name="race-operator", role="operator"
        )
        db.session.remove()
    auth = {"Authorization": f"Bearer {plain}"}

    def one(n: int) -> int:
        return send(app.test_client(), auth, n).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        return sorted(pool.map(one, range(2)))


def test_concurrent_creations_of_one_email_give_201_and_409(committing_app, both_checked):
    statuses = _race(
        committing_app,
        lambda client, auth, n: client.post(
            "/api/v1/candidates",
            # Spelled differently: the index holds the normalised form.
            json=candidate_payload(email=[EMAIL, f"  {EMAIL.upper()} "][n]),
            headers=auth,
        ),
    )

    assert statuses == [201, 409]
    with committing_app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Candidate).where(Candidate.email == EMAIL)
        )
        db.session.remove()
    assert count == 1


def test_concurrent_changes_to_one_email_give_200_and_409(committing_app, both_checked):
    with committing_app.app_context():
        ids = [make_candidate(email=f"carrera{n}@example.com").id for n in range(2)]
        db.session.commit()
        db.session.remove()

    statuses = _race(
        committing_app,
        lambda client, auth, n: client.patch(
            f"/api/v1/candidates/{ids[n]}", json={"email": EMAIL}, headers=auth
        ),
    )

    assert statuses == [200, 409]
