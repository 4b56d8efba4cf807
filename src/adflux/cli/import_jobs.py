"""`adflux import jobs FILE|URL`: a job feed into AdFlux through the API.

A file is uploaded as it is read (POST /api/v1/job-feeds/imports): the server parses and stores
the jobs while the body arrives, so the upload's progress bar is the import's. A URL is fetched
and imported by the server in the background (POST /api/v1/job-feeds/imports/url answers 202),
and the command follows it (GET /api/v1/job-feeds/imports/{id}) with the jobs read so far.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click
import httpx

from adflux.cli.client import ApiClient
from adflux.cli.language import _, label, ngettext
from adflux.cli.options import json_option
from adflux.cli.output import print_json
from adflux.i18n.catalogs import N_

UPLOAD_PATH = "/api/v1/job-feeds/imports"
URL_PATH = "/api/v1/job-feeds/imports/url"
CHUNK_BYTES = 256 * 1024
# A URL import runs in the background on the server: how often its progress is asked for.
POLL_SECONDS = 0.5
# An upload's import answers when it is done: 100,000 jobs take minutes on a busy server.
IMPORT_TIMEOUT = httpx.Timeout(30.0, read=3600.0, write=3600.0)
REFUSALS_SHOWN = 20
UNMAPPED_SHOWN = 5
CONTENT_TYPES = {
    ".xml": "application/xml",
    ".json": "application/ld+json",
    ".jsonld": "application/ld+json",
    ".html": "text/html",
    ".htm": "text/html",
    ".gz": "application/gzip",
}


class BadFile(click.ClickException):
    """The feed file cannot be read: one line, exit status 1."""


def _chunks(stream: IO[bytes], progress: Any) -> Iterator[bytes]:
    while data := stream.read(CHUNK_BYTES):
        progress.update(len(data))
        yield data


def _upload(client: ApiClient, path: Path, params: dict[str, Any]) -> Any:
    try:
        size = path.stat().st_size
        stream = path.open("rb")
    except FileNotFoundError:
        raise BadFile(_("%(path)s: no such file", path=str(path))) from None
    except IsADirectoryError:
        raise BadFile(_("%(path)s: is a directory, not a file", path=str(path))) from None
    except OSError as exc:
        raise BadFile(
            _("%(path)s: cannot be read (%(error)s)", path=str(path), error=exc.strerror)
        ) from None
    with stream, click.progressbar(length=size, label=_("importing"), file=sys.stderr) as bar:
        return client.upload(
            UPLOAD_PATH,
            _chunks(stream, bar),
            length=size,
            content_type=CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream"),
            params={**params, "name": path.name[:200]},
        )


def _wait_for(client: ApiClient, report: dict[str, Any]) -> dict[str, Any]:
    """Follow an import the server runs in the background until it is done or failed, with its
    jobs read so far as the progress (a feed does not say how many jobs it holds)."""
    shown = 0
    path = f"{UPLOAD_PATH}/{report['id']}"
    with click.progressbar(
        itertools.count(), label=_("importing"), show_pos=True, file=sys.stderr
    ) as bar:
        while report["status"] == "running":
            time.sleep(POLL_SECONDS)
            report = client.get(path)
            bar.update(max(0, int(report["jobs_read"]) - shown))
            shown = max(shown, int(report["jobs_read"]))
    return report


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The report as lines for people: the counts, then what was refused and not mapped (the
    API wrote its texts in the CLI's language)."""
    lines = [
        _(
            "%(source)s: %(added)s added, %(updated)s updated, %(unchanged)s unchanged, "
            "%(closed)s closed, %(reopened)s reopened, %(refused)s refused "
            "(import %(import)s, feed %(feed)s)",
            source=report["source"],
            added=report["added"],
            updated=report["updated"],
            unchanged=report["unchanged"],
            closed=report["closed"],
            reopened=report["reopened"],
            refused=report["refused"],
            feed=report["feed"],
            **{"import": report["id"]},
        )
    ]
    if report["campaigns_paused"]:
        paused = ", ".join(map(str, report["campaigns_paused"]))
        lines.append(_("campaigns paused on every platform: %(campaigns)s", campaigns=paused))
    for campaign_id, platforms in report["campaigns_not_paused"].items():
        reasons = "; ".join(f"{label('platform', p)}: {', '.join(m)}" for p, m in platforms.items())
        lines.append(
            _(
                "campaign %(campaign)s is still live on %(reasons)s",
                campaign=campaign_id,
                reasons=reasons,
            )
        )
    if report["campaigns_created"]:
        created = ", ".join(map(str, report["campaigns_created"]))
        lines.append(_("campaigns created by templates: %(campaigns)s", campaigns=created))
    for refusal in report["refusals"][:REFUSALS_SHOWN]:
        ref = f" [{refusal['external_ref']}]" if refusal["external_ref"] else ""
        lines.append(
            _(
                "refused %(where)s%(ref)s: %(reasons)s",
                where=refusal["where"],
                ref=ref,
                reasons="; ".join(refusal["reasons"]),
            )
        )
    if report["refused"] > REFUSALS_SHOWN:
        path = f"{UPLOAD_PATH}/{report['id']}"
        lines.append(
            _(
                "… and %(count)s more refused (adflux import jobs --json, or GET %(path)s)",
                count=report["refused"] - REFUSALS_SHOWN,
                path=path,
            )
        )
    for name, values in report["unmapped"].items():
        shown = ", ".join(f"{v['value']} ({v['jobs']})" for v in values[:UNMAPPED_SHOWN])
        if len(values) > UNMAPPED_SHOWN:
            shown += ", " + ngettext(
                "… %(count)s more", "… %(count)s more", len(values) - UNMAPPED_SHOWN
            )
        lines.append(
            _("not mapped, kept with a default: %(field)s: %(values)s", field=name, values=shown)
        )
    lines.extend(_("warning: %(warning)s", warning=w) for w in report["warnings"])
    return lines


