"""Client commands about job openings: list them, and pause, close or reopen one."""

from __future__ import annotations

from typing import Any

import click

from adflux.cli.client import ApiClient
from adflux.cli.language import _, label, money, number, yes_no
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import Column, emit, print_json
from adflux.i18n.catalogs import N_

JOB_STATUSES = ["open", "paused", "closed"]


def _salary(job: dict[str, Any]) -> str:
    return f"{money(job['salary_min_cop'])} – {money(job['salary_max_cop'])}"


@click.command("view-jobs", help=N_("List job openings."))
@click.option(
    "--q",
    "search",
    help=N_("Only jobs whose title holds these words, e.g. --q 'auxiliar contable'."),
)
@click.option(
    "--status",
    type=click.Choice(JOB_STATUSES),
    help=N_("Only jobs in this status: open, paused or closed."),
)
@click.option("--city", help=N_("Only jobs in this city, e.g. Bogotá."))
@click.option("--area", help=N_("Only jobs in this area."))
@limit_option
@offset_option
@json_option
def view_jobs(
    search: str | None,
    status: str | None,
    city: str | None,
    area: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    page = ApiClient().get(
        "/api/v1/jobs", q=search, status=status, city=city, area=area, limit=limit, offset=offset
    )
    emit(
        page["items"],
        [
            Column(_("ID"), lambda r: r["id"]),
            Column(_("Title"), lambda r: r["title"]),
            Column(_("Company"), lambda r: r["company"], drop=2),
            Column(_("City"), lambda r: r["city"], drop=1),
            Column(_("Area"), lambda r: r["area"], drop=3),
            Column(_("Salary"), _salary, drop=4),
            Column(_("Status"), lambda r: label("job_status", r["status"])),
        ],
        as_json=as_json,
        title=_("Job openings"),
        empty=_("No job matches."),
        page=page,
    )


def _status_action(verb: str, help_text: str) -> click.Command:
    @click.command(f"{verb}-job", help=help_text)
    @click.argument("job_id", type=click.IntRange(1))
    @json_option
    def command(job_id: int, as_json: bool) -> None:
        change = ApiClient().post(f"/api/v1/jobs/{job_id}/{verb}")
        if as_json:
            print_json(change)
            return
        click.echo(
            _("job %(job)s: %(status)s", job=job_id, status=label("job_status", change["status"]))
        )
        paused = paused_line(change)
        if paused:
            click.echo(paused)
        for line in still_live_lines(change):
            click.echo(line, err=True)
        if change["campaigns_not_paused"]:
            raise click.ClickException(
                _(
                    "some campaigns could not be paused; run 'adflux %(verb)s-job %(job)s' again",
                    verb=verb,
                    job=str(job_id),
                )
            )

    return command


def paused_line(change: dict[str, Any]) -> str | None:
    """The campaigns a job's change (or a feed import) paused on every platform."""
    if not change["campaigns_paused"]:
        return None
    return _(
        "campaigns paused on every platform: %(campaigns)s",
        campaigns=", ".join(map(str, change["campaigns_paused"])),
    )


def still_live_lines(change: dict[str, Any]) -> list[str]:
    """The campaigns a job's change (or a feed import) could not pause, and where."""
    return [
        _(
            "campaign %(campaign)s is still live on %(reasons)s",
            campaign=campaign_id,
            reasons="; ".join(
                f"{label('platform', p)}: {', '.join(m)}" for p, m in platforms.items()
            ),
        )
        for campaign_id, platforms in change["campaigns_not_paused"].items()
    ]


pause_job = _status_action(
    "pause",
    N_("Put a job on hold: no new campaigns, its live campaigns paused on every platform."),
)
close_job = _status_action(
    "close", N_("Close a filled or withdrawn job: no new campaigns, live ones paused everywhere.")
)
reopen_job = _status_action(
    "reopen",
    N_(
        "Open a paused or closed job again; its campaigns stay paused until resumed "
        "(adflux campaign resume ID)."
    ),
)


@click.command(
    "view-audience",
    help=N_(
        "Who a job's campaigns aim at by default: its segments ranked by fit with the reasons, "
        "the places and keywords, and its own audience of the candidates most likely to apply."
    ),
)
@click.argument("job_id", type=click.IntRange(1))
@click.option(
    "--people",
    type=click.IntRange(1),
    help=N_("Size of the job's own audience to preview (default: the API's, 1000; 100 to 50000)."),
)
@json_option
def view_audience(job_id: int, people: int | None, as_json: bool) -> None:
    audience = ApiClient().get(f"/api/v1/jobs/{job_id}/audience", people=people)
    if as_json:
        print_json(audience)
        return
    emit(
        audience["segments"],
        [
            Column(_("ID"), lambda s: s["segment_id"]),
            Column(_("Segment"), lambda s: s["name"]),
            Column(_("Fit"), lambda s: number(s["score"], decimals=2), drop=2),
            Column(_("Reach"), lambda s: number(s["reach"]), drop=1),
            Column(_("Fits"), lambda s: yes_no(s["fits"])),
            Column(_("Why"), lambda s: "; ".join(r["message"] for r in s["reasons"][:2])),
        ],
        as_json=False,
        title=_("Audience of job %(job)s: segments, best fit first", job=str(job_id)),
        empty=_("No segment to rank: train a segmentation with: adflux segment train"),
    )
    if audience.get("no_fit_reason"):
        click.echo(_("no segment recommended: %(why)s", why=audience["no_fit_reason"]["message"]))
    places = audience.get("places") or {}
    if places.get("country_wide"):
        click.echo(_("places: the whole country"))
    for place in places.get("cities") or []:
        click.echo(_("place: %(place)s", place=place["reason"]["message"]))
    if audience.get("keywords"):
        click.echo(_("keywords: %(keywords)s", keywords=", ".join(audience["keywords"])))
    own = audience.get("people")
    if own:
        why = "; ".join(r["message"] for r in own["reasons"][:2])
        click.echo(
            _(
                "own audience: %(reach)s candidates fit (up to %(size)s were asked for)",
                reach=own["reach"],
                size=own["size"],
            )
            + (f": {why}" if own["reach"] else "")
        )
        if own.get("warning"):
            click.echo(_("warning: %(warning)s", warning=own["warning"]["message"]))
