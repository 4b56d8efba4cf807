"""Client commands about results: view-results (table, JSON, CSV) and sync-results."""

from __future__ import annotations

import csv
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option
from adflux.cli.output import cop, print_json

PAGE = 200  # the API's largest page: every row is fetched, page by page

# Spanish headers, as the other tables; the keys are the API's (and the CSV's) names.
KEY_COLUMNS = {
    "campaign": [("Campaña", "campaign_id")],
    "platform": [("Plataforma", "platform")],
    "segment": [("Segmentos", "segments"), ("Postulaciones por segmento", "segment_applications")],
    "job": [("Vacante", "job_id")],
    "day": [("Día", "day")],
}
FIGURE_COLUMNS = [
    ("Impresiones", "impressions"),
    ("Clics", "clicks"),
    ("Inversión", "spend_cop"),
    ("Postulaciones", "applications"),
    ("CTR", "ctr"),
    ("CPC", "cpc_cop"),
    ("Tasa de postulación", "apply_rate"),
    ("Costo por postulación", "cost_per_application_cop"),
]


def _date(value: datetime | None) -> str | None:
    return value.date().isoformat() if value else None


@click.command(
    "view-results",
    epilog=(
        "Grouped by segment, a row is a campaign's segment set: a campaign aimed at several "
        "segments shows one shared row (its ad reached them together, so its spend is not split); "
        "its applications are split by the applicant's segment."
    ),
)
@click.option("--campaign", "campaign_id", type=click.IntRange(1), help="Only this campaign.")
@click.option(
    "--by",
    help="Group by: platform, segment, day (with --campaign), or also campaign, job; "
    "comma-separated, e.g. platform,day. Default: platform with --campaign, else campaign.",
)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--platform", help="Only this platform (without --campaign).")
@click.option("--job-id", type=click.IntRange(1), help="Only this job's campaigns.")
@click.option("--segment-id", type=click.IntRange(1), help="Only campaigns aimed at this segment.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write every row to this CSV file (UTF-8, the API's column names).",
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
    """Impressions, clicks, spend, applications, CTR, CPC, apply rate and cost per
    application (COP, Bogotá days), with totals."""
    params: dict[str, Any] = {"since": _date(since), "until": _date(until)}
    if campaign_id is not None:
        if platform or job_id or segment_id:
            raise click.UsageError("--platform, --job-id and --segment-id go without --campaign")
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
    title = f"Resultados · campaña {campaign_id}" if campaign_id else "Resultados"
    Console().print(_table(title, columns, items, body["totals"]))
    if csv_path is not None:
        click.echo(f"{len(items)} rows written to {csv_path}")


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key in ("spend_cop", "cpc_cop", "cost_per_application_cop"):
        return cop(value)
    if key in ("ctr", "apply_rate"):
        return f"{value * 100:.2f} %".replace(".", ",")  # Spanish decimal comma
    if key == "segments":
        if not value:
            return "sin segmentos"
        return ", ".join(map(str, value)) + (" (compartido)" if len(value) > 1 else "")
    if key == "segment_applications":
        return ", ".join(f"{s['segment_id'] or 'sin segmento'}: {s['applications']}" for s in value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def _table(
    title: str, columns: list[tuple[str, str]], items: list[dict[str, Any]], totals: dict[str, Any]
) -> Table:
    table = Table(title=title, show_footer=True)
    keys = [key for _, key in columns]
    first_figure = keys.index("impressions")
    for index, (header, key) in enumerate(columns):
        footer = "Total" if index == 0 else (_cell(key, totals[key]) if key in totals else "")
        justify = "right" if index >= first_figure else "left"
        table.add_column(header, footer=footer, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for item in items:
        table.add_row(*(_cell(key, item.get(key)) for key in keys))
    return table


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


@click.command("sync-results")
@click.option("--platform", help="Only this platform (default: every platform).")
@click.option("--wait", is_flag=True, help="Wait until every platform's sync has run.")
@click.option(
    "--timeout", type=click.IntRange(1), default=300, show_default=True, help="--wait limit (s)."
)
@json_option
def sync_results(platform: str | None, wait: bool, timeout: int, as_json: bool) -> None:
    """Pull every platform's latest daily figures now (the worker also does it every 15 min)."""
    client = ApiClient()
    path = "/api/v1/results/sync" + (f"?platform={platform}" if platform else "")
    status = client.post(path)
    if wait:
        status = _wait(client, status["requested_at"], status["syncing"], timeout=timeout)
    if as_json:
        print_json(status)
        return
    if not wait:
        click.echo("results sync queued; follow it with: adflux sync-results --wait")
    for state in status["platforms"]:
        outcome = f"error: {state['last_error']}" if state["last_error"] else "ok"
        click.echo(f"{state['platform']}: {outcome} (last success {state['last_success_at']})")


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
            raise click.ClickException(f"the results sync had not run after {timeout} s")
        time.sleep(0.5)
