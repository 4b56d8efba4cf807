"""Property-based checks of the API against its own OpenAPI document (schemathesis).

Every operation gets a bounded, derandomised set of generated requests, valid and invalid, sent with
an admin token to the app on PostgreSQL (rolled back afterwards) and on SQLite (a fresh file), with
every check of the installed schemathesis on: no 5xx, every response (status code, content type,
headers, body) as the document declares, invalid data refused, valid data accepted (a 404 for a
row that does not exist, or a 422 for a business rule the document lists under
``x-business-rules``, being the answers a valid request may still get).

The operations are looped over inside one test rather than through ``schema.parametrize()``:
the schema comes from the ``app`` fixture, and schemathesis's fixture-based loader does not run
under pytest 9 (it reads ``Function._nodeid``, which pytest 9 removed).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi import checks as builtin_checks
from tests.factories import candidate_payload, job_payload, make_job
from tests.fakes import FakeDirectory

from adflux.api.errors import SCHEMA_ERROR
from adflux.auth import service as auth_service
from adflux.background.dispatch import Dispatcher
from adflux.datagen.service import seed
from adflux.extensions import db
from adflux.i18n.catalogs import DEFAULT_LANGUAGE, translations

# How a refusal by the schemas begins, in the language of a request that names none.
SCHEMA_ERROR_PREFIX = translations(DEFAULT_LANGUAGE).gettext(SCHEMA_ERROR).split("%(fields)s")[0]

# Every operation, in both modes, on both backends, with every check. Most of the run goes into
# generating the cases (about 70 %), not into sending them, so SQLite, the second backend, gets
# half as many: the ways it can fail differently (integer range, NUL and surrogates, dates, LIKE,
# locking) have explicit tests on both backends in api/test_hostile_input.py and
# api/test_concurrent_writes.py.
EXAMPLES_PER_OPERATION = {"postgresql": 10, "sqlite": 5}


def _documented_rule_refusal(response: Any, case: Any) -> bool:
    """A 422 from a business rule the operation documents (``x-business-rules``), naming only
    fields that those rules concern, and not the schemas' own refusal."""
    if response.status_code != 422:
        return False
    documented = case.operation.definition.raw.get("responses", {}).get("422", {})
    rules = documented.get("x-business-rules") or {}
    error = response.json()["error"]
    named = set(error.get("fields") or {})
    return (
        bool(named) and named <= set(rules) and not error["message"].startswith(SCHEMA_ERROR_PREFIX)
    )


def positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's check, except for a refusal the document lists as a business rule.

    A request can match the schema and still break a rule no JSON schema states (salary_max_cop
    below salary_min_cop, a start date in the past, a platform this deployment lacks); the
    document lists those per operation, and any other refusal of valid data still fails.
    """
    if _documented_rule_refusal(response, case):
        return None
    return builtin_checks.positive_data_acceptance(ctx, response, case)


def _all_checks() -> list[Any]:
    """Every check the installed schemathesis has, ours in place of positive_data_acceptance."""
    load_all_checks()
    checks = [
        check for check in CHECKS.get_all() if check is not builtin_checks.positive_data_acceptance
    ]
    assert len(checks) == len(CHECKS.get_all()) - 1
    return [*checks, positive_data_acceptance]


def _run_operation(operation, mode: GenerationMode, examples: int) -> None:
    checks = _all_checks()

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def check(case) -> None:
        try:
            case.call_and_validate(checks=checks)
        finally:
            # What the end of a real request does; the test's outer transaction stays open.
            db.session.remove()

    check()


class _QueueNothing(Dispatcher):
    """Campaigns created by generated requests are stored but never published from here."""

    def send(self, task_name: str, *args: Any, countdown: float = 0.0) -> bool:
        return True

    def shutdown(self) -> None:
        pass


BACKENDS = [pytest.param("postgresql", marks=pytest.mark.postgres), pytest.param("sqlite")]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return str(request.param)


@pytest.fixture
def backend_app(request, backend: str) -> Flask:
    """The app on PostgreSQL (rolled back after the test) or on a fresh SQLite file."""
    return request.getfixturevalue("app" if backend == "postgresql" else "sqlite_app")


def test_api_conforms_to_its_openapi_document(backend, backend_app, monkeypatch) -> None:
    app = backend_app
    # Publishing threads would share the test's single rolled-back connection.
    monkeypatch.setitem(app.extensions, "adflux_dispatcher", _QueueNothing())
    # Platforms this deployment can publish on, so that valid campaigns are created (202).
    monkeypatch.setitem(app.extensions, "adflux_platforms", FakeDirectory())
    # A few rows, so that reads and filtered lists return bodies to validate.
    seed(n_jobs=5, n_candidates=20, seed=3)
    _row, plain = auth_service.create_token(
        db_session=db.session, name="schemathesis", role="admin"
    )
    # Through the document's own security scheme, so that schemathesis also sends requests
    # without it (and expects 401) instead of having a header forced onto every request.
    config = SchemathesisConfig.from_dict({"auth": {"openapi": {"bearerAuth": {"bearer": plain}}}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9, [op.label for op in operations]

    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run_operation(operation, mode, EXAMPLES_PER_OPERATION[backend])
            # Gathered, so that one run reports every broken operation; schemathesis raises a
            # BaseExceptionGroup of its failures.
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)


def _known_valid_requests(operations: dict[str, Any], job_id: int) -> list[Any]:
    """Requests that must succeed, for the success answers random data seldom reaches (a
    random job id is rarely a stored job): their bodies are checked against the document."""
    return [
        operations["POST /api/v1/campaigns"].Case(body={"job_id": job_id, "platforms": ["meta"]}),
        operations["POST /publish/{job_id}"].Case(
            path_parameters={"job_id": job_id}, body={"platforms": ["google", "x"]}
        ),
        operations["GET /api/v1/jobs/{job_id}"].Case(path_parameters={"job_id": job_id}),
        operations["GET /api/v1/jobs/{job_id}/audience"].Case(path_parameters={"job_id": job_id}),
        operations["GET /job_openings/{job_id}"].Case(path_parameters={"job_id": job_id}),
        operations["POST /api/v1/jobs"].Case(body=job_payload()),
        operations["POST /job_openings"].Case(body=job_payload()),
        operations["POST /api/v1/candidates"].Case(body=candidate_payload()),
        operations["GET /api/v1/campaigns"].Case(query={"job_id": job_id}),
        operations["GET /api/v1/results"].Case(query={"by": "campaign,segment,day"}),
        operations["POST /api/v1/results/sync"].Case(),
    ]


def test_valid_requests_succeed_as_documented(backend_app, monkeypatch) -> None:
    app = backend_app
    monkeypatch.setitem(app.extensions, "adflux_dispatcher", _QueueNothing())
    monkeypatch.setitem(app.extensions, "adflux_platforms", FakeDirectory())
    job = make_job()
    _row, plain = auth_service.create_token(db_session=db.session, name="known", role="admin")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {result.ok().label: result.ok() for result in schema.get_all_operations()}

    for case in _known_valid_requests(operations, job.id):
        try:
            response = case.call_and_validate(
                headers={"Authorization": f"Bearer {plain}"}, checks=_all_checks()
            )
        finally:
            db.session.remove()
        assert 200 <= response.status_code < 300, (case.operation.label, response.text)
