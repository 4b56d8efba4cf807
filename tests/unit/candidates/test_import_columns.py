"""The vectorised checks of a candidate file (candidates/import_columns.py) against the per-row
rules (import_validation.py): the same rows kept, the same values, the same errors."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adflux.candidates import import_columns
from adflux.candidates.import_columns import python_values, refuse_repeats, validate_columns
from adflux.candidates.import_reading import RawBatch, RowError, open_rows
from adflux.candidates.import_validation import SeenKeys, validate_batch

FIXTURES = Path(__file__).parents[2] / "fixtures" / "candidate_imports"
HEADER = (
    "external_ref;full_name;email;phone;age;city;department;education_level;years_experience;"
    "area;desired_salary_cop;remote_preference;languages;skills;last_active_at;marketing_consent"
)
GOOD = (
    "R-1;Ana Pérez;ana@x.co;300 123 4567;30;Bogotá;Cundinamarca;profesional;4,5;Salud;2500000;"
    "remoto;es|en;Excel|Ventas;2026-01-02 03:04:05+00:00;sí"
)


def both_ways(data: bytes, *, file_format: str = "csv", batch_rows: int = 1000):
    """(lines, values, errors) read by the per-row rules and by the vectorised checks."""
    results = []
    for vectorised in (False, True):
        reader = open_rows(io.BytesIO(data), file_format=file_format, batch_rows=batch_rows)
        seen = SeenKeys()
        lines, columns, errors = [], {}, []
        for raw in reader.batches():
            if vectorised:
                valid, problems = validate_columns(raw)
                valid, repeats = refuse_repeats(seen, valid)
                values = python_values(valid)
            else:
                valid, problems = validate_batch(raw)
                valid, repeats = seen.refuse_repeats(valid)
                values = valid.columns
            lines += valid.lines
            errors += problems + repeats
            for name, cells in values.items():
                columns.setdefault(name, []).extend(cells)
        ordered = sorted(errors, key=lambda e: (e.line, e.field))
        # Each reason (a message) as English reads it.
        said = [RowError(e.line, e.field, str(e.reason)) for e in ordered]
        results.append((lines, columns, said))
    return results


@pytest.mark.parametrize(
    "fixture", ["bad_rows.csv", "duplicate_emails.csv", "excel_semicolon_bom_crlf.csv"]
)
def test_the_fixtures_read_the_same_both_ways(fixture):
    per_row, vectorised = both_ways((FIXTURES / fixture).read_bytes(), batch_rows=3)

    assert vectorised == per_row


def test_a_row_the_vectorised_checks_refuse_keeps_its_line_field_and_reason():
    _per_row, (lines, _columns, errors) = both_ways((FIXTURES / "bad_rows.csv").read_bytes())

    assert lines == [2, 10, 13]
    assert RowError(5, "age", "'doce' is not a whole number") in errors
    assert RowError(7, "email", "not an email address") in errors
    assert (
        RowError(
            3, "marketing_consent", "empty: every row must say sí or no; consent is never assumed"
        )
        in errors
    )


# Cells the vectorised checks cannot vouch for, valid or not: each must come out as the per-row
# rules say, whichever of its neighbours are plain.
ODD_ROWS = [
    GOOD.replace("ana@x.co", " Ana@X.co "),  # spaces around: stripped, then valid
    GOOD.replace("ana@x.co", "JOSÉ@Correo.co"),  # not ASCII: normalised by the per-row rule
    GOOD.replace("ana@x.co", "a b@x.co"),
    GOOD.replace("ana@x.co", "ana@x"),
    GOOD.replace("Ana Pérez", "Ana\u00a0"),  # a no-break space at the end: stripped
    GOOD.replace("Ana Pérez", "\x1cAna"),  # a separator str.strip() removes and RE2 does not
    GOOD.replace("Ana Pérez", "A" * 201),
    GOOD.replace("Ana Pérez", "Ana\x00Pérez"),
    GOOD.replace("R-1", "R" * 65),
    GOOD.replace("R-1", " R-1"),
    GOOD.replace("300 123 4567", " 300 123 4567"),
    GOOD.replace("300 123 4567", "300-123"),
    GOOD.replace("300 123 4567", "   "),
    GOOD.replace("2500000", "0002500000"),
    GOOD.replace("2500000", "2500000,0"),
    GOOD.replace("2500000", "99999999999"),
    GOOD.replace("2500000", "-5"),
    GOOD.replace(";30;", ";٣٠;"),  # Arabic-Indic digits: int() reads them
    GOOD.replace("es|en", "es||en| "),
    GOOD.replace("Excel|Ventas", '["Excel", "Ventas \\"Pro\\""]'),
    GOOD.replace("es|en", "[es]"),
    GOOD.replace("Excel|Ventas", "Excel|" + "V" * 61),
    GOOD.replace("2026-01-02 03:04:05+00:00", "2026-02-30T10:00:00-05:00"),
    GOOD.replace("2026-01-02 03:04:05+00:00", "2025-02-29 10:00:00+00:00"),
    GOOD.replace("2026-01-02 03:04:05+00:00", "2024-02-29T10:00:00.123456Z"),
    GOOD.replace("2026-01-02 03:04:05+00:00", "2026-01-02T10:00:00.5+14:30"),
    GOOD.replace("2026-01-02 03:04:05+00:00", "2026-01-02"),
    GOOD.replace(";sí", ";Quizás"),
    GOOD.replace(";sí", ";"),
]


@pytest.mark.parametrize("batch_rows", [1, 4, 1000])
def test_odd_cells_come_out_as_the_per_row_rules_say(batch_rows):
    body = [GOOD.replace("R-1", f"R-{i}").replace("ana@", f"ana{i}@") for i in range(5)]
    rows = [
        row.replace("R-1", f"O-{i}").replace("ana@", f"o{i}@").replace("Ana@", f"O{i}@")
        for i, row in enumerate(ODD_ROWS)
    ]
    data = "\r\n".join([HEADER, *body, *rows, *body[:2]]).encode("utf-8-sig")

    per_row, vectorised = both_ways(data, batch_rows=batch_rows)

    assert vectorised == per_row
    assert len(per_row[2]) > 10  # many of the odd rows are refused, with their reasons


def test_a_line_that_is_not_utf8_is_refused_the_same_way():
    header = b"full_name,email,age,city,department,education_level,area,remote_preference,"
    header += b"marketing_consent\n"
    good = b"".join(
        f"Ana,ana{i}@x.co,30,Cali,Valle,bachiller,Ventas,remoto,si\n".encode() for i in range(2000)
    )
    bad = "Jos\xe9,jose@x.co,30,Cali\xe1,Valle,bachiller,Ventas,remoto,si\n".encode("latin-1")

    # The first 64 KiB are UTF-8, so the file is read, and the one bad line is refused.
    per_row, vectorised = both_ways(header + good + bad + good.replace(b"ana", b"eva"))

    assert vectorised == per_row
    assert [e.line for e in vectorised[2]] == [2002, 2002]


def test_parquet_missing_values_read_the_same_both_ways(tmp_path):
    table = pa.table(
        {
            "full_name": ["Ana", None, "Caro"],
            "email": ["Ana@X.co", "beto@x.co", None],
            "age": pa.array([30, None, 9], pa.int32()),
            "city": ["Cali"] * 3,
            "department": ["Valle del Cauca"] * 3,
            "education_level": ["tecnico"] * 3,
            "area": ["Salud"] * 3,
            "remote_preference": ["remoto"] * 3,
            "phone": [None, "3001234567", "12"],
            "languages": [["es", "en"], [], None],
            "years_experience": [1.5, None, float("nan")],
            "marketing_consent": [True, False, None],
        }
    )
    path = tmp_path / "c.parquet"
    pq.write_table(table, path)

    per_row, vectorised = both_ways(path.read_bytes(), file_format="parquet")

    assert vectorised == per_row
    assert per_row[0] == [1]


def test_python_whitespace_is_what_str_strip_removes():
    import sys

    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}

    assert set(import_columns.PY_WHITESPACE) == spaces


CELL = st.one_of(
    st.text(alphabet=list("aZ09 ,.@-+|()[]\"'\\\t_éÑ\u00a0\x1c\x00"), max_size=12),
    # Values that are valid in some column, so that plain cells land in the wrong ones too.
    st.sampled_from(
        [
            *("", "sí", "No", "30", "0030", "4,5", "ana@x.co", "A@B.CO", "300 123 4567"),
            *("remoto", "profesional", "es|en", "2026-01-02", "2026-01-02T03:04:05Z", "R-9"),
            *("2026-01-02 03:04:05-05:00", "2025-02-29", "[es]", "es|en|fr|de"),
        ]
    ),
)
COLUMNS = HEADER.split(";")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)), max_size=6))
def test_any_cells_come_out_as_the_per_row_rules_say(rows):
    # Generated cells mixed into valid rows, a column at a time: each batch holds plain rows and
    # odd ones, and both paths must agree on every cell.
    good = GOOD.split(";")
    raw_rows = [
        [cell if (i + j) % 3 == 0 else good[j] for j, cell in enumerate(row)]
        for i, row in enumerate(rows)
    ]
    lines = list(range(2, 2 + len(raw_rows)))
    columns = {name: [row[j] for row in raw_rows] for j, name in enumerate(COLUMNS)}

    per_row, per_row_errors = validate_batch(RawBatch(lines, columns))
    vectorised, vectorised_errors = validate_columns(RawBatch(lines, columns))

    assert vectorised.lines == per_row.lines
    assert python_values(vectorised) == per_row.columns
    key = lambda e: (e.line, e.field)  # noqa: E731
    assert sorted(vectorised_errors, key=key) == sorted(per_row_errors, key=key)
