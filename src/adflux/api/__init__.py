"""The HTTP API under /api/v1: resources, OpenAPI, auth and error mapping."""

from __future__ import annotations

from flask import Flask

from adflux.api import (
    aliases,
    applications,
    campaign_templates,
    campaigns,
    candidate_imports,
    candidates,
    errors,
    health,
    job_feeds,
    jobs,
    optimisation,
    platforms,
    results,
    segments,
    tokens,
)
from adflux.api.auth import authenticate_request, forget_caller
from adflux.api.docs import register_docs
from adflux.api.request_id import install_request_id
from adflux.api.schemas import (
    ErrorSchema,
    IdConverter,
    TextConverter,
    id_param_schema,
    text_param_schema,
)
from adflux.extensions import api

API_PREFIX = "/api/v1"
RESOURCE_BLUEPRINTS = (
    jobs.blp,
    job_feeds.blp,
    candidates.blp,
    candidate_imports.blp,
    segments.runs_blp,
    segments.blp,
    campaigns.blp,
    campaign_templates.blp,
    optimisation.blp,
    results.blp,
    platforms.blp,
    tokens.blp,
    applications.blp,
)
# The seed document's endpoints live at the root, outside /api/v1, with the same auth.
ALIAS_BLUEPRINTS = (aliases.blp,)


def init_api(app: Flask) -> None:
    app.config.update(
        API_TITLE="AdFlux API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL=f"{API_PREFIX}/docs/assets/",
        API_SPEC_OPTIONS={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {"description": "Automated job advertising for Magneto (Colombia)."},
        },
    )
    install_request_id(app)
    candidate_imports.init_candidate_imports(app)
    # Document every error with the project's one error shape, not flask-smorest's own.
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    api.register_converter(IdConverter, id_param_schema)
    api.register_converter(TextConverter, text_param_schema)
    for blueprint, prefix in [
        *((b, f"{API_PREFIX}{b.url_prefix or ''}") for b in RESOURCE_BLUEPRINTS),
        *((b, "") for b in ALIAS_BLUEPRINTS),
    ]:
        # Attached per app, not to the module-level blueprint: a blueprint refuses new hooks once
        # registered, and a process may build several apps (tests, commands).
        app.before_request_funcs.setdefault(blueprint.name, []).append(authenticate_request)
        app.teardown_request_funcs.setdefault(blueprint.name, []).append(forget_caller)
        api.register_blueprint(blueprint, url_prefix=prefix)
    app.register_blueprint(health.bp)
    health.time_requests(app)
    register_docs(app, API_PREFIX)
    errors.register_error_handlers(app)
