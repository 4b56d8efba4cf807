"""The simulated market end to end: a world loaded over HTTP, an ad published by the real Meta
adapter, a week of sandbox time, and applications posted to a job-site receiver."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta

import httpx
import pytest
from tests.integration.sandbox.ad_support import JOB, Recorder, adapter, spec
from tests.integration.sandbox.http_support import fault, meta_auth
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from adflux.campaigns.creatives import build_creative
from adflux.datagen.world import connect_job_site, publish_world
from adflux.platforms.meta import MetaAdapter
from adflux.sandbox.delivery import local_day

TOKEN = "job-site-token"
LINK = (
    "https://www.magneto365.com/co/empleos/job-77?utm_source=meta&utm_medium=paid_social"
    "&utm_campaign=adflux-5&utm_content=job"
)
WORLD_JOB = {
    "ref": "job-77",
    "city": "Cartagena de Indias",
    "area": "Mantenimiento",
    "seniority": "semi_senior",
    "remote_mode": "presencial",
    "salary_min_cop": 2_800_000,
    "salary_max_cop": 3_400_000,
    "employment_type": "tiempo_completo",
}


def _people() -> list[dict]:
    people = []
    for i in range(3_500):
        fits = i % 2 == 0
        people.append(
            {
                "ref": f"cand-{i}" if i % 10 else None,  # some applicants have no profile
                "email": f"persona{i}@example.com",
                "phone": None,
                "city": "Cartagena de Indias" if i < 3_000 else "Medellín",
                "area": "Mantenimiento" if fits else "Salud",
                "years_experience": 3 if fits else 0.5,
                "desired_salary_cop": 3_000_000,
                "education_level": "tecnologo",
                "remote_preference": "presencial",
            }
        )
    return people


class Receiver:
    """AdFlux's applications endpoint as far as the job site can tell: 503 once, then 202."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, dict]] = []
        self.lock = threading.Lock()
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/api/v1/applications"

    def __call__(self, environ, start_response):
        request = Request(environ)
        body = request.get_json()
        with self.lock:
            if request.headers.get("Authorization") != f"Bearer {TOKEN}":
                status = 401
            else:
                status = 503 if not self.posts else 202
            self.posts.append((status, body))
        return Response(status=status)(environ, start_response)

    def accepted(self) -> list[dict]:
        with self.lock:
            return [body for status, body in self.posts if status == 202]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    running.thread.start()
    yield running
    running.server.shutdown()


def test_a_week_of_an_ad_brings_applications_that_match_the_markets_truth(sb, receiver):
    base = sb.base_url
    assert publish_world(base, {"people": _people(), "jobs": [WORLD_JOB]}) == {
        "people": 3_500,
        "jobs": 1,
    }
    connect_job_site(base, receiver.url, TOKEN)
    ad = spec("meta", creative=build_creative(replace(JOB, apply_url=LINK), "meta"))
    ad = replace(ad, daily_budget_cop=200_000, active=True)
    ad = replace(ad, end_at=ad.start_at + timedelta(days=7))
    adapter(sb, MetaAdapter).publish(ad, known_ids={}, on_created=Recorder())

    httpx.post(f"{base}/_sandbox/clock", json={"advance_s": 7 * 86_400 + 3600})
    # Advancing the clock wakes the market's sender: posts start without being asked for.
    for _ in range(50):
        if receiver.posts:
            break
        time.sleep(0.1)
    assert receiver.posts
    results = []
    for _ in range(14):  # two more days: the late and the second posts come due
        results.append(httpx.post(f"{base}/_sandbox/market/deliver", timeout=30).json())
        httpx.post(f"{base}/_sandbox/clock", json={"advance_s": 4 * 3600})
    results.append(httpx.post(f"{base}/_sandbox/market/deliver", timeout=30).json())

    assert results[-1]["pending"] == 0
    (truth,) = sb.state.market.truth()["meta"].values()
    expected = {day: set(t.application_ids) for day, t in truth.items() if t.application_ids}
    accepted = receiver.accepted()
    received: dict[date, set[str]] = {}
    for body in accepted:
        day = datetime.fromisoformat(body["applied_at"]).date()
        received.setdefault(day, set()).add(body["application_id"])
    assert received == expected
    assert sum(len(ids) for ids in expected.values()) > 100
    # At least once: the first post failed (503) and came again; some came twice.
    first_status, first_body = receiver.posts[0]
    assert first_status == 503
    assert first_body["application_id"] in {b["application_id"] for b in accepted}
    assert max(Counter(b["application_id"] for b in accepted).values()) == 2
    # Each carries the link's tracking code and, when the person has one, their profile.
    assert {
        (b["utm_source"], b["utm_medium"], b["utm_campaign"], b["utm_content"]) for b in accepted
    } == {("meta", "paid_social", "adflux-5", "job")}
    assert all(b["job_ref"] == "job-77" for b in accepted)
    assert any(b["candidate_ref"] is None for b in accepted)
    assert any(b["candidate_ref"] for b in accepted)


