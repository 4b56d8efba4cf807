"""Property-based checks of the API against its own OpenAPI document (schemathesis).

Every operation gets a bounded, derandomised set of generated requests, valid and invalid, sent with
an admin token to the app on PostgreSQL (rolled back afterwards): no 5xx, and every response (status
code, content type, body) matches what the document declares.

The operations are looped over inside one test rather than through ``schema.parametrize()``:
the schema comes from the ``app`` fixture, and schemathesis's fixture-based loader does not run
under pytest 9 (it reads ``Function._nodeid``, which pytest 9 removed).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS

from adflux.background.dispatch import Dispatcher
from adflux.datagen.service import seed
from adflux.extensions import db

pytestmark = pytest.mark.postgres

EXAMPLES_PER_OPERATION = 15
CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def _run_operation(operation, mode: GenerationMode, headers: dict[str, str]) -> None:
    checks = [CHECKS.get_one(name) for name in CHECK_NAMES]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def check(case) -> None:
        try:
            case.call_and_validate(headers=headers, checks=checks)
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


def test_api_conforms_to_its_openapi_document(app, token_for, monkeypatch) -> None:
    # Publishing threads would share the test's single rolled-back connection.
    monkeypatch.setitem(app.extensions, "adflux_dispatcher", _QueueNothing())
    # A few rows, so that reads and filtered lists return bodies to validate.
    seed(n_jobs=5, n_candidates=20, seed=3)
    headers = token_for("admin")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9, [op.label for op in operations]

    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run_operation(operation, mode, headers)
            # Gathered, so that one run reports every broken operation; schemathesis raises a
            # BaseExceptionGroup of its failures.
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)
