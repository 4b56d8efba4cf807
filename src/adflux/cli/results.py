"""Client commands about results: view-results (table, JSON, CSV) and sync-results."""

from __future__ import annotations

import csv
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from adflux.cli.client import ApiClient
from adflux.cli.language import _, label, moment, money, ngettext, number, percent
from adflux.cli.options import json_option, wait_limit_option
from adflux.cli.output import Column, print_json, print_table
from adflux.i18n.catalogs import N_

PAGE = 200  # the API's largest page: every row is fetched, page by page

# The headers (msgids) of each grouping's columns; the keys are the API's (and the CSV's) names.
KEY_COLUMNS = {
    "campaign": [(N_("Campaign"), "campaign_id")],
    "platform": [(N_("Platform"), "platform")],
    "segment": [
        (N_("Segments"), "segments"),
        (N_("Applications by segment"), "segment_applications"),
    ],
    "job": [(N_("Job"), "job_id")],
    "day": [(N_("Day"), "day")],
}
FIGURE_COLUMNS = [
    (N_("Impressions"), "impressions"),
    (N_("Clicks"), "clicks"),
    (N_("Spend"), "spend_cop"),
    (N_("Applications"), "applications"),
    (N_("CTR"), "ctr"),
    (N_("CPC"), "cpc_cop"),
    (N_("Apply rate"), "apply_rate"),
    (N_("Cost per application"), "cost_per_application_cop"),
]
# When the terminal is narrow, these go first (the rest stay).
DROP_FIRST = {
    "segment_applications": 6,
    "cpc_cop": 5,
    "ctr": 4,
    "clicks": 3,
    "apply_rate": 2,
    "impressions": 1,
}


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


@click.command(
    "view-results",
    help=N_(
        "Impressions, clicks, spend, applications, CTR, CPC, apply rate and cost per "
        "application (COP, Bogotá days), with totals."
    ),
    epilog=N_(
        "Grouped by segment, a row is a campaign's segment set: a campaign aimed at several "
        "segments shows one shared row (its ad reached them together, so its spend is not "
        "split); its applications are split by the applicant's segment."
    ),
)
@click.option("--campaign", "campaign_id", type=click.IntRange(1), help=N_("Only this campaign."))
@click.option(
    "--by",
    help=N_(
        "Group by: platform, segment, day (with --campaign), or also campaign, job; "
        "comma-separated, e.g. platform,day. Default: platform with --campaign, else campaign."
    ),
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help=N_("First day, YYYY-MM-DD."))
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help=N_("Last day, YYYY-MM-DD."))
@click.option(
    "--platform",
    help=N_("Only this platform: meta, google, x, tiktok or snapchat (without --campaign)."),
)
@click.option("--job-id", type=click.IntRange(1), help=N_("Only this job's campaigns."))
@click.option(
    "--segment-id", type=click.IntRange(1), help=N_("Only campaigns aimed at this segment.")
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help=N_("Also write every row to this CSV file (UTF-8, the API's column names)."),
)
@json_option
def view_results(
    campaign_id: int | None,
    by: str | None,
    since: datetime | None,
    until: datetime | None,
    platform: str | None,
    job_id: int | None,
    segment_id: int | None,
    csv_path: Path | None,
    as_json: bool,
) -> None:
    params: dict[str, Any] = {"since": _date(since), "until": _date(until)}
    if campaign_id is not None:
        if platform or job_id or segment_id:
            raise click.UsageError(_("--platform, --job-id and --segment-id go without --campaign"))
        path = f"/api/v1/campaigns/{campaign_id}/results"
        params["by"] = by or "platform"
    else:
        path = "/api/v1/results"
        params.update(by=by or "campaign", platform=platform, job_id=job_id, segment_id=segment_id)
    client = ApiClient()
    body = client.get(path, **params, limit=PAGE, offset=0)
    items = list(body["items"])
    while len(items) < body["total"]:
        page = client.get(path, **params, limit=PAGE, offset=len(items))
        if not page["items"]:
            break
        items += page["items"]
    body["items"], body["limit"], body["offset"] = items, len(items), 0
    columns = [column for name in body["by"] for column in KEY_COLUMNS[name]] + FIGURE_COLUMNS
    if csv_path is not None:
        _write_csv(csv_path, columns, items)
    if as_json:
        print_json(body)
        return
    if not items:
        click.echo(_("No results for these filters yet."))
    else:
        title = (
            _("Results · campaign %(campaign)s", campaign=str(campaign_id))
            if campaign_id
            else _("Results")
        )
        print_table(Console(), title, _table_columns(columns, body["totals"]), items)
    if csv_path is not None:
        click.echo(
            ngettext(
                "%(count)s row written to %(file)s",
                "%(count)s rows written to %(file)s",
                len(items),
                file=str(csv_path),
            )
        )


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key in ("spend_cop", "cpc_cop", "cost_per_application_cop"):
        return money(value)
    if key in ("ctr", "apply_rate"):
        return percent(value, decimals=2)
    if key == "platform":
        return label("platform", value)
    if key == "day":
        return moment(value)
    if key == "segments":
        if not value:
            return _("no segment")
        shown = ", ".join(map(str, value))
        return _("%(segments)s (shared)", segments=shown) if len(value) > 1 else shown
    if key == "segment_applications":
        return ", ".join(
            f"{s['segment_id'] or _('no segment')}: {number(s['applications'])}" for s in value
        )
    if isinstance(value, int):
        return number(value)
    return str(value)


