"""/api/v1/job-feeds: feed uploads streamed past the body limit, URL imports, reports, refusals."""

from __future__ import annotations

import io

import pytest
from tests.conftest import count_rows
from tests.integration.feeds.conftest import (  # noqa: F401  (feed_server, allow_...: fixtures)
    allow_private_feed_hosts,
    feed_job,
    feed_server,
    fixture_bytes,
    xml_feed,
)

from adflux.datagen.job_feed import write_job_feed
from adflux.extensions import db
from adflux.feeds.models import FeedImport
from adflux.feeds.tasks import URL_IMPORT_TASK
from adflux.jobs.models import JobOpening

pytestmark = pytest.mark.postgres

UPLOAD = "/api/v1/job-feeds/imports"


def _upload(client, headers, body: bytes, content_type="application/xml", query=""):
    return client.post(
        f"{UPLOAD}{query}", data=body, headers={**headers, "Content-Type": content_type}
    )


def test_an_uploaded_feed_is_imported_and_its_report_kept(client, token_for):
    headers = token_for("operator")

    answer = _upload(client, headers, fixture_bytes("magneto_feed.xml"), query="?name=magneto.xml")

    assert answer.status_code == 200, answer.json
    report = answer.json
    assert (report["source"], report["feed"], report["full"]) == ("magneto.xml", "default", True)
    assert (report["added"], report["refused"], report["status"]) == (4, 3, "done")
    # Spanish by default (no Accept-Language).
    assert report["refusals"][0]["where"] == "vacante 3 (línea 35)"
    assert report["refusals"][0]["reasons"] == [
        "referencenumber: falta (sin ella la vacante no se puede mantener al día)"
    ]
    assert report["unmapped"]["city"] == [{"value": "Tierralta", "jobs": 1}]
    assert report["unmapped"]["salary"] == [
        {"value": "USD 1,000 - 1,500 (no está en COP)", "jobs": 1}
    ]
    viewer = token_for("viewer")
    shown = client.get(f"{UPLOAD}/{report['id']}", headers=viewer)
    assert shown.status_code == 200 and shown.json == report
    listed = client.get(UPLOAD, headers=viewer).json
    assert [item["id"] for item in listed["items"]] == [report["id"]]
    jobs = client.get("/api/v1/jobs", headers=viewer).json["items"]
    assert {(j["external_ref"], j["feed"]) for j in jobs} == {
        (ref, "default") for ref in ("MG-1001", "MG-1002", "MG-1003", "MG-1004")
    }


@pytest.mark.parametrize(
    "name, content_type, refs",
    [
        ("jobs.jsonld", "application/ld+json", ["LD-1", "LD-2"]),
        ("careers_page.html", "text/html", ["PG-1", "PG-2"]),
    ],
)
def test_json_ld_and_html_pages_are_feeds_too(client, token_for, name, content_type, refs):
    answer = _upload(client, token_for("operator"), fixture_bytes(name), content_type)
    assert answer.status_code == 200, answer.json
    assert answer.json["added"] == len(refs)
    stored = db.session.query(JobOpening.external_ref).order_by(JobOpening.external_ref).all()
    assert [r for (r,) in stored] == refs


