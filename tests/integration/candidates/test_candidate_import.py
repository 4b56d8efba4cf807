"""Importing candidate files into PostgreSQL (COPY into a temporary table, then INSERT ... ON
CONFLICT and UPDATE) and into SQLite (executemany): upserts, refusals, batches and their effects on
segments and audiences."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import count_rows
from tests.factories import make_active_segment, make_candidate

from adflux.audiences.models import AudienceMember, MemberState
from adflux.audiences.service import REMOVAL_TASK
from adflux.candidates import import_writing, imports
from adflux.candidates.import_reading import FileRefused
from adflux.candidates.models import Candidate, CandidateImport
from adflux.extensions import db
from adflux.i18n.messages import from_stored

FIXTURES = Path(__file__).parents[2] / "fixtures" / "candidate_imports"
HEADER = (
    "external_ref,full_name,email,phone,age,city,department,education_level,area,"
    "remote_preference,marketing_consent"
)


@pytest.fixture(params=["postgres", "sqlite"])
def database(request) -> str:
    """Each test on PostgreSQL and on SQLite (the embedded default)."""
    request.getfixturevalue("app" if request.param == "postgres" else "sqlite_app")
    return request.param


def run_import(data: bytes | Path, *, batch_rows: int = 1000, filename: str = "c.csv"):
    if isinstance(data, Path):
        filename, data = data.name, data.read_bytes()
    return imports.import_candidates(
        db_session=db.session, stream=io.BytesIO(data), filename=filename, batch_rows=batch_rows
    )


def report_rows(record: CandidateImport, language: str = "en") -> list[tuple[int, str, str]]:
    """The report's rows, each reason (stored as a message) as a reader of `language` reads it."""
    path = imports.report_file(record)
    assert path is not None
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "field", "reason"]
    assert [row[:2] for row in rows[1:]] == [[line, f] for line, f, _ in imports.read_report(path)]
    return [
        (int(line), field, from_stored(reason).render(language)) for line, field, reason in rows[1:]
    ]


def row(ref: str, email: str, *, city: str = "Bogotá", consent: str = "si", **cells: str) -> str:
    values = {
        "external_ref": ref,
        "full_name": cells.get("full_name", "Ana Pérez"),
        "email": email,
        "phone": cells.get("phone", "300 123 4567"),
        "age": cells.get("age", "30"),
        "city": city,
        "department": "Cundinamarca",
        "education_level": "profesional",
        "area": "Tecnología",
        "remote_preference": "remoto",
        "marketing_consent": consent,
    }
    return ",".join(values[name] for name in HEADER.split(",")) + "\n"


def test_an_excel_export_is_imported_and_summarised(database):
    record = run_import(FIXTURES / "excel_semicolon_bom_crlf.csv")

    assert (record.status, record.added, record.updated, record.refused) == ("done", 3, 0, 0)
    assert record.filename == "excel_semicolon_bom_crlf.csv"
    ana = db.session.scalar(sa.select(Candidate).where(Candidate.external_ref == "MAG-001"))
    assert ana.email == "ana.perez@hotmail.com"
    assert (ana.education_level, ana.remote_preference) == ("profesional", "hibrido")
    assert ana.languages == ["es", "en"] and ana.marketing_consent is True
    assert ana.years_experience == 4.5
    assert report_rows(record) == []
    summary_path = imports.report_file(record).with_name(f"candidates-{record.id}.json")
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert (summary["added"], summary["refused"], summary["status"]) == (3, 0, "done")


def test_importing_the_same_file_twice_changes_nothing(database):
    first = run_import(FIXTURES / "excel_semicolon_bom_crlf.csv")
    stamps = dict(db.session.execute(sa.select(Candidate.id, Candidate.updated_at)).all())

    second = run_import(FIXTURES / "excel_semicolon_bom_crlf.csv")

    assert (first.added, second.added, second.updated, second.unchanged) == (3, 0, 0, 3)
    db.session.expire_all()
    assert dict(db.session.execute(sa.select(Candidate.id, Candidate.updated_at)).all()) == stamps


