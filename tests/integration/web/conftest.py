"""Dashboard tests: the Flask test client signed in through the real sign-in form."""

from __future__ import annotations

import re

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from tests.factories import make_candidate, make_job

# The fake platforms, as the campaign tests install them (the dispatcher is tests/conftest.py's).
from tests.integration.campaigns.conftest import platforms  # noqa: F401

from adflux.auth import service as auth_service
from adflux.extensions import db
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token a page of the dashboard hands to its forms."""
    page = client.get(path)
    found = _CSRF_META.search(page.get_data(as_text=True))
    assert found, f"{path} ({page.status_code}) carries no CSRF token"
    return found.group(1)


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`.

    In production each request pushes its own app context; here the `app` fixture holds one
    context open for the whole test (for the rolled-back session), so without this `g` would
    carry values such as Flask-WTF's cached CSRF token from one request into the next.
    """

    def open(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app) -> FlaskClient:
    return FreshRequestClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def sign_in(app, client):
    """Sign `client` in with a new token of `role`; returns the plain token."""
    counter = iter(range(1_000_000))

    def sign(
        role: str = "operator", *, personal_data: bool = False, holder: str | None = None
    ) -> str:
        _row, plain = auth_service.create_token(
            db_session=db.session,
            name=f"web-{role}-{next(counter)}",
            role=role,
            personal_data=personal_data,
            holder=holder,
        )
        response = client.post(
            "/sign-in", data={"token": plain, "csrf_token": csrf_token(client, "/sign-in")}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return plain

    return sign


@pytest.fixture
def job(app):
    return make_job(title="Analista de datos junior", city="Medellín", area="Tecnología")


@pytest.fixture
def active_run(app):
    """An active run with two segments; the second one carries an age-proxy warning."""
    run = SegmentationRun(
        status="succeeded",
        in_flight=False,
        is_active=True,
        k=2,
        candidate_count=3,
        metrics={"per_k": {"2": {"silhouette": 0.41, "inertia": 900.0}, "3": {"silhouette": 0.3}}},
        projection={"x": [0.0, 1.0, 2.0], "y": [1.0, 0.5, 0.0], "labels": [0, 0, 1]},
    )
    db.session.add(run)
    db.session.flush()
    analysts = Segment(
        run_id=run.id,
        cluster_index=0,
        name="Analistas · Medellín",
        size=2,
        profile={"top_cities": [{"value": "Medellín", "share": 1.0}], "top_skills": ["sql"]},
    )
    juniors = Segment(
        run_id=run.id,
        cluster_index=1,
        name="Recién egresados · Bogotá",
        size=1,
        profile={"top_cities": ["Bogotá"], "age_proxy": {"warning": True, "score": 0.7}},
    )
    db.session.add_all([analysts, juniors])
    db.session.flush()
    for segment, consent in ((analysts, True), (analysts, False), (juniors, True)):
        candidate = make_candidate(marketing_consent=consent)
        db.session.add(
            SegmentMembership(run_id=run.id, candidate_id=candidate.id, segment_id=segment.id)
        )
    db.session.flush()
    return run
