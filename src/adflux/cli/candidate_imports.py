"""`adflux import candidates FILE`: a candidate file streamed to the API, then its summary and
error report."""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import click

from adflux.cli.client import ApiClient, ApiError
from adflux.cli.language import _, ngettext
from adflux.cli.options import json_option
from adflux.cli.output import print_json
from adflux.i18n.catalogs import N_

IMPORTS_PATH = "/api/v1/candidate-imports"
CHUNK_BYTES = 1 << 20
POLL_SECONDS = 1.0
PARQUET_SUFFIXES = (".parquet", ".pq")


def report_path_for(file: Path) -> Path:
    """Where the error report is saved: beside the file, named after it."""
    return file.with_name(f"{file.stem}.errores.csv")


def _chunks(file: Path, sent: threading.Event) -> Iterator[bytes]:
    """The file's bytes, with a progress bar that ends with the upload."""
    with (
        file.open("rb") as handle,
        click.progressbar(
            length=file.stat().st_size,
            label=_("sending %(file)s", file=file.name),
            file=sys.stderr,
        ) as bar,
    ):
        while chunk := handle.read(CHUNK_BYTES):
            bar.update(len(chunk))
            yield chunk
    sent.set()


def _rows_in(file: Path) -> int:
    """About how many rows the file holds (lines less the header), for the import's progress."""
    if file.suffix.lower() in PARQUET_SUFFIXES:
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(file).metadata.num_rows)
    lines = 0
    with file.open("rb") as handle:
        while block := handle.read(CHUNK_BYTES):
            lines += block.count(b"\n")
    return max(lines - 1, 1)


def _watch(request_id: str, rows: int, sent: threading.Event, done: threading.Event) -> None:
    """Once the file is sent, the server's progress on it (its import's rows read so far)."""
    while not sent.wait(0.2):
        if done.is_set():
            return
    client = ApiClient(timeout=10.0)
    shown = 0
    try:
        with click.progressbar(length=rows, label=_("importing"), file=sys.stderr) as bar:
            while True:
                finished = done.wait(POLL_SECONDS)
                try:
                    page = client.get(IMPORTS_PATH, request_id=request_id)
                except ApiError:
                    page = {"items": []}  # only the progress is missing; the upload goes on
                if page["items"]:
                    read = int(page["items"][0]["rows_read"])
                    bar.update(max(0, read - shown))
                    shown = max(shown, read)
                if finished:
                    return
    finally:
        client.close()


@click.command(
    "candidates",
    short_help=N_("Import a candidate file (CSV or Parquet) through the API."),
    help=N_(
        "Import the candidates in FILE (CSV or Parquet) through the API.\n\nA CSV "
        "file is UTF-8 (with or without a BOM) with ',' or ';' between cells and "
        "a header line. Required columns: full_name, email, age, city, "
        "department, education_level, area, remote_preference and "
        "marketing_consent (sí/no, true/false or 1/0 on every row: a file "
        "without it is refused, consent is never assumed). Optional: "
        "external_ref, phone, years_experience, desired_salary_cop, languages "
        "and skills (separated by '|'), last_active_at (ISO 8601). A row updates "
        "the candidate with its external_ref, else the one with its email "
        "(compared lower-cased), and adds a new one otherwise; importing a file "
        "again changes nothing. Refused rows are listed, with their line and "
        "why, in FILE's error report (saved beside FILE as NAME.errores.csv). "
        "Needs a token with the operator role. Exits 1 when any row was refused. "
        "Shows the upload's progress, then the server's (rows read so far)."
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option(
    "--progress/--no-progress",
    default=None,
    help=N_("Show the server's progress while it imports (default: when stderr is a terminal)."),
)
@json_option
def import_candidates(file: Path, as_json: bool, progress: bool | None) -> None:
    size = file.stat().st_size
    content_type = (
        "application/vnd.apache.parquet" if file.suffix.lower() in PARQUET_SUFFIXES else "text/csv"
    )
    client = ApiClient()
    request_id = f"cli-import-{uuid.uuid4().hex}"
    sent, done = threading.Event(), threading.Event()
    watcher = None
    if progress or (progress is None and sys.stderr.isatty()):
        watcher = threading.Thread(
            target=_watch, args=(request_id, _rows_in(file), sent, done), daemon=True
        )
        watcher.start()
    try:
        summary = client.upload(
            IMPORTS_PATH,
            _chunks(file, sent),
            length=size,
            content_type=content_type,
            params={"filename": file.name},
            timeout=None,  # a million rows take the server a while after the last byte
            request_id=request_id,
        )
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    report = None
    if summary["refused"]:
        report = report_path_for(file)
        report.write_bytes(client.get_bytes(summary["report_url"]))
    if as_json:
        print_json({**summary, "local_report": str(report) if report else None})
    else:
        click.echo(
            _(
                "%(file)s: %(added)s added, %(updated)s updated, %(unchanged)s unchanged, "
                "%(refused)s rows refused (import %(import)s, %(read)s rows read)",
                file=file.name,
                added=summary["added"],
                updated=summary["updated"],
                unchanged=summary["unchanged"],
                refused=summary["refused"],
                read=summary["rows_read"],
                **{"import": summary["id"]},
            )
        )
        if summary["failed_batches"]:
            click.echo(
                ngettext(
                    "%(count)s batch rolled back by the database: its rows are in the report",
                    "%(count)s batches rolled back by the database: their rows are in the report",
                    summary["failed_batches"],
                ),
                err=True,
            )
        if summary["ignored_columns"]:
            ignored = ", ".join(summary["ignored_columns"])
            click.echo(_("columns ignored: %(columns)s", columns=ignored), err=True)
        if report is not None:
            click.echo(_("error report (line, field, reason): %(path)s", path=str(report)))
    if summary["refused"]:
        raise SystemExit(1)
