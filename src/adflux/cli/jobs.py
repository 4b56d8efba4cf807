"""Client commands about job openings."""

from __future__ import annotations

import click

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit


@click.command("view-jobs")
@click.option("--status", type=click.Choice(["open", "closed"]), help="Only jobs in this status.")
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
