"""/api/v1/job-feeds: import a job feed (uploaded, or fetched from a URL) and read the reports.

The upload is the feed itself as the request body (XML, JSON-LD or an HTML page), read as a
stream while it arrives: it may be larger than ADFLUX_MAX_BODY_BYTES, up to
ADFLUX_FEED_MAX_BYTES.
"""

from __future__ import annotations

from typing import Any

import flask
from flask.views import MethodView
from marshmallow import fields, validate

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    NO_NUL_PATTERN,
    ApiSchema,
    ArgsSchema,
    ErrorSchema,
    MessageText,
    PageArgsSchema,
    PageMetaSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.app import get_settings
from adflux.auth.models import Role
from adflux.background.dispatch import send_task
from adflux.errors import ServiceUnavailable, ValidationFailed
from adflux.extensions import db
from adflux.feeds import service
from adflux.feeds.service import DEFAULT_FEED
from adflux.feeds.tasks import URL_IMPORT_TASK
from adflux.i18n.catalogs import N_
from adflux.i18n.messages import Message

BROKER_DOWN = N_("the task broker is unreachable: try again shortly")

blp = Blueprint(
    "job_feeds",
    __name__,
    url_prefix="/job-feeds",
    description="Job feed imports: upsert by reference number, close what a full feed drops",
)

FEED_CONTENT_TYPES = (
    "application/xml",
    "text/xml",
    "application/ld+json",
    "application/json",
    "text/html",
    "application/gzip",  # any of the above, gzipped
    "application/octet-stream",
)

_feed_name = fields.String(
    load_default=DEFAULT_FEED,
    validate=[validate.Length(min=1, max=50), validate.Regexp(r"^[A-Za-z0-9_.-]+$")],
    metadata={
        "description": "The feed's name: a full import closes the jobs of this feed it no longer "
        "lists, and no other."
    },
)
# `partial` in the request; named otherwise here, since marshmallow's Schema has a `partial`.
_partial = fields.Boolean(
    data_key="partial",
    load_default=False,
    metadata={"description": "The feed lists only some jobs: close none of those it omits."},
)


_force_close = fields.Boolean(
    load_default=False,
    metadata={
        "description": "Close the jobs a full feed drops even when they are more than half of "
        "the feed's open jobs (otherwise taken for a broken export, and none is closed)."
    },
)


class UploadArgsSchema(ArgsSchema):
    feed = _feed_name
    partial_feed = _partial
    force_close = _force_close
    name = fields.String(
        load_default="upload",
        validate=[validate.Length(min=1, max=200), validate.Regexp(NO_NUL_PATTERN)],
        metadata={"description": "The file's name, kept in the report."},
    )


# An http(s) URL in ASCII (hosts in punycode), as RFC 3986 spells one.
URL_PATTERN = r"^https?://[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+$"


class UrlImportSchema(ApiSchema):
    # A pattern, not fields.Url: the document states it, and what else a URL needs is the
    # fetch's to say (a 422 naming `url`).
    url = fields.String(
        required=True,
        validate=[validate.Length(max=2000), validate.Regexp(URL_PATTERN)],
        metadata={"description": "Where AdFlux fetches the feed (http or https)."},
    )
    feed = _feed_name
    partial_feed = _partial
    force_close = _force_close


# The report's texts are stored as messages and read in the request's language (Accept-Language).
class RefusalSchema(ApiSchema):
    where = MessageText(required=True, metadata={"description": "job N (line L) in the feed"})
    external_ref = fields.String(allow_none=True)
    reasons = fields.List(MessageText(), required=True)


class UnmappedValueSchema(ApiSchema):
    value = MessageText(
        required=True, metadata={"description": "the feed's text, or what AdFlux says of it"}
    )
    jobs = fields.Integer(required=True)


class FeedImportSchema(ApiSchema):
    id = fields.Integer(dump_only=True)
    feed = fields.String()
    source = fields.String()
    full = fields.Boolean()
    status = fields.String(metadata={"description": "running, done, or failed (nothing kept)"})
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    created_by = fields.String(allow_none=True)
    jobs_read = fields.Integer()
    added = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    reopened = fields.Integer(metadata={"description": "jobs a feed had closed, listed again"})
    closed = fields.Integer(metadata={"description": "jobs a full feed no longer lists"})
    refused = fields.Integer()
    refusals = fields.List(
        fields.Nested(RefusalSchema), metadata={"description": "the first 1,000 refusals"}
    )
    unmapped = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.Nested(UnmappedValueSchema)),
        metadata={"description": "field -> values that took a default, most frequent first"},
    )
    campaigns_paused = fields.List(fields.Integer())
    campaigns_not_paused = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.List(MessageText())),
        metadata={"description": "campaign id -> platform -> why it is still live"},
    )
    campaigns_created = fields.List(fields.Integer())
    warnings = fields.List(MessageText())
    error = MessageText(allow_none=True)