def _table_columns(columns: list[tuple[str, str]], totals: dict[str, Any]) -> list[Column]:
    """The columns of the chosen grouping and the figures, the totals in their footers."""
    first_figure = [key for _header, key in columns].index("impressions")

    def value(key: str) -> Any:
        return lambda item: _cell(key, item.get(key))

    return [
        Column(
            _(header),
            value(key),
            drop=DROP_FIRST.get(key, 0),
            justify="right" if index >= first_figure else "left",
            footer=_("Total") if index == 0 else (_cell(key, totals[key]) if key in totals else ""),
        )
        for index, (header, key) in enumerate(columns)
    ]


def _write_csv(path: Path, columns: list[tuple[str, str]], items: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow([key for _, key in columns])
        for item in items:
            writer.writerow([_csv_value(item.get(key)) for _, key in columns])


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(
            f"{v['segment_id'] or ''}:{v['applications']}" if isinstance(v, dict) else str(v)
            for v in value
        )
    return value


@click.command(
    "sync-results",
    help=N_(
        "Pull every platform's latest daily figures now (the worker also does it every 15 min)."
    ),
)
@click.option("--platform", help=N_("Only this platform (default: every platform)."))
@click.option("--wait", is_flag=True, help=N_("Wait until every platform's sync has run."))
@wait_limit_option(300)
@json_option
def sync_results(platform: str | None, wait: bool, timeout: int, as_json: bool) -> None:
    client = ApiClient()
    path = "/api/v1/results/sync" + (f"?platform={platform}" if platform else "")
    status = client.post(path)
    if wait:
        status = _wait(client, status["requested_at"], status["syncing"], timeout=timeout)
    if as_json:
        print_json(status)
        return
    if not wait:
        click.echo(_("results sync queued; follow it with: adflux sync-results --wait"))
    for state in status["platforms"]:
        outcome = (
            _("error: %(error)s", error=state["last_error"]) if state["last_error"] else _("ok")
        )
        click.echo(
            _(
                "%(platform)s: %(outcome)s (last success %(when)s)",
                platform=label("platform", state["platform"]),
                outcome=outcome,
                when=moment(state["last_success_at"]),
            )
        )


def _wait(
    client: ApiClient, requested_at: str, syncing: list[str], *, timeout: int
) -> dict[str, Any]:
    """Poll until each platform being synced attempted its sync after the request."""
    since = datetime.fromisoformat(requested_at)
    deadline = time.monotonic() + timeout
    while True:
        status = client.get("/api/v1/results/sync")
        attempted = {
            s["platform"]
            for s in status["platforms"]
            if s["last_attempt_at"] and datetime.fromisoformat(s["last_attempt_at"]) >= since
        }
        if attempted >= set(syncing):
            return status  # type: ignore[no-any-return]
        if time.monotonic() > deadline:
            raise click.ClickException(
                _("the results sync had not run after %(seconds)s s", seconds=timeout)
            )
        time.sleep(0.5)
