"""Client commands about job openings: list them, and pause, close or reopen one."""

from __future__ import annotations

import click

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit, print_json

JOB_STATUSES = ["open", "paused", "closed"]


@click.command("view-jobs")
@click.option("--status", type=click.Choice(JOB_STATUSES), help="Only jobs in this status.")
@click.option("--city", help="Only jobs in this city, e.g. Bogotá.")
@click.option("--area", help="Only jobs in this area.")
@limit_option
@offset_option
@json_option
def view_jobs(
    status: str | None, city: str | None, area: str | None, limit: int, offset: int, as_json: bool
) -> None:
    """List job openings."""
    page = ApiClient().get(
        "/api/v1/jobs", status=status, city=city, area=area, limit=limit, offset=offset
    )
    emit(
        page["items"],
        [
            ("ID", lambda r: r["id"]),
            ("Título", lambda r: r["title"]),
            ("Empresa", lambda r: r["company"]),
            ("Ciudad", lambda r: r["city"]),
            ("Área", lambda r: r["area"]),
            ("Salario (COP)", lambda r: f"{cop(r['salary_min_cop'])} – {cop(r['salary_max_cop'])}"),
            ("Estado", lambda r: r["status"]),
        ],
        as_json=as_json,
        title="Vacantes",
        total=page["total"],
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
        click.echo(f"job {job_id}: {change['status']}")
        if change["campaigns_paused"]:
            paused = ", ".join(map(str, change["campaigns_paused"]))
            click.echo(f"campaigns paused on every platform: {paused}")
        if change["campaigns_not_paused"]:
            for campaign_id, platforms in change["campaigns_not_paused"].items():
                reasons = "; ".join(f"{p}: {', '.join(m)}" for p, m in platforms.items())
                click.echo(f"campaign {campaign_id} is still live on {reasons}", err=True)
            raise click.ClickException(
                f"some campaigns could not be paused; run 'adflux {verb}-job {job_id}' again"
            )

    return command


pause_job = _status_action(
    "pause", "Put a job on hold: no new campaigns, its live campaigns paused on every platform."
)
close_job = _status_action(
    "close", "Close a filled or withdrawn job: no new campaigns, live ones paused everywhere."
)
reopen_job = _status_action(
    "reopen",
    "Open a paused or closed job again; its campaigns stay paused until resumed "
    "(adflux campaign resume ID).",
)


@click.command("view-audience")
@click.argument("job_id", type=click.IntRange(1))
@click.option(
    "--people",
    type=click.IntRange(1),
    help="Size of the job's own audience to preview (default: the API's, 1000; 100 to 50000).",
)
@json_option
def view_audience(job_id: int, people: int | None, as_json: bool) -> None:
    """Who a job's campaigns aim at by default: its segments ranked by fit with the reasons, the
    places and keywords, and its own audience of the candidates most likely to apply."""
    audience = ApiClient().get(f"/api/v1/jobs/{job_id}/audience", people=people)
    if as_json:
        print_json(audience)
        return
    emit(
        audience["segments"],
        [
            ("ID", lambda s: s["segment_id"]),
            ("Segmento", lambda s: s["name"]),
            ("Afinidad", lambda s: f"{s['score']:.2f}".replace(".", ",")),
            ("Alcance", lambda s: f"{s['reach']:,}".replace(",", ".")),
            ("Encaja", lambda s: "sí" if s["fits"] else "no"),
            ("Por qué", lambda s: "; ".join(r["message_es"] for r in s["reasons"][:2])),
        ],
        as_json=False,
        title=f"Audiencia de la vacante {job_id}: segmentos, del más afín al menos",
    )
    if audience.get("no_fit_reason"):
        click.echo(f"sin segmento recomendado: {audience['no_fit_reason']['message_es']}")
    places = audience.get("places") or {}
    if places.get("country_wide"):
        click.echo("lugares: todo el país")
    for place in places.get("cities") or []:
        click.echo(f"lugar: {place['reason']['message_es']}")
    if audience.get("keywords"):
        click.echo("palabras clave: " + ", ".join(audience["keywords"]))
    own = audience.get("people")
    if own:
        reach = f"{own['reach']:,}".replace(",", ".")
        size = f"{own['size']:,}".replace(",", ".")
        why = "; ".join(r["message_es"] for r in own["reasons"][:2])
        click.echo(
            f"audiencia propia: {reach} candidatos encajan (se pidieron hasta {size})"
            + (f": {why}" if own["reach"] else "")
        )
        if own.get("warning"):
            click.echo(f"advertencia: {own['warning']['message_es']}")
