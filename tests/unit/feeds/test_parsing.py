"""Reading job feeds: XML (CDATA, HTML, entities, hostile documents), JSON-LD and HTML pages."""

from __future__ import annotations

import gzip
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


def _parse_in_a_child(path: Path) -> tuple[int, float]:
    """(jobs read, the child's own peak RSS in MB): lxml's C buffers counted, not only Python's.

    The child's VmHWM, not its ru_maxrss: Linux keeps ru_maxrss across fork and exec, so a child
    of a large process (an xdist worker that ran other tests) would report its parent's peak, and
    both feeds would "peak" alike whatever the parser did.
    """
    code = (
        "import re, sys\n"
        "from adflux.feeds.parsing import read_feed\n"
        "count = sum(1 for _ in read_feed(open(sys.argv[1], 'rb')))\n"
        "status = open('/proc/self/status').read()\n"
        "print(count, re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    count, high_water_kb = result.stdout.split()
    return int(count), int(high_water_kb) / 1024


@pytest.mark.slow
def test_a_100000_job_feed_is_read_in_flat_memory(tmp_path):
    """Reading 100,000 jobs peaks where reading 10,000 does: each job is freed once read."""
    large, small = tmp_path / "large.xml", tmp_path / "small.xml"
    with large.open("wb") as out:
        write_job_feed(out, n_jobs=100_000)
    with small.open("wb") as out:
        write_job_feed(out, n_jobs=10_000)
    extra_mb = (large.stat().st_size - small.stat().st_size) / 2**20

    (large_jobs, large_peak), (small_jobs, small_peak) = map(_parse_in_a_child, (large, small))

    assert (large_jobs, small_jobs) == (100_000, 10_000)
    assert extra_mb > 80
    assert large_peak - small_peak < 8, f"{small_peak:.0f} MB for 10,000, {large_peak:.0f} MB"


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


def test_a_gzipped_feed_is_unpacked_as_it_is_read():
    packed = gzip.compress((FIXTURES / "magneto_feed.xml").read_bytes())
    records = list(read_feed(io.BytesIO(packed)))
    assert [r.fields.get("referencenumber") for r in records] == _refs("magneto_feed.xml")
    ld = list(read_feed(io.BytesIO(gzip.compress((FIXTURES / "jobs.jsonld").read_bytes()))))
    assert len(ld) == 2


def _refs(name: str) -> list[str | None]:
    return [r.fields.get("referencenumber") for r in _records(name)]


def test_a_gzip_bomb_or_a_damaged_gzip_is_refused():
    bomb = gzip.compress(b"<source>" + b" " * 5_000_000 + b"</source>")
    assert len(bomb) < 10_000
    with pytest.raises(FeedUnreadable, match="unpacks to more than 1,000,000 bytes"):
        list(read_feed(io.BytesIO(bomb), max_unpacked_bytes=1_000_000))
    damaged = gzip.compress((FIXTURES / "magneto_feed.xml").read_bytes())[:300]
    with pytest.raises(FeedUnreadable, match="damaged"):
        list(read_feed(io.BytesIO(damaged)))
