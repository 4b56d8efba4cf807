"""POST /api/v1/candidate-imports (the file as the body); an import's summary and its report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import count_rows

from adflux.candidates import imports
from adflux.candidates.models import Candidate, CandidateImport
from adflux.extensions import db

FIXTURES = Path(__file__).parents[2] / "fixtures" / "candidate_imports"
PATH = "/api/v1/candidate-imports"


def post_file(client, headers, data: bytes, *, content_type="text/csv", filename="c.csv"):
    return client.post(
        f"{PATH}?filename={filename}",
        data=data,
        headers={**headers, "Content-Type": content_type},
    )


def test_a_csv_upload_is_imported_and_its_report_can_be_read(client, token_for):
    operator = token_for("operator")
    data = (FIXTURES / "bad_rows.csv").read_bytes()

    response = post_file(client, operator, data, filename="bad_rows.csv")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["added"], body["refused"], body["rows_read"]) == ("done", 3, 7, 10)
    assert body["filename"] == "bad_rows.csv"
    assert body["report_url"] == f"{PATH}/{body['id']}/errors"
    assert client.get(f"{PATH}/{body['id']}", headers=token_for("viewer")).get_json() == body
    report = client.get(body["report_url"], headers={**operator, "Accept-Language": "en"})
    text = report.get_data(as_text=True)
    report.close()  # a streamed response
    assert report.status_code == 200 and report.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["line", "field", "reason"]
    assert sorted({int(r[0]) for r in rows[1:]}) == [3, 4, 5, 6, 7, 8, 12]
    # Fields by their labels, reasons in the language asked for.
    assert ["5", "Age", "'doce' is not a whole number"] in rows
    assert ["8", "Row", "4 cells where the header has 16 columns (delimiter ',')"] in rows


def test_the_report_reads_in_the_language_the_request_asks_for(client, token_for):
    operator = token_for("operator")
    body = post_file(client, operator, (FIXTURES / "bad_rows.csv").read_bytes()).get_json()

    spanish = client.get(body["report_url"], headers={**operator, "Accept-Language": "es-CO"})
    rows = list(csv.reader(io.StringIO(spanish.get_data(as_text=True))))
    spanish.close()

    assert rows[0] == ["línea", "campo", "motivo"]
    assert ["5", "Edad", "'doce' no es un número entero"] in rows
    assert [
        "3",
        "Consentimiento de marketing",
        "vacío: cada fila debe decir sí o no; el consentimiento nunca se supone",
    ] in rows


def test_a_report_written_before_reasons_were_messages_reads_as_written(client, token_for):
    operator = token_for("operator")
    body = post_file(client, operator, (FIXTURES / "bad_rows.csv").read_bytes()).get_json()
    record = db.session.get(CandidateImport, body["id"])
    path = imports.report_file(record)
    path.write_text("line,field,reason\n5,age,\"'doce' is not a whole number\"\n")

    answer = client.get(body["report_url"], headers={**operator, "Accept-Language": "es"})
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    answer.close()

    assert rows == [["línea", "campo", "motivo"], ["5", "Edad", "'doce' is not a whole number"]]


def test_the_report_needs_an_operator(client, token_for):
    body = post_file(
        client, token_for("operator"), (FIXTURES / "duplicate_emails.csv").read_bytes()
    ).get_json()

    assert client.get(body["report_url"], headers=token_for("viewer")).status_code == 403


def test_a_viewer_cannot_import(client, token_for):
    response = post_file(client, token_for("viewer"), b"email\n")

    assert response.status_code == 403
    assert count_rows(CandidateImport) == 0


def test_a_file_without_consent_is_a_422_naming_the_column(client, token_for):
    response = post_file(
        client, token_for("operator"), (FIXTURES / "no_consent_column.csv").read_bytes()
    )

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "marketing_consent" in error["fields"]
    assert "el consentimiento nunca se supone" in error["fields"]["marketing_consent"][0]
    assert count_rows(CandidateImport) == 0 and count_rows(Candidate) == 0


def test_a_file_over_the_import_limit_is_a_413_before_anything_is_read(app, client, token_for):
    settings = app.config["ADFLUX_SETTINGS"]
    original = settings.max_import_bytes
    settings.max_import_bytes = 2048
    try:
        response = post_file(client, token_for("operator"), b"x" * 4096)
    finally:
        settings.max_import_bytes = original

    assert response.status_code == 413
    assert "ADFLUX_MAX_IMPORT_BYTES" in response.get_json()["error"]["message"]
    assert count_rows(CandidateImport) == 0


def test_a_file_larger_than_other_requests_may_be_is_accepted(app, client, token_for):
    header = "external_ref,full_name,email,age,city,department,education_level,area,"
    header += "remote_preference,marketing_consent\n"
    lines = "".join(
        f"R{i},Persona {i},p{i}@x.co,30,Cali,Valle del Cauca,tecnico,Salud,remoto,no\n"
        for i in range(30_000)
    )
    data = (header + lines).encode()
    assert len(data) > app.config["ADFLUX_SETTINGS"].max_body_bytes

    response = post_file(client, token_for("operator"), data)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["added"] == 30_000


@pytest.mark.parametrize(
    ("content_type", "status"), [("application/json", 415), ("image/png", 415)]
)
def test_other_content_types_are_refused(client, token_for, content_type, status):
    response = post_file(client, token_for("operator"), b"{}", content_type=content_type)

    assert response.status_code == status
    assert "text/csv" in response.get_json()["error"]["message"]


def test_a_chunked_upload_is_asked_for_its_length(client, token_for):
    response = client.post(
        PATH,
        input_stream=io.BytesIO(b"email\n"),
        headers={
            **token_for("operator"),
            "Content-Type": "text/csv",
            "Transfer-Encoding": "chunked",
        },
    )

    assert response.status_code == 411
    assert "Content-Length" in response.get_json()["error"]["message"]


def test_parquet_is_told_apart_by_its_bytes(client, token_for, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "c.parquet"
    pq.write_table(
        pa.table(
            {
                "full_name": ["Ana"],
                "email": ["Ana@X.co"],
                "age": [30],
                "city": ["Cali"],
                "department": ["Valle del Cauca"],
                "education_level": ["tecnico"],
                "area": ["Salud"],
                "remote_preference": ["remoto"],
                "marketing_consent": [True],
            }
        ),
        path,
    )

    response = post_file(
        client,
        token_for("operator"),
        path.read_bytes(),
        content_type="application/octet-stream",
        filename="c.parquet",
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["file_format"] == "parquet"
    assert db.session.scalar(sa.select(Candidate.email)) == "ana@x.co"


def test_an_import_is_found_by_the_request_that_started_it(client, token_for):
    operator = token_for("operator")
    data = (FIXTURES / "excel_semicolon_bom_crlf.csv").read_bytes()
    started = client.post(
        PATH,
        data=data,
        headers={**operator, "Content-Type": "text/csv", "X-Request-Id": "cli-import-abc"},
    ).get_json()
    post_file(client, operator, data)  # another import, from another request

    found = client.get(f"{PATH}?request_id=cli-import-abc", headers=token_for("viewer"))
    every = client.get(PATH, headers=token_for("viewer")).get_json()

    assert found.status_code == 200
    assert [item["id"] for item in found.get_json()["items"]] == [started["id"]]
    assert every["total"] == 2 and every["items"][0]["id"] > started["id"]  # newest first