def test_bad_rows_are_reported_by_line_field_and_reason_and_the_rest_imported(database):
    record = run_import(FIXTURES / "bad_rows.csv")

    assert (record.added, record.refused, record.rows_read) == (3, 7, 10)
    reported = report_rows(record)
    assert sorted({line for line, _field, _reason in reported}) == [3, 4, 5, 6, 7, 8, 12]
    assert (
        3,
        "marketing_consent",
        "empty: every row must say sí or no; consent is never assumed",
    ) in reported
    assert (8, "row", "4 cells where the header has 16 columns (delimiter ',')") in reported
    in_spanish = report_rows(record, "es")
    assert (
        3,
        "marketing_consent",
        "vacío: cada fila debe decir sí o no; el consentimiento nunca se supone",
    ) in in_spanish
    assert (
        8,
        "row",
        "4 celdas donde el encabezado tiene 16 columnas (separador ',')",
    ) in in_spanish
    assert count_rows(Candidate) == 3
    no_ref = db.session.scalar(sa.select(Candidate).where(Candidate.email == "sin.ref@gmail.com"))
    assert no_ref.external_ref.startswith("cand-")  # given one, as the API does


def test_one_person_twice_in_a_file_is_one_candidate(database):
    record = run_import(FIXTURES / "duplicate_emails.csv", batch_rows=1)

    assert (record.added, record.refused) == (2, 2)
    assert [line for line, _f, _r in report_rows(record)] == [3, 5]
    assert db.session.scalars(sa.select(Candidate.email).order_by(Candidate.email)).all() == [
        "marta.diaz@gmail.com",
        "pedro.gil@gmail.com",
    ]


def test_rows_update_their_candidate_by_external_ref_or_else_by_email(database):
    by_ref = make_candidate(external_ref="R-1", email="uno@x.co", city="Cali")
    by_email = make_candidate(external_ref="API-7", email="dos@x.co", city="Cali")
    other = make_candidate(external_ref="R-3", email="tres@x.co")
    fourth = make_candidate(external_ref="R-4", email="cuatro@x.co", city="Cali")
    db.session.commit()
    before = {c.id: c.updated_at for c in (by_ref, by_email, other, fourth)}
    data = (
        HEADER
        + "\n"
        + "".join(
            [
                row("R-1", "uno@x.co", city="Pasto"),
                row("MAG-2", "DOS@x.co", city="Pasto"),  # another system's ref: found by email
                row("R-1-bis", "tres@x.co", city="Pasto", full_name="Otra Persona"),
                row("R-3", "uno.nuevo@x.co", city="Pasto"),  # R-3 again, by its ref
                row("R-9", "cuatro@x.co", city="Pasto"),
                row("R-4", "cuatro.otro@x.co", city="Pasto"),  # R-4 again, by its ref
                row("NEW-1", "nuevo@x.co"),
            ]
        )
    )

    record = run_import(data.encode())

    db.session.expire_all()
    assert (record.added, record.updated, record.unchanged, record.refused) == (1, 4, 0, 2)
    assert db.session.get(Candidate, by_ref.id).city == "Pasto"
    moved = db.session.get(Candidate, by_email.id)
    assert (moved.city, moved.external_ref) == ("Pasto", "API-7")  # the stored ref stays
    third = db.session.get(Candidate, other.id)
    assert (third.full_name, third.email) == ("Otra Persona", "tres@x.co")
    assert report_rows(record) == [
        (5, "external_ref", "reaches the same candidate as line 4; the earlier row is used"),
        (7, "external_ref", "reaches the same candidate as line 6; the earlier row is used"),
    ]
    for candidate_id, stamp in before.items():
        # Changed: the audience refresh compares this with what it last sent.
        assert db.session.get(Candidate, candidate_id).updated_at > stamp


def test_a_file_without_the_consent_column_writes_nothing(database):
    with pytest.raises(FileRefused) as refused:
        run_import(FIXTURES / "no_consent_column.csv")

    assert refused.value.status == 422 and "marketing_consent" in refused.value.fields
    assert count_rows(CandidateImport) == 0 and count_rows(Candidate) == 0


def _refuse_city(database: str, city: str) -> None:
    """Make the database itself refuse a city the validation accepts (a failing batch)."""
    if database == "postgres":
        db.session.execute(
            sa.text(f"ALTER TABLE candidates ADD CONSTRAINT test_no_city CHECK (city <> '{city}')")
        )
    else:
        db.session.execute(
            sa.text(
                "CREATE TEMP TRIGGER test_no_city BEFORE INSERT ON candidates"
                f" WHEN NEW.city = '{city}' BEGIN SELECT RAISE(ABORT, 'no {city}'); END"
            )
        )


