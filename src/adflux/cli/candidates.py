"""Client commands about candidates."""

from __future__ import annotations

import click

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit


@click.command("view-candidates")
@click.option("--segment-id", type=click.IntRange(1), help="Only candidates of this segment.")
@click.option("--city", help="Only candidates in this city.")
@click.option("--area", help="Only candidates of this area.")
@limit_option
@offset_option
@json_option
def view_candidates(
    segment_id: int | None,
    city: str | None,
    area: str | None,
    limit: int,
    offset: int,
    as_json: bool,
) -> None:
    """List candidates, optionally those of one segment."""
    page = ApiClient().get(
        "/api/v1/candidates",
        segment_id=segment_id,
        city=city,
        area=area,
        limit=limit,
        offset=offset,
    )
    emit(
        page["items"],
        [
            ("ID", lambda r: r["id"]),
            ("Nombre", lambda r: r["full_name"]),
            ("Edad", lambda r: r["age"]),
            ("Ciudad", lambda r: r["city"]),
            ("Área", lambda r: r["area"]),
            ("Educación", lambda r: r["education_level"]),
            ("Experiencia", lambda r: r["years_experience"]),
            ("Aspiración", lambda r: cop(r["desired_salary_cop"])),
            ("Consentimiento", lambda r: "sí" if r["marketing_consent"] else "no"),
        ],
        as_json=as_json,
        title="Candidatos",
        total=page["total"],
    )