class ImportListArgsSchema(PageArgsSchema):
    feed = fields.String(validate=validate.Length(min=1, max=50))


class FeedImportPageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(FeedImportSchema), required=True)


_FEED_BODY = {
    "required": True,
    "description": "The feed: XML (<source><job>…), schema.org JobPosting JSON-LD, or an HTML "
    "page with JobPosting blocks; gzipped or not.",
    "content": {
        kind: {"schema": {"type": "string", "format": "binary"}} for kind in FEED_CONTENT_TYPES
    },
}


@blp.route("/imports")
class FeedUploads(MethodView):
    @requires(Role.OPERATOR)
    @blp.arguments(UploadArgsSchema, location="query")
    @blp.response(200, FeedImportSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(413, schema=ErrorSchema)
    @blp.alt_response(415, schema=ErrorSchema)
    @blp.doc(requestBody=_FEED_BODY)
    @blp.rules_response(
        feed="the body is a job feed AdFlux can read: XML without entity declarations or an "
        "external DTD, JSON-LD, or an HTML page with JobPosting blocks",
        **{"Content-Type": f"one of {', '.join(FEED_CONTENT_TYPES)}"},
    )
    def post(self, args: dict[str, Any]) -> Any:
        """Import the feed sent as the body; answers the run's report (422 naming `feed` when
        the feed cannot be read: nothing from it is kept)."""
        request = flask.request
        if request.mimetype not in FEED_CONTENT_TYPES:
            raise ValidationFailed(
                "send the feed with one of these Content-Types: %(types)s (got %(got)s)",
                fields={"Content-Type": [N_("not a feed's type")]},
                types=", ".join(FEED_CONTENT_TYPES),
                got=request.mimetype or "none",
            )
        # request.max_content_length is ADFLUX_FEED_MAX_BYTES here (app.py, before any hook
        # opened the stream).
        return service.import_feed(
            db_session=db.session,
            stream=request.stream,
            source=args["name"],
            feed=args["feed"],
            full=not args["partial_feed"],
            force_close=args["force_close"],
        )

    @blp.arguments(ImportListArgsSchema, location="query")
    @blp.response(200, FeedImportPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The feed imports, newest first."""
        page = service.list_imports(
            db_session=db.session,
            limit=page_limit(args),
            offset=args["offset"],
            feed=args.get("feed"),
        )
        return page_body(page)


@blp.route("/imports/url")
class FeedUrlImports(MethodView):
    @requires(Role.OPERATOR)
    @blp.arguments(UrlImportSchema)
    @blp.response(202, FeedImportSchema)
    @blp.alt_response(409, schema=ErrorSchema)
    @blp.alt_response(503, schema=ErrorSchema)
    @blp.rules_response(
        url="an http(s) URL AdFlux can fetch: it answers 2xx within 60 s, no larger than"
        " ADFLUX_FEED_MAX_BYTES, at a public address (and so does every redirect) unless"
        " ADFLUX_FEED_ALLOW_PRIVATE_HOSTS=true; its address is checked at once, the rest when"
        " the import runs, which then fails saying why",
        feed="what it answers is a job feed AdFlux can read (checked when the import runs)",
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Fetch the feed at `url` and import it, in the background: answers 202 with the
        import, running; follow it with GET /job-feeds/imports/{id} (`jobs_read` grows, and
        `status` turns done or failed, with the report or the reason)."""
        row = service.start_url_import(
            db_session=db.session,
            url=data["url"],
            feed=data["feed"],
            full=not data["partial_feed"],
            allow_private_hosts=get_settings(flask.current_app).feed_allow_private_hosts,
        )
        if not send_task(URL_IMPORT_TASK, row.id, data["force_close"]):
            service.fail_import(db_session=db.session, import_id=row.id, error=Message(BROKER_DOWN))
            raise ServiceUnavailable(BROKER_DOWN)
        return row, 202, {"Location": flask.url_for(".FeedImportById", import_id=row.id)}


@blp.route(f"/imports/<{id_in_path('feed import')}:import_id>")
class FeedImportById(MethodView):
    @blp.response(200, FeedImportSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, import_id: int) -> Any:
        """One feed import's report."""
        return service.get_import_or_404(db_session=db.session, import_id=import_id)
