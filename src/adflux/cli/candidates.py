"""Client commands about candidates. Names, e-mails and phones come masked unless the token is
granted personal data and the command says why (--reveal --purpose), as the API rules."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click

from adflux.cli.client import ApiClient
from adflux.cli.language import _, label, money, ngettext, number, yes_no
from adflux.cli.options import json_option, limit_option, offset_option
from adflux.cli.output import Column, emit, print_json
from adflux.i18n.catalogs import N_


def reveal_options(command: Any) -> Any:
    """--reveal and --purpose: read personal data unmasked, saying why (audited)."""
    command = click.option(
        "--purpose",
        help=N_("Why you read the personal data (10 to 300 characters); kept in the audit log."),
    )(command)
    return click.option(
        "--reveal",
        is_flag=True,
        help=N_(
            "Show names, e-mails and phones unmasked (needs a token granted personal data "
            "and --purpose; the read is audited)."
        ),
    )(command)


def _reveal_params(reveal: bool, purpose: str | None) -> dict[str, Any]:
    if not reveal:
        if purpose is not None:
            raise click.UsageError(_("--purpose goes with --reveal"))
        return {}
    if purpose is None:
        raise click.UsageError(_("--reveal needs --purpose: say why you read the personal data"))
    return {"reveal": "true", "purpose": purpose}


@click.command(
    "view-candidates",
    help=N_(
        "List candidates, optionally those of one segment (names, e-mails and phones masked "
        "unless --reveal)."
    ),
)
@click.option("--segment-id", type=click.IntRange(1), help=N_("Only candidates of this segment."))
@click.option("--city", help=N_("Only candidates in this city."))
@click.option("--area", help=N_("Only candidates of this area."))
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
            Column(_("ID"), lambda r: r["id"]),
            Column(_("Name"), lambda r: r["full_name"]),
            Column(_("E-mail"), lambda r: r["email"], drop=3),
            Column(_("Age"), lambda r: r["age"], drop=5),
            Column(_("City"), lambda r: r["city"]),
            Column(_("Area"), lambda r: r["area"], drop=4),
            Column(_("Education"), lambda r: label("education", r["education_level"]), drop=6),
            Column(_("Experience"), lambda r: _years(r["years_experience"]), drop=7),
            Column(_("Desired salary"), lambda r: money(r["desired_salary_cop"]), drop=2),
            Column(_("Consent"), lambda r: yes_no(r["marketing_consent"]), drop=1),
        ],
        as_json=as_json,
        title=_("Candidates"),
        empty=_("No candidate matches."),
        page=page,
    )


def _years(value: float | None) -> str | None:
    if value is None:
        return None
    return ngettext(
        "%(years)s year", "%(years)s years", 1 if value == 1 else 2, years=number(value)
    )


@click.group(
    "candidate",
    help=N_("Show, export, correct, withdraw consent for, or erase candidates."),
)
def candidate_group() -> None:
    pass


@candidate_group.command(
    "show", help=N_("Show one candidate (names, e-mails and phones masked unless --reveal).")
)
@click.argument("candidate_id", type=click.IntRange(1))
@reveal_options
@json_option
def show_candidate(candidate_id: int, reveal: bool, purpose: str | None, as_json: bool) -> None:
    candidate = ApiClient().get(
        f"/api/v1/candidates/{candidate_id}", **_reveal_params(reveal, purpose)
    )
    if as_json:
        print_json(candidate)
        return
    revealed = candidate["personal_data"] == "revealed"
    fields = (
        (_("Candidate"), candidate["id"]),
        (_("Name"), candidate["full_name"]),
        (_("E-mail"), candidate["email"]),
        (_("Phone"), candidate["phone"] or "—"),
        (_("Age"), candidate["age"]),
        (_("City"), f"{candidate['city']} ({candidate['department']})"),
        (_("Area"), candidate["area"]),
        (_("Education"), label("education", candidate["education_level"])),
        (_("Experience"), _years(candidate["years_experience"]) or "—"),
        (_("Desired salary"), money(candidate["desired_salary_cop"])),
        (_("Consent"), yes_no(candidate["marketing_consent"])),
        (_("Personal data"), _("shown") if revealed else _("masked")),
    )
    width = max(len(name) for name, _value in fields) + 2
    for name, value in fields:
        click.echo(f"{name + ':':<{width}}{value}")


@candidate_group.command(
    "export",
    help=N_(
        "Export candidates with their personal data as CSV (needs a token granted personal "
        "data; audited: who, which candidates, why)."
    ),
)
@click.option(
    "--purpose",
    required=True,
    help=N_("Why the personal data leaves AdFlux (10 to 300 characters); kept in the audit log."),
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help=N_("CSV file to write (replaced only once the whole export has arrived)."),
)
@click.option("--segment-id", type=click.IntRange(1), help=N_("Only candidates of this segment."))
@click.option("--city", help=N_("Only candidates in this city."))
@click.option("--area", help=N_("Only candidates of this area."))
@click.option(
    "--consenting/--any-consent",
    default=True,
    show_default=True,
    help=N_("Only candidates who accepted marketing (default), or all of them."),
)
def export_candidates(
    purpose: str,
    output: Path,
    segment_id: int | None,
    city: str | None,
    area: str | None,
    consenting: bool,
) -> None:
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
    click.echo(
        ngettext(
            "%(count)s candidate written to %(file)s (%(size)s bytes); the export is audited",
            "%(count)s candidates written to %(file)s (%(size)s bytes); the export is audited",
            rows,
            file=str(output),
            size=size,
        )
    )


@candidate_group.command("update", help=N_("Change some fields of a candidate."))
@click.argument("candidate_id", type=click.IntRange(1))
@click.option("--email", help=N_("New e-mail (stored trimmed and lower-cased)."))
@click.option("--phone", help=N_("New phone, e.g. '300 123 4567'."))
@click.option("--city", help=N_("New city."))
@click.option(
    "--consent/--no-consent",
    "marketing_consent",
    default=None,
    help=N_("Give or withdraw marketing consent (withdrawing removes them from every audience)."),
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
        raise click.UsageError(_("nothing to change: give at least one option"))
    candidate = ApiClient().patch(f"/api/v1/candidates/{candidate_id}", changes)
    if as_json:
        print_json(candidate)
        return
    click.echo(
        _(
            "candidate %(candidate)s updated (consent: %(consent)s)",
            candidate=str(candidate_id),
            consent=yes_no(candidate["marketing_consent"]),
        )
    )


@candidate_group.command(
    "delete",
    help=N_("Erase a candidate on request (Ley 1581 de 2012) and remove them from every audience."),
)
@click.argument("candidate_id", type=click.IntRange(1))
@click.confirmation_option(prompt=N_("Erase this candidate and remove them from every audience?"))
def delete_candidate(candidate_id: int) -> None:
    ApiClient().delete(f"/api/v1/candidates/{candidate_id}")
    click.echo(
        _(
            "candidate %(candidate)s erased; removal from platform audiences queued",
            candidate=str(candidate_id),
        )
    )
