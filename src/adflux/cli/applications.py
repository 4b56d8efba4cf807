"""`adflux import-applications FILE`: applications from a file, sent to the API in batches."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from adflux.cli.client import ApiClient
from adflux.cli.language import _
from adflux.i18n.catalogs import N_

BATCH_PATH = "/api/v1/applications/batch"
BATCH_MAX = 1_000  # the batch endpoint's own limit
REQUIRED = ("application_id", "job_ref", "applied_at")
# A CSV cell holds text: an empty one of these means "none" (no profile, no tracking code).
_OPTIONAL = ("candidate_ref", "utm_source", "utm_medium", "utm_campaign", "utm_content")
REFUSALS_SHOWN = 20


class BadFile(click.ClickException):
    """The file cannot be read as applications at all: one line, exit status 1."""


@dataclass
class Record:
    line: int
    body: dict[str, Any] | None  # None when the line itself could not be read
    problem: str = ""


@dataclass
class Summary:
    accepted: int = 0
    duplicates: int = 0
    unattributed: int = 0
    refused: list[tuple[int, str]] = field(default_factory=list)  # (line, why)

    def line(self) -> str:
        """The outcome in one line, in the CLI's language."""
        text = _(
            "%(accepted)s accepted, %(duplicates)s duplicates, %(unattributed)s unattributed, "
            "%(refused)s refused",
            accepted=self.accepted,
            duplicates=self.duplicates,
            unattributed=self.unattributed,
            refused=len(self.refused),
        )
        if self.refused:
            lines = ", ".join(str(line) for line, _why in self.refused[:REFUSALS_SHOWN])
            more = ", …" if len(self.refused) > REFUSALS_SHOWN else ""
            text += " " + _("(lines %(lines)s)", lines=lines + more)
        return text


def read_records(path: Path) -> list[Record]:
    """The applications in a CSV file with a header, or in a JSON Lines file, by line number."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadFile(_("%(path)s: no such file", path=name)) from None
    except IsADirectoryError:
        raise BadFile(_("%(path)s: is a directory, not a file", path=name)) from None
    except UnicodeDecodeError:
        raise BadFile(
            _("%(path)s: not UTF-8 text (CSV with a header, or JSON Lines)", path=name)
        ) from None
    except OSError as exc:
        raise BadFile(
            _("%(path)s: cannot be read (%(error)s)", path=name, error=exc.strerror)
        ) from None
    first = text.lstrip()[:1]
    if not first:
        raise BadFile(_("%(path)s: the file is empty", path=name))
    records = list(_json_lines(text) if first == "{" else _csv_rows(path, text))
    if not records:
        raise BadFile(_("%(path)s: no applications in the file", path=name))
    return records


def _json_lines(text: str) -> Iterator[Record]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Record(number, None, _("not JSON (%(error)s)", error=exc.msg))
            continue
        except ValueError:  # an integer of more than 4,300 digits
            yield Record(number, None, _("not JSON (a number has too many digits)"))
            continue
        if not isinstance(value, dict):
            yield Record(number, None, _("not a JSON object"))
            continue
        yield Record(number, value)


def _csv_rows(path: Path, text: str) -> Iterator[Record]:
    reader = csv.DictReader(text.splitlines(keepends=True), strict=True)
    header = reader.fieldnames or []
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise BadFile(
            _(
                "%(path)s: not JSON Lines, and its CSV header lacks %(missing)s "
                "(columns: %(columns)s)",
                path=str(path),
                missing=", ".join(missing),
                columns=", ".join(REQUIRED + _OPTIONAL),
            )
        )
    start = reader.line_num + 1
    try:
        for row in reader:
            if None in row:
                yield Record(start, None, _("more cells than the header has columns"))
            else:
                body = {
                    name: (None if name in _OPTIONAL and value == "" else value)
                    for name, value in row.items()
                }
                yield Record(start, body)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise BadFile(
            _(
                "%(path)s: line %(line)s: %(error)s",
                path=str(path),
                line=reader.line_num,
                error=str(exc),
            )
        ) from None


def import_records(
    client: ApiClient, records: list[Record], *, batch_size: int, progress: Any
) -> Summary:
    """Send the readable records in batches, updating `progress` per record; the outcome."""
    summary = Summary()
    for record in records:
        if record.body is None:
            summary.refused.append((record.line, record.problem))
    readable = [r for r in records if r.body is not None]
    progress.update(len(records) - len(readable))
    for start in range(0, len(readable), batch_size):
        batch = readable[start : start + batch_size]
        answer = client.post(BATCH_PATH, {"applications": [r.body for r in batch]})
        for item in answer["items"]:
            record = batch[item["index"]]
            if item["status"] == "accepted":
                summary.accepted += 1
                summary.unattributed += not item["attributed"]
            elif item["status"] == "duplicate":
                summary.duplicates += 1
            else:
                errors = item.get("errors") or {}
                why = "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
                summary.refused.append((record.line, why))
        progress.update(len(batch))
    summary.refused.sort()
    return summary


@click.command(
    "import-applications",
    help=N_(
        "Import the applications in FILE through the API (POST "
        "/api/v1/applications/batch).\n\nFILE is CSV with a header, or JSON Lines "
        "(one object per line), with the fields of POST /api/v1/applications: "
        "application_id, job_ref, applied_at (ISO-8601 with its offset), and "
        "optionally candidate_ref, utm_source, utm_medium, utm_campaign, "
        "utm_content (an empty CSV cell is none). Importing a file again is "
        "harmless: an application already stored counts as a duplicate. Needs a "
        "token with the applications or admin role. Prints one summary line; "
        "exits 1 when any line was refused, naming the lines and why."
    ),
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--batch-size",
    type=click.IntRange(1, BATCH_MAX),
    default=500,
    show_default=True,
    help=N_("Applications per request (at most 1,000)."),  # BATCH_MAX
)
def import_applications(file: Path, batch_size: int) -> None:
    records = read_records(file)
    client = ApiClient()
    with click.progressbar(length=len(records), label=_("importing"), file=sys.stderr) as bar:
        summary = import_records(client, records, batch_size=batch_size, progress=bar)
    for line, why in summary.refused[:REFUSALS_SHOWN]:
        click.echo(_("line %(line)s: %(reason)s", line=line, reason=why), err=True)
    click.echo(f"{file}: {summary.line()}")
    if summary.refused:
        raise SystemExit(1)
