"""Reading job feeds: XML (CDATA, HTML, entities, hostile documents), JSON-LD and HTML pages."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from adflux.datagen.job_feed import write_job_feed
from adflux.feeds.parsing import FeedUnreadable, read_feed

FIXTURES = Path(__file__).parent / "fixtures"


def _records(name: str) -> list:
    with (FIXTURES / name).open("rb") as stream:
        return list(read_feed(stream))


def test_an_xml_feed_reads_cdata_entities_and_html_as_text_per_field():
    records = _records("magneto_feed.xml")

    assert [r.position for r in records] == [1, 2, 3, 4, 5, 6, 7]
    first, second, third = records[:3]
    assert first.fields["title"] == "Desarrollador Backend Python"
    assert first.fields["referencenumber"] == "MG-1001"
    assert first.fields["description"].startswith("<p>Buscamos <strong>desarrollador</strong>")
    assert first.line is not None and first.line > 5
    # Predefined and character entities are plain XML: decoded, never refused.
    assert second.fields["title"] == "Auxiliar de bodega & despachos"
    assert second.fields["company"] == "Logística & Transporte del Caribe"
    assert second.fields["description"] == "<p>Cargue y descargue de mercanc&iacute;a.</p>"
    assert "referencenumber" not in third.fields  # a missing field is absent, not empty
    # The feed's own header elements are not jobs.
    assert all("publisher" not in r.fields for r in records)


@pytest.mark.parametrize(
    "name, says",
    [
        ("billion_laughs.xml", "declares entities"),
        ("external_entity.xml", "declares entities"),
        ("external_dtd.xml", "external DTD"),
    ],
)
def test_hostile_xml_is_refused_before_any_job_is_read(name, says):
    started = time.monotonic()
    with pytest.raises(FeedUnreadable, match=says) as refused:
        _records(name)
    assert refused.value.fields == {"feed": [refused.value.message]}
    assert time.monotonic() - started < 1  # nothing was expanded


def test_malformed_xml_is_refused_with_its_line():
    feed = b"<source>\n<job><title>Cajero</title>\n<city>Cali</job>\n</source>"
    with pytest.raises(FeedUnreadable, match="malformed at line 3"):
        list(read_feed(io.BytesIO(feed)))


@pytest.mark.parametrize(
    "body, says",
    [(b"", "empty"), (b"  \n", "empty"), (b"title,city\nCajero,Cali\n", "not a job feed")],
)
def test_what_is_no_feed_says_so(body, says):
    with pytest.raises(FeedUnreadable, match=says):
        list(read_feed(io.BytesIO(body)))


def test_json_ld_list_gives_the_feed_fields_and_skips_what_is_no_job_posting():
    first, second = _records("jobs.jsonld")

    assert first.fields == {
        "title": "Analista de datos",
        "date": "2026-12-01",
        "referencenumber": "LD-1",
        "company": "Grupo Éxito",
        "city": "Envigado",
        "state": "Antioquia",
        "country": "CO",
        "description": "<p>Tableros en <b>Power BI</b> y SQL.</p>",
        "salary": "COP 4000000 - 5500000 MONTH",
        "jobtype": "FULL_TIME",
        "category": "Datos y analítica",
        "experience": "36 meses",
    }
    assert second.fields["referencenumber"] == "LD-2"
    assert second.fields["company"] == "Teleperformance"
    assert second.fields["country"] == "Colombia"
    assert second.fields["remote"] == "TELECOMMUTE"


def test_a_single_json_ld_object_is_a_feed_of_one():
    body = b'{"@type": "JobPosting", "title": "Cajero", "identifier": "S-1"}'
    (record,) = read_feed(io.BytesIO(body))
    assert record.fields == {"title": "Cajero", "referencenumber": "S-1"}


def test_invalid_json_ld_is_refused():
    with pytest.raises(FeedUnreadable, match="not valid JSON"):
        list(read_feed(io.BytesIO(b'[{"@type": "JobPosting", "title": ')))


def test_an_html_page_gives_the_job_postings_of_its_json_ld_blocks():
    records = _records("careers_page.html")

    assert [r.fields["referencenumber"] for r in records] == ["PG-1", "PG-2"]
    assert records[1].fields["title"] == "Médico general"  # UTF-8 without a <meta charset>
    assert records[0].fields["salary"] == "COP 1800000 MONTH"
    assert records[1].fields["city"] == "Floridablanca"


def test_an_html_page_without_json_ld_is_refused():
    with pytest.raises(FeedUnreadable, match="no <script"):
        list(read_feed(io.BytesIO(b"<!DOCTYPE html><html><body>Hola</body></html>")))


# Read in a process of its own: its peak RSS is the reading's alone, not that of every test run
# before it in the same (xdist) process. VmHWM, not ru_maxrss: Linux keeps ru_maxrss across fork
# and exec, so a child of a large process starts with its parent's peak.
_READ_AND_MEASURE = """
import re, sys, tracemalloc
from adflux.feeds.parsing import read_feed
tracemalloc.start()
with open(sys.argv[1], "rb") as stream:
    count = sum(1 for _ in read_feed(stream))
_, peak = tracemalloc.get_traced_memory()
with open("/proc/self/status") as status:
    high_water_kb = re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)
print(count, peak, high_water_kb)
"""


@pytest.mark.slow
def test_a_100000_job_feed_is_read_in_flat_memory(tmp_path):
    """Python's own allocations stay under a few MB however long the feed (each job is freed
    once read), and the process's peak (lxml's C buffers included) stays far below the file."""
    path = tmp_path / "feed.xml"
    with path.open("wb") as out:
        write_job_feed(out, n_jobs=100_000)
    size_mb = path.stat().st_size / 2**20

    result = subprocess.run(
        [sys.executable, "-c", _READ_AND_MEASURE, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    count, peak, max_rss_kb = (int(v) for v in result.stdout.split())
    peak_rss_mb = max_rss_kb / 1024

    assert count == 100_000
    assert size_mb > 90
    assert peak < 4 * 2**20, f"{peak / 2**20:.1f} MB traced at peak"
    assert peak_rss_mb < size_mb * 3, f"peak RSS {peak_rss_mb:.0f} MB for a {size_mb:.0f} MB feed"


def test_a_long_json_ld_list_is_read_item_by_item():
    posting = (
        b'{"@type": "JobPosting", "title": "Cajero", "identifier": "J-%d", '
        b'"description": "' + b"x" * 2_000 + b'", "jobLocation": {"address": '
        b'{"addressLocality": "Cali"}}}'
    )
    body = b"[" + b",".join(posting % i for i in range(5_000)) + b"]"
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_feed(io.BytesIO(body)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 5_000
    assert len(body) > 10 * 2**20
    assert peak < 2**20, f"{peak / 2**20:.1f} MB traced at peak"  # a posting at a time
