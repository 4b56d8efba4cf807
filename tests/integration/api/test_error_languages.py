"""The API's own messages in the reader's language: Accept-Language picks Spanish or English,
Spanish without one; fields are named by their labels, numbers written the reader's way."""

from __future__ import annotations

import pytest
from tests.factories import job_payload

pytestmark = pytest.mark.postgres

SPANISH = {"Accept-Language": "es-CO,es;q=0.9,en;q=0.8"}
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}


def _error(client, method, url, headers, **kwargs):
    response = client.open(url, method=method, headers=headers, **kwargs)
    return response.status_code, response.json["error"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (SPANISH, "la solicitud tiene campos no válidos: Ciudad, Cargo"),
        (ENGLISH, "the request has invalid fields: City, Title"),
        ({}, "la solicitud tiene campos no válidos: Ciudad, Cargo"),
    ],
)
def test_a_missing_field_is_named_by_its_label(client, token_for, language, expected):
    body = {key: value for key, value in job_payload().items() if key not in ("title", "city")}
    status, error = _error(
        client, "POST", "/api/v1/jobs", {**token_for("operator"), **language}, json=body
    )
    assert status == 422
    assert error["message"] == expected
    # The keys are the API's own: programs read them.
    assert set(error["fields"]) == {"title", "city"}
    required = (
        "Este campo es obligatorio."
        if language is not ENGLISH
        else ("Missing data for required field.")
    )
    assert error["fields"]["title"] == [required]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (SPANISH, "Debe estar entre 1 y 10.000.000.000."),
        (ENGLISH, "Must be greater than or equal to 1 and less than or equal to 10,000,000,000."),
    ],
)
def test_a_range_is_written_with_the_readers_numbers(client, token_for, language, expected):
    status, error = _error(
        client,
        "POST",
        "/api/v1/campaigns",
        {**token_for("operator"), **language},
        json={"job_id": 1, "platforms": ["meta"], "daily_budget_cop": 0},
    )
    assert status == 422
    assert error["fields"] == {"daily_budget_cop": [expected]}
    label = "Presupuesto diario" if language is SPANISH else "Daily budget"
    assert error["message"].endswith(": " + label)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (SPANISH, "la vacante 999999 no existe"),
        (ENGLISH, "job 999999 does not exist"),
        ({}, "la vacante 999999 no existe"),
    ],
)
def test_a_missing_resource_is_said_in_the_readers_language(client, token_for, language, expected):
    status, error = _error(
        client, "GET", "/api/v1/jobs/999999", {**token_for("viewer"), **language}
    )
    assert (status, error["code"], error["message"]) == (404, "not_found", expected)


def test_an_unknown_path_and_a_missing_token_are_said_in_either_language(client):
    assert _error(client, "GET", "/api/v1/nowhere", SPANISH)[1]["message"] == (
        "no hay nada en /api/v1/nowhere"
    )
    assert _error(client, "GET", "/api/v1/nowhere", ENGLISH)[1]["message"] == (
        "nothing at /api/v1/nowhere"
    )
    assert _error(client, "GET", "/api/v1/jobs", SPANISH)[1]["message"] == (
        "falta el token: envíe 'Authorization: Bearer <token>'"
    )
    assert _error(client, "GET", "/api/v1/jobs", ENGLISH)[1]["message"] == (
        "missing bearer token: send 'Authorization: Bearer <token>'"
    )


def test_a_role_is_named_by_its_label(client, token_for):
    _, spanish = _error(
        client, "POST", "/api/v1/jobs", {**token_for("viewer"), **SPANISH}, json=job_payload()
    )
    _, english = _error(
        client, "POST", "/api/v1/jobs", {**token_for("viewer"), **ENGLISH}, json=job_payload()
    )
    assert spanish["message"] == "esto requiere el rol operador; su token tiene lector"
    assert english["message"] == "this needs the operator role; your token has viewer"
