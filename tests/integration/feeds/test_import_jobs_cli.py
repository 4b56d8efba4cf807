"""`adflux import jobs FILE|URL`: upload with progress, summary, refusals, one line on error."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tests.integration.feeds.conftest import feed_job, fixture_bytes, xml_feed

from adflux.extensions import db
from adflux.feeds.tasks import URL_IMPORT_TASK
from adflux.jobs.models import JobOpening

pytestmark = pytest.mark.postgres


@pytest.fixture
def magneto_feed(tmp_path: Path) -> Path:
    """The fixture feed as a file: 4 jobs, 3 refused, values not mapped."""
    feed = tmp_path / "magneto.xml"
    feed.write_bytes(fixture_bytes("magneto_feed.xml"))
    return feed


def test_a_feed_file_is_imported_with_a_summary_of_every_refusal(adflux_cli, magneto_feed):
    feed = magneto_feed
    result = adflux_cli("import", "jobs", str(feed), LANG="en_US.UTF-8")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "magneto.xml: 4 added, 0 updated, 0 unchanged, 0 closed, 0 reopened, 3 refused"
    )
    assert lines[1:4] == [
        "refused job 3 (line 35): referencenumber: missing (a job without one cannot be kept in "
        "step)",
        "refused job 5 (line 49) [MG-1003]: referencenumber: repeats job 4 of the feed (the "
        "first one is kept)",
        "refused job 7 (line 65) [MG-1005]: country: 'Perú' (AdFlux advertises jobs in Colombia)",
    ]
    assert "not mapped, kept with a default: city: Tierralta (1)" in lines
    assert "not mapped, kept with a default: salary: USD 1,000 - 1,500 (not in COP) (1)" in lines
    assert "importing" in result.stderr  # the progress bar
    assert db.session.query(JobOpening).count() == 4

    again = adflux_cli("import", "jobs", str(feed), "--json")
    report = json.loads(again.stdout)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 4)


def test_the_summary_and_refusals_read_in_the_terminals_language(adflux_cli, magneto_feed):
    result = adflux_cli("import", "jobs", str(magneto_feed), LC_ALL="es_CO.UTF-8")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "magneto.xml: 4 agregadas, 0 actualizadas, 0 sin cambios, 0 cerradas, 0 reabiertas, "
        "3 rechazadas"
    )
    assert lines[1:4] == [
        "vacante 3 (línea 35) rechazada: referencenumber: falta (sin ella la vacante no se "
        "puede mantener al día)",
        "vacante 5 (línea 49) [MG-1003] rechazada: referencenumber: repite la vacante 4 del "
        "feed (se conserva la primera)",
        "vacante 7 (línea 65) [MG-1005] rechazada: country: 'Perú' (AdFlux anuncia vacantes en "
        "Colombia)",
    ]
    assert (
        "sin correspondencia, guardado con un valor por defecto: salary: USD 1,000 - 1,500 "
        "(no está en COP) (1)"
    ) in lines
    assert "importando" in result.stderr


def test_a_gzipped_feed_file_is_imported(adflux_cli, tmp_path):
    feed = tmp_path / "magneto.xml.gz"
    feed.write_bytes(gzip.compress(fixture_bytes("magneto_feed.xml")))
    result = adflux_cli("import", "jobs", str(feed))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("magneto.xml.gz: 4 agregadas")


def test_a_feed_url_is_imported_by_the_server_and_followed(
    app, adflux_cli, feed_server, allow_private_feed_hosts, dispatcher, monkeypatch
):
    base, folder = feed_server
    (folder / "jobs.jsonld").write_bytes(fixture_bytes("jobs.jsonld"))
    monkeypatch.setattr(db.session, "remove", lambda: None)  # the test's one connection stays
    task = app.extensions["celery"].tasks[URL_IMPORT_TASK]
    polls = []

    def worker_meanwhile(_seconds: float) -> None:
        # While the command waits between two looks at the import, a worker runs it.
        polls.append(_seconds)
        for _name, args, _countdown in dispatcher.take():
            task.run(*args)

    monkeypatch.setattr("adflux.cli.import_jobs.time.sleep", worker_meanwhile)

    result = adflux_cli(
        "import", "jobs", f"{base}/jobs.jsonld", "--feed", "web", "--partial", LANG="en_US.UTF-8"
    )

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{base}/jobs.jsonld: 2 added")
    assert "feed web" in result.stdout
    assert "importing" in result.stderr and polls


def test_a_feed_url_that_fails_on_the_server_exits_1_saying_why(
    app, adflux_cli, feed_server, allow_private_feed_hosts, dispatcher, monkeypatch
):
    base, _folder = feed_server
    monkeypatch.setattr(db.session, "remove", lambda: None)
    task = app.extensions["celery"].tasks[URL_IMPORT_TASK]
    monkeypatch.setattr(
        "adflux.cli.import_jobs.time.sleep",
        lambda _s: [task.run(*args) for _n, args, _c in dispatcher.take()],
    )

    result = adflux_cli("import", "jobs", f"{base}/gone.xml")

    assert result.exit_code == 1
    assert f"el feed en {base}/gone.xml respondió HTTP 404" in result.stderr


def test_a_feed_url_at_a_private_address_is_refused_at_once(adflux_cli):
    result = adflux_cli("import", "jobs", "http://127.0.0.1:9/feed.xml")

    assert result.exit_code == 1
    assert "de tipo loopback" in result.stderr and "[HTTP 422]" in result.stderr


@pytest.mark.parametrize(
    "content, says",
    [
        (fixture_bytes("billion_laughs.xml"), "declara entidades"),
        (b"not a feed", "no es un feed de vacantes"),
    ],
)
def test_an_unreadable_feed_exits_1_with_one_line(adflux_cli, tmp_path, content, says):
    feed = tmp_path / "bad.xml"
    feed.write_bytes(content)

    result = adflux_cli("import", "jobs", str(feed))

    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error")]
    assert says in line and "[HTTP 422]" in line


def test_a_missing_file_exits_1_naming_it(adflux_cli, tmp_path):
    result = adflux_cli("import", "jobs", str(tmp_path / "nope.xml"), LANG="en_US.UTF-8")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {tmp_path / 'nope.xml'}: no such file"
    spanish = adflux_cli("import", "jobs", str(tmp_path / "nope.xml"))
    assert spanish.stderr.strip() == f"Error: {tmp_path / 'nope.xml'}: el archivo no existe"


def test_force_close_closes_what_a_truncated_feed_drops(adflux_cli, tmp_path):
    whole, truncated = tmp_path / "whole.xml", tmp_path / "truncated.xml"
    whole.write_bytes(xml_feed(*(feed_job(f"A-{i}") for i in range(40))).getvalue())
    truncated.write_bytes(xml_feed(feed_job("A-0")).getvalue())
    adflux_cli("import", "jobs", str(whole))

    guarded = adflux_cli("import", "jobs", str(truncated), LANG="en_US.UTF-8")
    forced = adflux_cli("import", "jobs", str(truncated), "--force-close")

    assert "0 closed" in guarded.stdout
    assert "warning: closing skipped: the feed no longer lists 39 of the 40" in guarded.stdout
    assert "39 cerradas" in forced.stdout