def test_a_bad_world_is_refused_with_the_field_and_the_old_world_kept(sb):
    base = sb.base_url
    publish_world(base, {"people": _people()[:3], "jobs": [WORLD_JOB]})
    bad = {"people": [{**_people()[0], "education_level": "kinder"}], "jobs": []}

    answer = httpx.put(f"{base}/_sandbox/market/world", json=bad)
    site = httpx.put(f"{base}/_sandbox/market/job-site", json={"applications_url": "ftp://x"})

    assert answer.status_code == 400
    assert answer.json()["field"] == "people[0].education_level"
    assert site.status_code == 400 and site.json()["field"] == "applications_url"
    assert len(sb.state.market.world.people) == 3


def test_report_calls_meet_injected_faults_and_then_report_the_market(sb):
    ad = replace(spec("meta"), daily_budget_cop=100_000, active=True)
    adapter(sb, MetaAdapter).publish(ad, known_ids={}, on_created=Recorder())
    sb.state.clock.advance(2 * 86_400)
    (ad_id,) = [o["id"] for o in sb.state.store.find("meta", "ad")]
    fault(sb, "meta", rate_limit=1.0, times=1, match="/insights")
    url = f"{sb.base_url}/v26.0/{ad_id}/insights"
    params = {**meta_auth(sb), "time_increment": "1"}

    limited = httpx.get(url, params=params)
    answered = httpx.get(url, params=params)

    assert limited.status_code != 200
    assert limited.json()["error"]["code"] == 80000  # the ads_insights rate limit
    assert answered.status_code == 200
    today = local_day(sb.state.clock.now())
    market = sb.state.market.ad_days("meta", ad_id, since=today - timedelta(days=29), until=today)
    assert [
        (r["date_start"], int(r["impressions"]), int(r["spend"])) for r in answered.json()["data"]
    ] == [(d.day.isoformat(), d.impressions, d.spend) for d in market]


def test_a_disconnected_job_site_holds_its_applications_and_a_new_token_gets_them_at_once(
    sb, receiver
):
    """`make run` again: the job site kept the last run's token (revoked since). Disconnected
    before the week passes, it posts nothing; connected with the new token, the week's
    applications go at once, not after the backoff a stale token would have earned."""
    base = sb.base_url
    publish_world(base, {"people": _people(), "jobs": [WORLD_JOB]})
    connect_job_site(base, receiver.url, "last-runs-token")
    ad = spec("meta", creative=build_creative(replace(JOB, apply_url=LINK), "meta"))
    ad = replace(ad, daily_budget_cop=200_000, active=True)
    ad = replace(ad, end_at=ad.start_at + timedelta(days=7))
    adapter(sb, MetaAdapter).publish(ad, known_ids={}, on_created=Recorder())
    httpx.post(f"{base}/_sandbox/clock", json={"advance_s": 3 * 86_400}).raise_for_status()
    httpx.post(f"{base}/_sandbox/market/deliver", timeout=30).raise_for_status()
    stale = len(receiver.posts)
    assert stale and all(status == 401 for status, _ in receiver.posts)  # backing off now

    disconnected = httpx.delete(f"{base}/_sandbox/market/job-site")
    assert disconnected.json() == {"status": "disconnected"}
    httpx.post(f"{base}/_sandbox/clock", json={"advance_s": 4 * 86_400}).raise_for_status()
    held = httpx.post(f"{base}/_sandbox/market/deliver", timeout=30).json()
    assert held["delivered"] == 0 and held["pending"] > 0
    assert len(receiver.posts) == stale

    connect_job_site(base, receiver.url, TOKEN)

    # Without the clock moving, everything held goes now, the stale token's backoff forgotten
    # (the receiver refuses its very first good post once, 503: that one comes right back).
    pending = held["pending"]
    for _ in range(50):
        pending = httpx.post(f"{base}/_sandbox/market/deliver", timeout=30).json()["pending"]
        if pending == 0:
            break
        time.sleep(0.1)
    assert pending == 0
    assert len(receiver.accepted()) >= held["pending"] - 1  # a post each (some twice, on purpose)