def test_a_feed_larger_than_the_body_limit_streams_in(client, token_for):
    """ADFLUX_MAX_BODY_BYTES (1 MiB) bounds JSON bodies, not feeds, with or without a length."""
    out = io.BytesIO()
    write_job_feed(out, n_jobs=2_000)
    body = out.getvalue()
    assert len(body) > 2 * 2**20
    headers = {**token_for("operator"), "Content-Type": "application/xml"}

    sized = client.post(UPLOAD, data=body, headers=headers)
    chunked = client.post(
        UPLOAD,
        input_stream=io.BytesIO(body),
        headers={**headers, "Transfer-Encoding": "chunked"},
        # What gunicorn and Werkzeug's server set for a chunked request they de-chunk.
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert sized.status_code == 200, sized.json
    assert (sized.json["added"], sized.json["refused"]) == (2_000, 0)
    assert chunked.status_code == 200, chunked.json
    assert (chunked.json["added"], chunked.json["unchanged"]) == (0, 2_000)


def test_a_feed_over_the_feed_limit_is_a_413(app, client, token_for, monkeypatch):
    monkeypatch.setattr(app.config["ADFLUX_SETTINGS"], "feed_max_bytes", 2_048)
    body = xml_feed(*(feed_job(f"A-{i}") for i in range(30))).getvalue()
    headers = {**token_for("operator"), "Content-Type": "application/xml"}

    sized = client.post(UPLOAD, data=body, headers=headers)  # refused before it starts
    chunked = client.post(  # found out part-way: the run says so
        UPLOAD,
        input_stream=io.BytesIO(body),
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )

    assert (sized.status_code, chunked.status_code) == (413, 413)
    assert db.session.query(JobOpening).count() == 0
    (failed,) = client.get(UPLOAD, headers=token_for("viewer")).json["items"]
    assert (failed["status"], failed["error"]) == (
        "failed",
        "la importación se detuvo (RequestEntityTooLarge)",
    )


@pytest.mark.parametrize(
    "body, content_type, status, field, says",
    [
        (fixture_bytes("billion_laughs.xml"), "application/xml", 422, "feed", "declara entidades"),
        (fixture_bytes("external_entity.xml"), "text/xml", 422, "feed", "declara entidades"),
        (b"<source><job><title>x</job>", "application/xml", 422, "feed", "mal formado"),
        (b"", "application/xml", 422, "feed", "vacío"),
        (b"a,b\n1,2\n", "application/octet-stream", 422, "feed", "no es un feed de vacantes"),
        (b"<source/>", "text/csv", 422, "Content-Type", "uno de estos Content-Type"),
    ],
)
def test_what_cannot_be_imported_is_a_4xx_naming_the_field(
    client, token_for, body, content_type, status, field, says
):
    answer = _upload(client, token_for("operator"), body, content_type)
    assert answer.status_code == status, answer.json
    assert field in answer.json["error"]["fields"]
    assert says in answer.json["error"]["message"]
    assert db.session.query(JobOpening).count() == 0


def test_bad_query_parameters_are_refused_by_name(client, token_for):
    headers = token_for("operator")
    body = xml_feed(feed_job("A-1")).getvalue()
    assert _upload(client, headers, body, query="?feed=no%20spaces").json["error"]["fields"] == {
        "feed": ["El texto no tiene el formato esperado."]
    }
    assert (
        "partial" in _upload(client, headers, body, query="?partial=maybe").json["error"]["fields"]
    )


def test_only_operators_import(client, token_for):
    answer = _upload(client, token_for("viewer"), xml_feed(feed_job("A-1")).getvalue())
    assert answer.status_code == 403
    assert client.get(f"{UPLOAD}/999", headers=token_for("viewer")).status_code == 404


def run_url_import(app, dispatcher, monkeypatch) -> str:
    """Run the URL import task the API sent, in this thread as a worker would; its outcome."""
    ((name, args, _countdown),) = dispatcher.take()
    assert name == URL_IMPORT_TASK
    monkeypatch.setattr(db.session, "remove", lambda: None)  # the test's one connection stays
    return app.extensions["celery"].tasks[URL_IMPORT_TASK].run(*args)


def test_the_server_fetches_a_feed_url_in_the_background(
    app,
    client,
    token_for,
    dispatcher,
    monkeypatch,
    feed_server,  # noqa: F811
    allow_private_feed_hosts,  # noqa: F811
):
    base, folder = feed_server
    (folder / "feed.xml").write_bytes(xml_feed(feed_job("U-1"), feed_job("U-2")).getvalue())
    headers = token_for("operator")

    answer = client.post(
        f"{UPLOAD}/url", json={"url": f"{base}/feed.xml", "feed": "web"}, headers=headers
    )

    assert answer.status_code == 202, answer.json
    started = answer.json
    assert (started["status"], started["source"], started["feed"]) == (
        "running",
        f"{base}/feed.xml",
        "web",
    )
    assert answer.headers["Location"].endswith(f"{UPLOAD}/{started['id']}")
    assert run_url_import(app, dispatcher, monkeypatch) == "done"
    report = client.get(f"{UPLOAD}/{started['id']}", headers=headers).json
    assert (report["status"], report["added"], report["jobs_read"]) == ("done", 2, 2)
    # A task sent twice imports once.
    assert app.extensions["celery"].tasks[URL_IMPORT_TASK].run(started["id"]) == "done"
    assert count_rows(JobOpening) == 2

    missing = client.post(f"{UPLOAD}/url", json={"url": f"{base}/nope.xml"}, headers=headers)
    assert missing.status_code == 202
    assert run_url_import(app, dispatcher, monkeypatch) == "failed"
    failed_path = f"{UPLOAD}/{missing.json['id']}"
    failed = client.get(failed_path, headers={**headers, "Accept-Language": "en"}).json
    assert (failed["status"], failed["error"]) == (
        "failed",
        f"the feed at {base}/nope.xml answered HTTP 404",
    )
    in_spanish = client.get(failed_path, headers={**headers, "Accept-Language": "es"}).json
    assert in_spanish["error"] == f"el feed en {base}/nope.xml respondió HTTP 404"
    not_http = client.post(f"{UPLOAD}/url", json={"url": "file:///etc/passwd"}, headers=headers)
    assert not_http.status_code == 422
    assert "url" in not_http.json["error"]["fields"]


def test_a_url_import_the_broker_cannot_take_is_failed_at_once(
    client,
    token_for,
    dispatcher,
    feed_server,  # noqa: F811
    allow_private_feed_hosts,  # noqa: F811
):
    base, _folder = feed_server
    dispatcher.broker_down = True
    headers = token_for("operator")

    answer = client.post(f"{UPLOAD}/url", json={"url": f"{base}/feed.xml"}, headers=headers)

    assert answer.status_code == 503
    (row,) = client.get(UPLOAD, headers={**headers, "Accept-Language": "en"}).json["items"]
    assert (row["status"], row["error"]) == (
        "failed",
        "the task broker is unreachable: try again shortly",
    )


def test_a_feed_url_at_a_private_address_is_refused_by_default(client, token_for, feed_server):  # noqa: F811
    base, folder = feed_server
    (folder / "feed.xml").write_bytes(xml_feed(feed_job("U-1")).getvalue())

    answer = client.post(
        f"{UPLOAD}/url", json={"url": f"{base}/feed.xml"}, headers=token_for("operator")
    )

    assert answer.status_code == 422
    (why,) = answer.json["error"]["fields"]["url"]
    assert why.startswith("127.0.0.1 está en 127.0.0.1, una dirección de tipo loopback")
    assert "ADFLUX_FEED_ALLOW_PRIVATE_HOSTS=true" in why
    assert count_rows(JobOpening) == 0


def test_a_report_reads_in_the_language_the_request_asks_for(client, token_for):
    answer = _upload(client, token_for("operator"), fixture_bytes("magneto_feed.xml"))
    path = f"{UPLOAD}/{answer.json['id']}"
    viewer = token_for("viewer")

    english = client.get(path, headers={**viewer, "Accept-Language": "en"}).json
    spanish = client.get(path, headers={**viewer, "Accept-Language": "es-CO"}).json

    assert [(r["where"], r["reasons"]) for r in english["refusals"][1:]] == [
        (
            "job 5 (line 49)",
            ["referencenumber: repeats job 4 of the feed (the first one is kept)"],
        ),
        ("job 7 (line 65)", ["country: 'Perú' (AdFlux advertises jobs in Colombia)"]),
    ]
    assert [(r["where"], r["reasons"]) for r in spanish["refusals"][1:]] == [
        (
            "vacante 5 (línea 49)",
            ["referencenumber: repite la vacante 4 del feed (se conserva la primera)"],
        ),
        ("vacante 7 (línea 65)", ["country: 'Perú' (AdFlux anuncia vacantes en Colombia)"]),
    ]
    assert english["unmapped"]["salary"][0]["value"] == "USD 1,000 - 1,500 (not in COP)"
    assert spanish["unmapped"]["salary"][0]["value"] == "USD 1,000 - 1,500 (no está en COP)"
    # The list reads alike.
    (listed,) = client.get(UPLOAD, headers={**viewer, "Accept-Language": "en"}).json["items"]
    assert listed == english


def test_a_report_stored_before_its_messages_were_reads_as_it_was_written(client, token_for):
    """Rows written as plain English text (before messages were stored) still read."""
    row = FeedImport(
        feed="default",
        source="old.xml",
        full=True,
        status="failed",
        refusals=[
            {"where": "job 3 (line 35)", "external_ref": None, "reasons": ["title: missing"]}
        ],
        unmapped={"salary": [{"value": "USD 1 (not in COP)", "jobs": 2}]},
        warnings=["closing skipped: the feed lists no job that could be read, so none was closed"],
        error="the XML feed has no root element",
    )
    db.session.add(row)
    db.session.commit()

    report = client.get(f"{UPLOAD}/{row.id}", headers=token_for("viewer")).json

    assert report["refusals"] == [
        {"where": "job 3 (line 35)", "external_ref": None, "reasons": ["title: missing"]}
    ]
    assert report["unmapped"] == {"salary": [{"value": "USD 1 (not in COP)", "jobs": 2}]}
    assert report["warnings"] == [
        "closing skipped: the feed lists no job that could be read, so none was closed"
    ]
    assert report["error"] == "the XML feed has no root element"
