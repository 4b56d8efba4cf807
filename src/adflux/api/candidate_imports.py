"""/api/v1/candidate-imports: import a candidate file (CSV or Parquet, the file as the body), read
an import's summary and its error report.

The body is streamed to a temporary file as it arrives (never held in memory), up to
ADFLUX_MAX_IMPORT_BYTES, and imported from there: a file over the limit is a 413 before anything
is written. It must come with a Content-Length (``adflux import candidates`` sends one).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from flask import Flask, Response, current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields, validate
from werkzeug.exceptions import LengthRequired, RequestEntityTooLarge, UnsupportedMediaType

from adflux.api.auth import requires
from adflux.api.blueprint import Blueprint
from adflux.api.schemas import (
    ArgsSchema,
    ErrorSchema,
    PageArgsSchema,
    PageMetaSchema,
    id_in_path,
    page_body,
    page_limit,
)
from adflux.auth.models import Role
from adflux.candidates import imports as service
from adflux.candidates.import_reading import REQUIRED_COLUMNS, FileFormat
from adflux.candidates.models import CandidateImport
from adflux.errors import NotFound
from adflux.extensions import db
from adflux.i18n.catalogs import N_
from adflux.i18n.http import gettext, request_language
from adflux.i18n.labels import field_label
from adflux.i18n.messages import from_stored, render

blp = Blueprint(
    "candidate_imports",
    __name__,
    url_prefix="/candidate-imports",
    description="Candidate files imported (CSV or Parquet)",
)

# Content types a file may be sent as; anything else is a 415 naming these.
CONTENT_TYPES: dict[str, FileFormat | None] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "text/plain": "csv",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/octet-stream": None,  # told apart by the Parquet magic bytes
}
_IMPORT_PATH = "/api/v1/candidate-imports"
_SPOOL_CHUNK = 1 << 20
# Kept in memory up to this size, then on disk.
_SPOOL_IN_MEMORY = 8 << 20


class ImportArgsSchema(ArgsSchema):
    filename = fields.String(
        validate=validate.Length(min=1, max=255),
        metadata={"description": "the file's name, kept in the import's record"},
    )


class ImportListArgsSchema(PageArgsSchema):
    request_id = fields.String(
        validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,64}$"),
        metadata={"description": "only the import the request with this X-Request-Id started"},
    )


class CandidateImportSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    file_format = fields.String(metadata={"description": "csv or parquet"})
    status = fields.String(metadata={"description": "running, done or failed"})
    rows_read = fields.Integer()
    added = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    refused = fields.Integer(metadata={"description": "rows refused, each in the error report"})
    failed_batches = fields.Integer(
        metadata={"description": "batches the database refused, rolled back whole"}
    )
    ignored_columns = fields.List(fields.String())
    report_path = fields.String(
        allow_none=True, metadata={"description": "the report's path under the data directory"}
    )
    report_url = fields.Method("_report_url")
    error = fields.String(allow_none=True)
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)

    def _report_url(self, record: CandidateImport) -> str:
        return f"{_IMPORT_PATH}/{record.id}/errors"


class CandidateImportPageSchema(PageMetaSchema):
    items = fields.List(fields.Nested(CandidateImportSchema), required=True)


def allow_large_imports() -> None:
    """An import's body may be up to ADFLUX_MAX_IMPORT_BYTES (other requests keep the smaller
    ADFLUX_MAX_BODY_BYTES); set before any hook looks at the body, which applies the limit."""
    if request.method != "POST" or request.path.rstrip("/") != _IMPORT_PATH:
        return
    if request.content_length is None:
        if not request.headers.get("Transfer-Encoding"):
            return  # no body at all: the view says the file is empty (after the token check)
        raise LengthRequired(
            gettext(
                "send the file with a Content-Length header (not chunked); 'adflux import "
                "candidates FILE' does"
            )
        )
    limit: int = current_app.config["ADFLUX_SETTINGS"].max_import_bytes
    request.max_content_length = limit
    if request.content_length > limit:
        raise RequestEntityTooLarge(
            gettext(
                "the file is %(size)s bytes; an import takes at most %(limit)s "
                "(ADFLUX_MAX_IMPORT_BYTES)",
                size=request.content_length,
                limit=limit,
            )
        )


def init_candidate_imports(app: Flask) -> None:
    # First among the app's hooks: the NUL check reads the form, which opens the body stream with
    # whatever limit is set by then.
    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_imports)


@blp.route("")
class CandidateImports(MethodView):
    @blp.arguments(ImportListArgsSchema, location="query")
    @blp.response(200, CandidateImportPageSchema)
    @blp.alt_response(422, schema=ErrorSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List imports, newest first (while one runs, its counts so far)."""
        page = service.list_imports(
            db_session=db.session,
            limit=page_limit(args),
            offset=args["offset"],
            request_id=args.get("request_id"),
        )
        return page_body(page)

    @requires(Role.OPERATOR)
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.doc(
        requestBody={
            "required": True,
            "description": "The file itself: CSV (UTF-8, ',' or ';', a header line naming the "
            "columns; marketing_consent is required) or Parquet.",
            "content": {
                content_type: {"schema": {"type": "string", "format": "binary"}}
                for content_type in CONTENT_TYPES
            },
        }
    )
    @blp.response(201, CandidateImportSchema)
    @blp.alt_response(411, schema=ErrorSchema)
    @blp.alt_response(413, schema=ErrorSchema)
    @blp.alt_response(415, schema=ErrorSchema)
    @blp.rules_response(
        file="a CSV (UTF-8, a header line) or Parquet file that is not empty",
        **{
            name: "a required column (marketing_consent above all: consent is never assumed),"
            " once in the header"
            for name in REQUIRED_COLUMNS
        },
    )
    def post(self, args: dict[str, Any]) -> Any:
        """Import a candidate file: upsert by external_ref, else by email (lower-cased).

        Rows are written in batches, each whole or not at all; every refused row is in the error
        report (line, field, reason), at report_url. A file without a marketing_consent column, or
        missing another required column, is refused whole (422) and nothing is written.
        """
        file_format = _format_of(request.mimetype)
        filename = args.get("filename") or "upload"
        with _spooled(request.stream) as spool:
            return service.import_candidates(
                db_session=db.session, stream=spool, filename=filename, file_format=file_format
            )


