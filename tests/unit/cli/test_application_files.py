"""Reading an applications file for `adflux import-applications` (CSV with a header, JSON Lines)."""

from __future__ import annotations

import pytest

from adflux.cli import language
from adflux.cli.applications import BadFile, read_records
from adflux.cli.main import cli

HEADER = "application_id,job_ref,candidate_ref,applied_at,utm_source,utm_campaign\n"


@pytest.fixture(autouse=True)
def english():
    """These read the file's problems as an English terminal would (the command's language is
    the terminal's)."""
    language.speak("en", cli)
    yield
    language.speak("es", cli)


def test_csv_rows_keep_their_line_numbers_and_empty_cells_are_none(tmp_path):
    path = tmp_path / "apps.csv"
    path.write_text(
        HEADER
        + "a-1,job-1,,2026-12-03T10:00:00-05:00,meta,adflux-4\n"
        + '"a-2","job-1","cand-9","2026-12-03T11:00:00-05:00",,\n'
        + "a-3,job-1,,x,meta,adflux-4,extra\n"
    )

    first, second, third = read_records(path)

    assert (first.line, second.line, third.line) == (2, 3, 4)
    assert first.body == {
        "application_id": "a-1",
        "job_ref": "job-1",
        "candidate_ref": None,
        "applied_at": "2026-12-03T10:00:00-05:00",
        "utm_source": "meta",
        "utm_campaign": "adflux-4",
    }
    assert second.body is not None and second.body["candidate_ref"] == "cand-9"
    assert second.body["utm_source"] is None
    assert third.body is None and "more cells" in third.problem


def test_json_lines_name_a_line_that_is_not_an_object(tmp_path):
    path = tmp_path / "apps.jsonl"
    path.write_text('{"application_id": "a-1"}\n\n{"application_id": \n[1]\n')

    records = read_records(path)

    assert [(r.line, r.body is None) for r in records] == [(1, False), (3, True), (4, True)]
    assert records[1].problem.startswith("not JSON") and records[2].problem == "not a JSON object"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "the file is empty"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"id,job\n1,2\n", "header lacks application_id, job_ref, applied_at"),
        (HEADER.encode(), "no applications in the file"),
    ],
)
def test_a_file_that_is_not_applications_is_one_clear_error(tmp_path, content, message):
    path = tmp_path / "apps.csv"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(BadFile) as refused:
        read_records(path)

    assert message in refused.value.message and str(path) in refused.value.message
    assert "\n" not in refused.value.message


def test_a_spanish_terminal_reads_the_problems_in_spanish(tmp_path):
    language.speak("es", cli)
    path = tmp_path / "apps.csv"
    path.write_bytes(b"")

    with pytest.raises(BadFile) as refused:
        read_records(path)

    assert refused.value.message == f"{path}: el archivo está vacío"
