"""Reading and validating candidate files (candidates/import_reading.py, import_validation.py),
on fixtures shaped like real exports: Excel's CSV (BOM, ';', CRLF), bad rows, repeated people."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from adflux.candidates.import_reading import FileRefused, RowError, open_rows
from adflux.candidates.import_validation import SeenKeys, validate_batch

HEADER = (
    "full_name,email,age,city,department,education_level,area,remote_preference,marketing_consent"
)
FIXTURES = Path(__file__).parents[2] / "fixtures" / "candidate_imports"


def read_all(data: bytes, *, file_format: str = "csv", batch_rows: int = 1000):
    reader = open_rows(io.BytesIO(data), file_format=file_format, batch_rows=batch_rows)
    seen = SeenKeys()
    valid_lines, columns, errors = [], {}, []
    for raw in reader.batches():
        valid, problems = validate_batch(raw)
        valid, repeats = seen.refuse_repeats(valid)
        errors += problems + repeats
        valid_lines += valid.lines
        for name, values in valid.columns.items():
            columns.setdefault(name, []).extend(values)
    return reader, valid_lines, columns, in_english(errors)


def in_english(errors: list[RowError]) -> list[RowError]:
    """The errors by line and field, each reason (a message) as English reads it."""
    ordered = sorted(errors, key=lambda e: (e.line, e.field))
    return [RowError(e.line, e.field, str(e.reason)) for e in ordered]  # type: ignore[arg-type]


def test_an_excel_export_with_bom_semicolons_and_crlf_reads_cleanly():
    reader, lines, columns, errors = read_all(
        (FIXTURES / "excel_semicolon_bom_crlf.csv").read_bytes()
    )

    assert reader.header.delimiter == ";"
    assert errors == []
    assert lines == [2, 3, 4]
    # The BOM is not part of the first column's name, and the last cell carries no "\r".
    assert columns["external_ref"] == ["MAG-001", "MAG-002", "MAG-003"]
    assert columns["marketing_consent"] == [True, False, True]
    assert columns["full_name"][1:] == ["Ospina; Juan Carlos", 'Luisa "La Profe" Gómez']
    assert columns["email"][0] == "ana.perez@hotmail.com"
    assert columns["education_level"][0] == "profesional"
    assert columns["remote_preference"][0] == "hibrido"  # "Híbrido" as typed
    assert columns["years_experience"][0] == 4.5  # "4,5": a decimal comma
    assert columns["languages"] == [["es", "en"], ["es"], ["es", "en", "fr"]]
    assert columns["phone"][1] is None and columns["desired_salary_cop"][1] is None
    # A date without a time is that day in Colombia.
    assert columns["last_active_at"][1] == datetime(2026, 2, 11, 5, tzinfo=UTC)
    assert columns["last_active_at"][2] is None


def test_bad_rows_each_name_their_line_field_and_reason():
    _reader, lines, columns, errors = read_all((FIXTURES / "bad_rows.csv").read_bytes())

    by_line = {}
    for error in errors:
        by_line.setdefault(error.line, []).append(error)
    assert lines == [2, 10, 13]  # B-01, the two-line name (lines 10-11), the row without a ref
    assert columns["full_name"][1] == "Dirección en\ndos líneas"
    assert columns["external_ref"][2] is None
    assert [(e.field, e.reason) for e in by_line[3]] == [
        ("marketing_consent", "empty: every row must say sí or no; consent is never assumed")
    ]
    assert by_line[4][0].field == "marketing_consent" and "quizás" in by_line[4][0].reason
    assert [(e.field, e.reason) for e in by_line[5]] == [("age", "'doce' is not a whole number")]
    assert {e.field for e in by_line[6]} == {"age", "education_level", "remote_preference"}
    assert [e.field for e in by_line[7]] == ["email"]
    assert by_line[8] == [
        RowError(8, "row", "4 cells where the header has 16 columns (delimiter ',')")
    ]
    assert [e.field for e in by_line[12]] == ["last_active_at"]
    assert "no UTC offset" in by_line[12][0].reason
    assert set(by_line) == {3, 4, 5, 6, 7, 8, 12}  # line 9 is blank


@pytest.mark.parametrize("batch_rows", [1, 2, 1000])
def test_the_same_person_twice_keeps_the_first_row_whatever_the_batches(batch_rows):
    data = (FIXTURES / "duplicate_emails.csv").read_bytes()

    _reader, lines, columns, errors = read_all(data, batch_rows=batch_rows)

    assert lines == [2, 4]
    assert columns["email"] == ["marta.diaz@gmail.com", "pedro.gil@gmail.com"]
    assert errors == [
        RowError(
            3, "email", "the same email (compared lower-cased) as line 2; the earlier row is used"
        ),
        RowError(5, "external_ref", "the same external_ref as line 4; the earlier row is used"),
    ]


def test_a_file_without_the_consent_column_is_refused_whole():
    with pytest.raises(FileRefused) as refused:
        open_rows(
            io.BytesIO((FIXTURES / "no_consent_column.csv").read_bytes()),
            file_format="csv",
            batch_rows=10,
        )

    assert list(refused.value.fields) == ["marketing_consent"]
    assert "consent is never assumed" in refused.value.fields["marketing_consent"][0]


def test_every_missing_required_column_is_named():
    with pytest.raises(FileRefused) as refused:
        open_rows(
            io.BytesIO(b"email;marketing_consent\r\na@b.co;si\r\n"),
            file_format="csv",
            batch_rows=10,
        )

    assert set(refused.value.fields) == {
        "full_name",
        "age",
        "city",
        "department",
        "education_level",
        "area",
        "remote_preference",
    }


def test_headers_are_matched_without_case_or_spaces_and_unknown_columns_are_listed():
    data = (
        " Full_Name ,EMAIL,age,city,department,education_level,area,remote_preference,"
        "Marketing_Consent,notas,notas\n"
        "Ana,ana@x.co,30,Bogotá,Cundinamarca,bachiller,Ventas,remoto,NO,llamar,luego\n"
    ).encode()

    reader, lines, columns, errors = read_all(data)

    assert reader.header.ignored == ("notas", "notas")  # ignored, so it may repeat
    assert errors == [] and lines == [2]
    assert columns["marketing_consent"] == [False]


def test_a_repeated_column_or_an_empty_or_non_utf8_file_is_refused():
    with pytest.raises(FileRefused, match="repeats a column") as repeated:
        open_rows(io.BytesIO(b"email,EMAIL\n"), file_format="csv", batch_rows=10)
    assert list(repeated.value.fields) == ["email"]
    with pytest.raises(FileRefused, match="empty"):
        open_rows(io.BytesIO(b"\r\n"), file_format="csv", batch_rows=10)
    latin1 = "full_name;ciudad\nJosé;Bogotá\n".encode("latin-1")
    with pytest.raises(FileRefused, match="not UTF-8"):
        open_rows(io.BytesIO(latin1), file_format="csv", batch_rows=10)


def test_consent_is_read_strictly():
    header = HEADER + "\n"
    words = ["sí", "SI", "yes", "TRUE", "1", "t", "no", "No", "false", "0", "F", "n"]
    refused = ["quizá", "2", "ok", "x", "-", "nope"]
    body = "".join(
        f"P{i},p{i}@x.co,30,Cali,Valle,bachiller,Ventas,remoto,{word}\n"
        for i, word in enumerate(words + refused)
    )

    _reader, _lines, columns, errors = read_all((header + body).encode())

    assert columns["marketing_consent"] == [True] * 6 + [False] * 6
    assert [e.line for e in errors] == list(range(14, 20))
    assert {e.field for e in errors} == {"marketing_consent"}


def test_a_line_that_is_not_utf8_is_that_rows_error():
    header = HEADER.encode() + b"\n"
    good = b"".join(
        f"Ana,ana{i}@x.co,30,Cali,Valle,bachiller,Ventas,remoto,si\n".encode() for i in range(2000)
    )
    bad = "Jos\xe9,jose@x.co,30,Cali,Valle,bachiller,Ventas,remoto,si\n".encode("latin-1")

    # The first 64 KiB are UTF-8, so the file is read, and the one bad line is refused.
    _reader, lines, _columns, errors = read_all(header + good + bad)

    assert len(lines) == 2000
    assert errors == [RowError(2002, "full_name", "not UTF-8 text")]


def test_parquet_rows_are_validated_by_the_same_rules(tmp_path):
    table = pa.table(
        {
            "external_ref": ["PQ-1", "PQ-2", "PQ-3"],
            "full_name": ["Ana", "Beto", "Caro"],
            "email": ["Ana@X.co", "beto@x.co", "caro@x.co"],
            "age": pa.array([30, 31, 9], pa.int32()),
            "city": ["Cali"] * 3,
            "department": ["Valle del Cauca"] * 3,
            "education_level": ["tecnico"] * 3,
            "area": ["Salud"] * 3,
            "remote_preference": ["remoto"] * 3,
            "languages": [["es", "en"], [], None],
            "years_experience": [1.5, None, 2.0],
            "last_active_at": pa.array(
                [datetime(2026, 1, 2, 3, tzinfo=UTC), None, None], pa.timestamp("us", tz="UTC")
            ),
            "marketing_consent": [True, False, None],
        }
    )
    path = tmp_path / "c.parquet"
    pq.write_table(table, path)

    _reader, lines, columns, errors = read_all(
        path.read_bytes(), file_format="parquet", batch_rows=2
    )

    assert lines == [1, 2]
    assert columns["email"] == ["ana@x.co", "beto@x.co"]
    assert columns["languages"] == [["es", "en"], []]
    assert columns["years_experience"] == [1.5, None]
    assert columns["last_active_at"][0] == datetime(2026, 1, 2, 3, tzinfo=UTC)
    assert columns["marketing_consent"] == [True, False]
    assert {(e.line, e.field) for e in errors} == {(3, "age"), (3, "marketing_consent")}


def test_a_parquet_file_without_consent_is_refused(tmp_path):
    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"full_name": ["Ana"], "email": ["a@x.co"]}), path)

    with path.open("rb") as stream, pytest.raises(FileRefused) as refused:
        open_rows(stream, file_format="parquet", batch_rows=10)

    assert "marketing_consent" in refused.value.fields


def test_a_reason_reads_in_spanish_too():
    reader = open_rows(
        io.BytesIO((FIXTURES / "bad_rows.csv").read_bytes()), file_format="csv", batch_rows=1000
    )
    errors = [e for raw in reader.batches() for e in validate_batch(raw)[1]]
    by_line = {(e.line, e.field): e.reason for e in errors}

    assert by_line[5, "age"].render("es") == "'doce' no es un número entero"
    assert by_line[8, "row"].render("es") == (
        "4 celdas donde el encabezado tiene 16 columnas (separador ',')"
    )
    assert (
        by_line[6, "remote_preference"]
        .render("es")
        .endswith("no es ninguno de estos: presencial, hibrido o remoto")
    )