@blp.route(f"/<{id_in_path('candidate import')}:import_id>")
class CandidateImportById(MethodView):
    @blp.response(200, CandidateImportSchema)
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, import_id: int) -> Any:
        """An import's summary."""
        return service.get_import_or_404(db_session=db.session, import_id=import_id)


@blp.route(f"/<{id_in_path('candidate import')}:import_id>/errors")
class CandidateImportErrors(MethodView):
    @requires(Role.OPERATOR)
    @blp.doc(
        responses={
            "200": {
                "description": "The error report: one row per refused cell or row, in the "
                "request's language (Accept-Language): the field by its label, the reason",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    )
    @blp.alt_response(404, schema=ErrorSchema)
    def get(self, import_id: int) -> Response:
        """An import's error report, as CSV (line, field, reason), in the reader's language."""
        record = service.get_import_or_404(db_session=db.session, import_id=import_id)
        path = service.report_file(record)
        if path is None:
            raise NotFound(
                "the error report of candidate import %(import_id)s is not on disk",
                import_id=import_id,
            )
        return Response(
            _rendered_report(path, request_language()),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f"attachment; filename=candidates-{import_id}-errors.csv"
            },
        )


# The report's header, as people read it.
REPORT_HEADER = (N_("line"), N_("field"), N_("reason"))
_REPORT_CHUNK_ROWS = 5_000
_REASONS_KEPT = 10_000


def _rendered_report(path: Path, language: str) -> Iterator[str]:
    """The stored report, its fields and reasons in `language`, a chunk of rows at a time (a
    report may hold a million rows)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([render(name, {}, language) for name in REPORT_HEADER])
    labels: dict[str, str] = {}
    # Most reasons repeat (one per distinct bad value): each is read and rendered once, and
    # only so many are kept.
    reasons: dict[str, str] = {}
    for count, (line, field, stored) in enumerate(service.read_report(path), start=1):
        if field not in labels:
            labels[field] = field_label(field, language)
        shown = reasons.get(stored)
        if shown is None:
            if len(reasons) >= _REASONS_KEPT:
                reasons.clear()
            shown = reasons[stored] = from_stored(stored).render(language)
        writer.writerow((line, labels[field], shown))
        if count % _REPORT_CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _format_of(mimetype: str) -> FileFormat | None:
    if mimetype not in CONTENT_TYPES:
        raise UnsupportedMediaType(
            gettext(
                "send the file as %(types)s (got %(got)s)",
                types=", ".join(CONTENT_TYPES),
                got=mimetype or gettext("no Content-Type"),
            )
        )
    return CONTENT_TYPES[mimetype]


class _spooled:
    """The request body copied to a temporary file a chunk at a time, rewound."""

    def __init__(self, body: IO[bytes]):
        self._body = body
        self._spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115

    def __enter__(self) -> IO[bytes]:
        shutil.copyfileobj(self._body, self._spool, _SPOOL_CHUNK)
        self._spool.seek(0)
        return self._spool  # type: ignore[return-value]

    def __exit__(self, *_exc: object) -> None:
        self._spool.close()