def test_a_batch_the_database_refuses_is_rolled_back_whole_and_the_rest_imported(database):
    _refuse_city(database, "Zzz")
    data = (
        HEADER
        + "\n"
        + "".join(
            [
                row("A-1", "a1@x.co"),
                row("A-2", "a2@x.co"),
                row("A-3", "a3@x.co"),  # same batch as A-4, which the database refuses
                row("A-4", "a4@x.co", city="Zzz"),
                row("A-5", "a5@x.co"),
            ]
        )
    )

    record = run_import(data.encode(), batch_rows=2)

    assert (record.added, record.refused, record.failed_batches) == (3, 2, 1)
    refs = db.session.scalars(sa.select(Candidate.external_ref).order_by(Candidate.id)).all()
    assert refs == ["A-1", "A-2", "A-5"]
    reported = report_rows(record)
    assert [(line, field) for line, field, _reason in reported] == [(4, "row"), (5, "row")]
    assert "the batch of lines 4-5 was rolled back" in reported[0][2]


def test_withdrawn_consent_marks_the_audience_hashes_for_removal(database, dispatcher):
    segment = make_active_segment(city="Bogotá", size=1, consents=(True,))
    member = db.session.scalars(sa.select(Candidate)).one()
    db.session.add(
        AudienceMember(
            platform="meta",
            external_audience_id="aud-1",
            candidate_id=member.id,
            email_sha256="e" * 64,
            phone_sha256=None,
            state=MemberState.SENT,
            attempts=0,
        )
    )
    db.session.commit()
    assert segment.id
    data = HEADER + "\n" + row(member.external_ref, member.email, consent="no")

    record = run_import(data.encode())

    assert (record.updated, record.refused) == (1, 0)
    states = db.session.scalars(
        sa.select(AudienceMember.state).where(AudienceMember.candidate_id == member.id)
    ).all()
    assert states and set(states) == {MemberState.REMOVING}
    assert [name for name, _args, _countdown in dispatcher.take()] == [REMOVAL_TASK]


def test_refs_with_quotes_and_backslashes_are_found_again(database):
    data = HEADER + "\n" + row('"MAG-7" \\ 1', "comillas@x.co").replace('"MAG-7"', '"""MAG-7"""')

    first = run_import(data.encode())
    second = run_import(data.encode())

    assert (first.added, second.added, second.unchanged) == (1, 0, 1)
    assert db.session.scalar(sa.select(Candidate.external_ref)) == '"MAG-7" \\ 1'


def test_an_unexpected_error_marks_the_import_failed_and_is_raised(database, monkeypatch):
    def broken(**_kwargs):
        raise RuntimeError("the segment model broke")

    monkeypatch.setattr(imports.assignment, "assign_candidates", broken)

    with pytest.raises(RuntimeError, match="the segment model broke"):
        run_import(FIXTURES / "excel_semicolon_bom_crlf.csv")

    record = db.session.scalars(sa.select(CandidateImport)).one()
    assert record.status == "failed" and "the segment model broke" in record.error
    assert record.finished_at is not None
    assert count_rows(Candidate) == 0  # its batch was never committed


def test_a_person_added_meanwhile_makes_the_batch_run_again(database, monkeypatch):
    # Another writer adds one of the batch's people between its match and its insert: the unique
    # index refuses the insert, the batch is rolled back whole and matched again.
    real_match = import_writing._match
    calls = []

    def match_then_race(connection, batch):
        found = real_match(connection, batch)
        calls.append(batch.lines)
        if len(calls) == 1:
            make_candidate(external_ref="OTRO-1", email="a2@x.co")
            db.session.flush()
        return found

    monkeypatch.setattr(import_writing, "_match", match_then_race)
    data = HEADER + "\n" + row("A-1", "a1@x.co") + row("A-2", "a2@x.co")

    record = run_import(data.encode())

    assert calls == [[2, 3], [2, 3]]
    assert (record.added, record.refused, record.failed_batches) == (2, 0, 0)
    assert report_rows(record) == []
