"""Client commands about candidates. Names, e-mails and phones come masked unless the token is
granted personal data and the command says why (--reveal --purpose), as the API rules."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click

from adflux.cli.client import ApiClient
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import cop, emit, print_json


def reveal_options(command: Any) -> Any:
    """--reveal and --purpose: read personal data unmasked, saying why (audited)."""
    command = click.option(
        "--purpose",
        help="Why you read the personal data (10 to 300 characters); kept in the audit log.",
    )(command)
    return click.option(
        "--reveal",
        is_flag=True,
        help="Show names, e-mails and phones unmasked (needs a token granted personal data "
        "and --purpose; the read is audited).",
    )(command)


def _reveal_params(reveal: bool, purpose: str | None) -> dict[str, Any]:
    if not reveal:
        if purpose is not None:
            raise click.UsageError("--purpose goes with --reveal")
        return {}
    if purpose is None:
        raise click.UsageError("--reveal needs --purpose: say why you read the personal data")
    return {"reveal": "true", "purpose": purpose}


@click.command("view-candidates")
@click.option("--segment-id", type=click.IntRange(1), help="Only candidates of this segment.")
@click.option("--city", help="Only candidates in this city.")
@click.option("--area", help="Only candidates of this area.")
@limit_option
@offset_option
@json_option
@reveal_options
def view_candidates(
    segment_id: int | None,
    city: str | None,
    area: str | None,
    limit: int,
    offset: int,
    as_json: bool,
    reveal: bool,
    purpose: str | None,
) -> None:
    """List candidates, optionally those of one segment (names, e-mails and phones masked
    unless --reveal)."""
    page = ApiClient().get(
        "/api/v1/candidates",
        segment_id=segment_id,
        city=city,
        area=area,
        limit=limit,
        offset=offset,
        **_reveal_params(reveal, purpose),
    )
    emit(
        page["items"],
        [
            ("ID", lambda r: r["id"]),
            ("Nombre", lambda r: r["full_name"]),
            ("Correo", lambda r: r["email"]),
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
    """Show, export, correct, withdraw consent for, or erase candidates."""


@candidate_group.command("show")
@click.argument("candidate_id", type=click.IntRange(1))
@reveal_options
@json_option
def show_candidate(candidate_id: int, reveal: bool, purpose: str | None, as_json: bool) -> None:
    """Show one candidate (names, e-mails and phones masked unless --reveal)."""
    candidate = ApiClient().get(
        f"/api/v1/candidates/{candidate_id}", **_reveal_params(reveal, purpose)
    )
    if as_json:
        print_json(candidate)
        return
    experience = candidate["years_experience"]
    for label, value in (
        ("Candidato", candidate["id"]),
        ("Nombre", candidate["full_name"]),
        ("Correo", candidate["email"]),
        ("Teléfono", candidate["phone"] or "-"),
        ("Edad", candidate["age"]),
        ("Ciudad", f"{candidate['city']} ({candidate['department']})"),
        ("Área", candidate["area"]),
        ("Educación", candidate["education_level"]),
        ("Experiencia", "-" if experience is None else f"{experience:g} años"),
        ("Aspiración", cop(candidate["desired_salary_cop"])),
        ("Consentimiento", "sí" if candidate["marketing_consent"] else "no"),
        ("Datos personales", "visibles" if candidate["personal_data"] == "revealed" else "ocultos"),
    ):
        click.echo(f"{label + ':':<18}{value}")


@candidate_group.command("export")
@click.option(
    "--purpose",
    required=True,
    help="Why the personal data leaves AdFlux (10 to 300 characters); kept in the audit log.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="CSV file to write (replaced only once the whole export has arrived).",
)
@click.option("--segment-id", type=click.IntRange(1), help="Only candidates of this segment.")
@click.option("--city", help="Only candidates in this city.")
@click.option("--area", help="Only candidates of this area.")
@click.option(
    "--consenting/--any-consent",
    default=True,
    show_default=True,
    help="Only candidates who accepted marketing (default), or all of them.",
)
def export_candidates(
    purpose: str,
    output: Path,
    segment_id: int | None,
    city: str | None,
    area: str | None,
    consenting: bool,
) -> None:
    """Export candidates with their personal data as CSV (needs a token granted personal data;
    audited: who, which candidates, why)."""
    size = ApiClient(timeout=300.0).download(
        "/api/v1/candidates/export",
        output,
        purpose=purpose,
        segment_id=segment_id,
        city=city,
        area=area,
        consenting="true" if consenting else None,
    )
    with output.open(encoding="utf-8", newline="") as written:
        rows = sum(1 for _ in csv.reader(written)) - 1  # a quoted field may hold a line break
    click.echo(f"{rows} candidate(s) written to {output} ({size:,} bytes); the export is audited")


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
