"""The OpenAPI document states what the server enforces: bounds, patterns, optional bodies, the
business rules behind a 422, and the seed's aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.factories import job_payload

from adflux.api.schemas import PAGE_SIZE_MAX, ApiSchema, ArgsSchema
from adflux.db import MAX_ID

pytestmark = pytest.mark.postgres

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _request_schemas(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, schema) for every parameter and request-body property clients send."""
    for path, item in document["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            label = f"{method.upper()} {path}"
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                yield f"{label} {parameter['in']} {parameter['name']}", parameter["schema"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            schema = _resolve(document, body["schema"])
            for name, prop in schema.get("properties", {}).items():
                if prop.get("readOnly"):
                    continue
                prop = _resolve(document, prop)
                yield f"{label} body {name}", prop
                if prop.get("type") == "array":
                    yield f"{label} body {name}[]", _resolve(document, prop["items"])


def test_every_integer_a_client_sends_has_declared_bounds(document):
    unbounded = [
        where
        for where, schema in _request_schemas(document)
        if schema.get("type") == "integer" and not {"minimum", "maximum"} <= set(schema)
    ]
    assert not unbounded


def test_every_string_a_client_sends_declares_its_characters(document):
    # A pattern (no NUL, at least), a closed list, or a format such as a date.
    loose = [
        where
        for where, schema in _request_schemas(document)
        if schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema)
    ]
    assert not loose


def test_every_path_id_is_a_bounded_integer(document):
    ids = [
        (where, schema)
        for where, schema in _request_schemas(document)
        if " path " in where and where.endswith("_id")
    ]
    assert len(ids) >= 15
    for where, schema in ids:
        assert schema == {"type": "integer", "minimum": 1, "maximum": MAX_ID}, where


def test_the_page_size_maximum_is_declared_and_is_what_is_enforced(document, client, token_for):
    limit = next(
        p for p in document["paths"]["/api/v1/jobs"]["get"]["parameters"] if p["name"] == "limit"
    )
    assert limit["schema"]["maximum"] == PAGE_SIZE_MAX
    headers = token_for("viewer")
    assert client.get(f"/api/v1/jobs?limit={PAGE_SIZE_MAX}", headers=headers).status_code == 200
    over = client.get(f"/api/v1/jobs?limit={PAGE_SIZE_MAX + 1}", headers=headers)
    assert over.status_code == 422


def test_which_bodies_are_optional(document, client, token_for):
    required = {
        f"POST {path}": operation["post"]["requestBody"]["required"]
        for path, operation in document["paths"].items()
        if "requestBody" in operation.get("post", {})
    }
    assert required.pop("POST /api/v1/segmentations") is False
    assert all(required.values()), required
    # And the server agrees: no body at all is judged by the schema's required fields.
    response = client.post("/api/v1/jobs", headers=token_for("operator"))
    assert response.status_code == 422
    assert "title" in response.json["error"]["fields"]


def test_a_business_rule_refusal_is_documented_with_the_error_body(document, client, token_for):
    for path, method in [("/api/v1/jobs", "post"), ("/api/v1/campaigns", "post")]:
        response = document["paths"][path][method]["responses"]["422"]
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
        assert response["x-business-rules"]
    rules = document["paths"]["/api/v1/jobs"]["post"]["responses"]["422"]["x-business-rules"]
    refused = client.post(
        "/api/v1/jobs",
        json=job_payload(salary_min_cop=9_000_000, salary_max_cop=1_000_000),
        headers=token_for("operator"),
    )
    assert refused.status_code == 422
    assert set(refused.json["error"]["fields"]) <= set(rules)


def test_the_seed_job_openings_resource_is_documented_like_jobs(document):
    paths = document["paths"]
    assert set(paths["/job_openings"]) >= {"get", "post"}
    assert set(paths["/job_openings/{job_id}"]) == {"get", "parameters"} or set(
        paths["/job_openings/{job_id}"]
    ) == {"get"}

    def same(operation: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in operation.items() if k not in ("tags", "operationId")}

    assert same(paths["/job_openings"]["get"]) == same(paths["/api/v1/jobs"]["get"])
    assert same(paths["/job_openings"]["post"]) == same(paths["/api/v1/jobs"]["post"])
    assert same(paths["/job_openings/{job_id}"]["get"]) == same(
        paths["/api/v1/jobs/{job_id}"]["get"]
    )


def test_every_request_schema_is_strict(app):
    """Every body and query schema of every endpoint derives from the strict bases, so a schema
    added later cannot quietly coerce "30" to 30 or let a NUL through."""
    checked = 0
    for endpoint, view in app.view_functions.items():
        view_class = getattr(view, "view_class", None)
        for method in getattr(view_class, "methods", None) or ():
            handler = getattr(view_class, method.lower())
            arguments = getattr(handler, "_apidoc", {}).get("arguments", {})
            for parameter in arguments.get("parameters", []):
                schema = parameter["schema"]
                schema_class = schema if isinstance(schema, type) else type(schema)
                base = ArgsSchema if parameter["in"] == "query" else ApiSchema
                assert issubclass(schema_class, base), (endpoint, method, schema_class)
                if parameter["in"] != "query":
                    assert not issubclass(schema_class, ArgsSchema), (endpoint, method)
                checked += 1
    assert checked >= 10