@click.command(
    "jobs",
    help=N_(
        "Import a job feed from a FILE or an http(s) URL through the API.\n\nThe "
        "feed is XML as job boards publish it (<source><job> with title, "
        "referencenumber, city, state, description, salary, jobtype, category, "
        "experience …), schema.org JobPosting JSON-LD, or an HTML page with "
        "JobPosting blocks, gzipped or not. Jobs are matched by reference "
        "number: new ones are added, changed ones updated, and (unless "
        "--partial) the jobs of this feed it no longer lists are closed, their "
        "live campaigns paused on every platform. Importing the same feed again "
        "changes nothing. Needs an operator token. Prints a summary and every "
        "refused job with why; exits 1 when the feed as a whole cannot be read "
        "(nothing is then changed)."
    ),
)
@click.argument("source")
@click.option(
    "--feed",
    default="default",
    show_default=True,
    help=N_("The feed's name: a full import closes the jobs of this feed it no longer lists."),
)
@click.option(
    "--partial",
    is_flag=True,
    help=N_("The feed lists only some jobs: close none of those it leaves out."),
)
@click.option(
    "--force-close",
    is_flag=True,
    help=N_(
        "Close the jobs the feed drops even when they are more than half of its open jobs "
        "(otherwise taken for a broken export: none is closed)."
    ),
)
@json_option
def import_jobs(source: str, feed: str, partial: bool, force_close: bool, as_json: bool) -> None:
    client = ApiClient(timeout=IMPORT_TIMEOUT)
    params = {
        "feed": feed,
        "partial": "true" if partial else "false",
        "force_close": "true" if force_close else "false",
    }
    if source.startswith(("http://", "https://")):
        click.echo(_("the server is fetching and importing %(source)s…", source=source), err=True)
        body = {"url": source, "feed": feed, "partial": partial, "force_close": force_close}
        report = _wait_for(client, client.post(URL_PATH, body))
        if report["status"] == "failed":
            raise click.ClickException(f"{source}: {report['error']}")
    else:
        report = _upload(client, Path(source), params)
    if as_json:
        print_json(report)
        return
    for line in summary_lines(report):
        click.echo(line)
