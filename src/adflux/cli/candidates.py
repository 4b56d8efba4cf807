"""Client commands about candidates."""

from __future__ import annotations

import click

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit, print_json


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


@click.group("candidate")
def candidate_group() -> None:
    """Correct, withdraw consent for, or erase one candidate."""


@candidate_group.command("update")
@click.argument("candidate_id", type=click.IntRange(1))
@click.option("--email", help="New email (stored trimmed and lower-cased).")
@click.option("--phone", help="New phone, e.g. '300 123 4567'.")
@click.option("--city", help="New city.")
@click.option(
    "--consent/--no-consent",
    "marketing_consent",
    default=None,
    help="Give or withdraw marketing consent (withdrawing removes them from every audience).",
)
@json_option
def update_candidate(
    candidate_id: int,
    email: str | None,
    phone: str | None,
    city: str | None,
    marketing_consent: bool | None,
    as_json: bool,
) -> None:
    """Change some fields of a candidate."""
    changes = {
        name: value
        for name, value in (
            ("email", email),
            ("phone", phone),
            ("city", city),
            ("marketing_consent", marketing_consent),
        )
        if value is not None
    }
    if not changes:
        raise click.UsageError("nothing to change: give at least one option")
    candidate = ApiClient().patch(f"/api/v1/candidates/{candidate_id}", changes)
    if as_json:
        print_json(candidate)
        return
    consent = "sí" if candidate["marketing_consent"] else "no"
    click.echo(f"candidate {candidate_id} updated (consentimiento: {consent})")


@candidate_group.command("delete")
@click.argument("candidate_id", type=click.IntRange(1))
@click.confirmation_option(prompt="Erase this candidate and remove them from every audience?")
def delete_candidate(candidate_id: int) -> None:
    """Erase a candidate on request (Ley 1581 de 2012) and remove them from every audience."""
    ApiClient().delete(f"/api/v1/candidates/{candidate_id}")
    click.echo(f"candidate {candidate_id} erased; removal from platform audiences queued")
