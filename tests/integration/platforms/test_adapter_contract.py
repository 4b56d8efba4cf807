"""The adapter contract: every platform adapter, against the sandbox over real HTTP (and gRPC).

Each test runs once per platform in CASES. Adding a platform is one line in CASE_MODULES plus a
`cases/<module>.py` describing how to read its objects back through its own API.

The ads published are the ones AdFlux itself builds for a job (`build_ad_spec`, the function the
publishing task calls: the job's creative for the platform, the campaign's targeting from
`campaign_targeting`, the default budget, the campaign's days), for a job as AdFlux's own data
generator makes them; never a spec written by hand for the test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from tests.integration.platforms.cases.base import ContractCase, sandbox_objects

from adflux.audiences.hashing import hash_members
from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.arm_spec import build_ad_spec
from adflux.campaigns.arms import DEFAULT_DAILY_BUDGET_COP
from adflux.campaigns.creatives import JobAd
from adflux.campaigns.service import CAMPAIGN_TZ
from adflux.config import Settings
from adflux.datagen.generator import generate_jobs
from adflux.platforms.base import (
    AdSpec,
    AudienceSpec,
    AuthExpired,
    InvalidRequest,
    OutcomeUnknown,
    PlatformAdapter,
    RateLimited,
    TransientError,
    name_has_key,
)
from adflux.platforms.registry import get_adapter
from adflux.platforms.settings import load_platform_settings
from adflux.sandbox.delivery import local_day
from adflux.sandbox.faults import FaultPlan
from adflux.segmentation.models import Segment
from adflux.targeting.aim import campaign_targeting
from adflux.targeting.places import Places, places_from_counts

CASE_MODULES = ("meta", "google_ads", "x_ads", "tiktok", "snapchat")
CASES: list[ContractCase] = [
    importlib.import_module(f"tests.integration.platforms.cases.{module}").CASE
    for module in CASE_MODULES
]

EMAIL = "  Ana.Perez@Example.COM "
PHONE = "300 123 4567"
# A job as `adflux seed` makes them (deterministic), in a city every platform's catalogue knows.
JOB = next(job for job in generate_jobs(40, seed=7) if job["city"] == "Bogotá")
APPLY_URL = Settings().apply_url_template.format(external_ref=JOB["external_ref"], id=1)


def make_spec(
    case: ContractCase,
    key: str = "adflux-pub-1",
    *,
    end_date: date | None = None,
    segments: tuple[Segment, ...] = (),
    custom_audience_ids: tuple[str, ...] = (),
    places: Places | None = None,
    remote_mode: str = JOB["remote_mode"],
    **changes,
) -> AdSpec:
    """The ad AdFlux publishes on `case`'s platform for JOB (on `segments` and their audiences,
    aimed at `places`, if given: the job's city alone otherwise); paused unless `active=True`."""
    opening = SimpleNamespace(**{**JOB, "remote_mode": remote_mode})
    job = JobAd.from_opening(opening, apply_url=APPLY_URL)
    spec = build_ad_spec(
        job=job,
        platform=case.name,
        publication_key=key,
        campaign_id=1,
        segment_ids=range(1, len(segments) + 1),
        campaign_name=f"{JOB['title']} · {JOB['city']}",  # the campaign service's default name
        # The campaign service's default budget for a campaign on this platform.
        daily_budget_cop=max(DEFAULT_DAILY_BUDGET_COP, MIN_DAILY_BUDGET_COP[case.name]),
        start_date=datetime.now(CAMPAIGN_TZ).date(),
        end_date=end_date,
        objective="traffic",
        targeting=campaign_targeting(
            job=job, segments=segments, custom_audience_ids=custom_audience_ids, places=places
        ),
    )
    return dataclasses.replace(spec, **{"active": False, **changes})


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request) -> ContractCase:
    return request.param


@pytest.fixture
def adapter(case: ContractCase, settings) -> PlatformAdapter:
    return get_adapter(case.name, settings)


def _publish(adapter: PlatformAdapter, spec: AdSpec, known=None):
    calls: list[tuple[str, str]] = []
    result = adapter.publish(
        spec, known_ids=known or {}, on_created=lambda k, i: calls.append((k, i))
    )
    return result, calls


def _fault(sandbox, platform: str, **plan) -> None:
    sandbox.state.faults.set(platform, FaultPlan.from_dict(plan))


# --------------------------------------------------------------------------- publishing


def test_credentials_are_accepted(adapter):
    status = adapter.check_credentials()
    assert status.ok, status.message


def test_the_ad_is_the_one_adflux_builds_for_the_job(case):
    spec = make_spec(case)

    # The job's apply URL with the publication's tracking code (campaign 1, no segment).
    assert spec.creative.link_url == (
        f"{APPLY_URL}?utm_source={case.name}&utm_medium=paid_social"
        "&utm_campaign=adflux-1&utm_content=job"
    )
    assert spec.creative.primary_text and JOB["title"].split()[0] in spec.creative.primary_text
    assert spec.targeting.locations and spec.targeting.locations[0].name == "Bogotá"
    assert spec.targeting.keywords  # the job's skills and area


def test_publish_creates_the_tree_and_the_platform_holds_the_ad_adflux_built(
    case, adapter, sandbox
):
    spec = make_spec(case, end_date=datetime.now(CAMPAIGN_TZ).date() + timedelta(days=30))
    result, calls = _publish(adapter, spec)

    assert tuple(result.external_ids) == case.tree_for(spec)
    assert calls == list(result.external_ids.items())  # reported the moment each existed
    objects = case.read_back(sandbox, result.external_ids)
    assert case.is_paused(objects)
    names = case.names(objects)
    assert names and all(name_has_key(name, spec.publication_key) for name in names)
    # Link, texts, budget, targeting, schedule and image, as the platform answers them.
    assert case.held(sandbox, objects) == case.meant(sandbox, spec)


# Where JOB's trade lives, as `job_places` would count it: Soacha, Chía and Zipaquirá are within a
# commute of Bogotá (X's location catalogue lacks them: it keeps the cities it knows), Medellín
# is not; for a remote job, Bogotá and Medellín together hold 85 % of the trade.
TRADE_COUNTS = {"Bogotá": 60, "Medellín": 25, "Soacha": 6, "Chía": 4, "Zipaquirá": 2, "Pasto": 3}


@pytest.mark.parametrize(
    ("remote_mode", "cities"),
    [("hibrido", ["Bogotá", "Soacha", "Chía", "Zipaquirá"]), ("remoto", ["Bogotá", "Medellín"])],
)
def test_the_platform_holds_every_place_adflux_aims_at(case, adapter, sandbox, remote_mode, cities):
    job = SimpleNamespace(**{**JOB, "remote_mode": remote_mode})
    spec = make_spec(case, places=places_from_counts(job, TRADE_COUNTS), remote_mode=remote_mode)
    assert [place.name for place in spec.targeting.locations] == cities
    assert {place.radius_km for place in spec.targeting.locations} == {25.0}

    result, _ = _publish(adapter, spec)

    assert tuple(result.external_ids) == case.tree_for(spec)
    objects = case.read_back(sandbox, result.external_ids)
    # Every city with its radius where the platform takes one (Meta, Google), by name on X.
    assert case.held(sandbox, objects) == case.meant(sandbox, spec)


def _segment_on_its_audience(case: ContractCase, adapter: PlatformAdapter) -> tuple[Segment, str]:
    """A segment of JOB's people as publishing sees it: its profile, and the platform audience
    `sync_audience` made of its consenting members (the id publishing passes on)."""
    members, _ = hash_members(case.name, [SimpleNamespace(email=EMAIL, phone=PHONE)])
    audience = adapter.sync_audience(AudienceSpec("aud-7", "Contadores en Bogotá", members))
    profile = {
        "top_cities": [{"value": JOB["city"], "share": 0.8}],
        "top_areas": [{"value": JOB["area"], "share": 0.9}],
        "top_skills": [{"value": skill, "share": 0.5} for skill in JOB["skills"]],
    }
    return Segment(name="Contadores en Bogotá", profile=profile), audience.external_id


def test_an_ad_on_a_segment_reaches_the_segments_audience(case, adapter, sandbox):
    segment, audience_id = _segment_on_its_audience(case, adapter)
    spec = make_spec(case, segments=(segment,), custom_audience_ids=(audience_id,))
    assert spec.targeting.custom_audience_ids == (audience_id,)

    result, calls = _publish(adapter, spec)

    assert tuple(result.external_ids) == case.tree_for(spec)
    assert calls == list(result.external_ids.items())
    objects = case.read_back(sandbox, result.external_ids)
    # The platform holds the audience where it restricts delivery, and the rest as meant.
    assert case.held(sandbox, objects) == case.meant(sandbox, spec)


def test_publishing_on_a_segment_again_attaches_its_audience_once(case, adapter, sandbox):
    segment, audience_id = _segment_on_its_audience(case, adapter)
    spec = make_spec(case, segments=(segment,), custom_audience_ids=(audience_id,))
    first, _ = _publish(adapter, spec)
    stored = len(sandbox_objects(sandbox, case.name))

    # A redelivered task: the ids recorded so far, or (after a lost answer) what find_existing
    # recovers by the publication key.
    again, calls = _publish(adapter, spec, known=first.external_ids)
    assert again.external_ids == first.external_ids and calls == []
    assert len(sandbox_objects(sandbox, case.name)) == stored
    found = adapter.find_existing(spec.publication_key)
    assert found == {k: v for k, v in first.external_ids.items() if k in case.findable}
    recovered, more = _publish(adapter, spec, known=found)

    # Only what cannot be found by the key is made again; the audience is attached once.
    assert {kind for kind, _ in more} <= set(first.external_ids) - set(found)
    assert {k: v for k, v in recovered.external_ids.items() if k in found} == found
    objects = case.read_back(sandbox, recovered.external_ids)
    assert case.held(sandbox, objects) == case.meant(sandbox, spec)


def test_publishing_again_with_known_ids_creates_nothing(case, adapter, sandbox):
    first, _ = _publish(adapter, make_spec(case))
    stored = len(sandbox_objects(sandbox, case.name))

    again, calls = _publish(adapter, make_spec(case), known=first.external_ids)

    assert again.external_ids == first.external_ids
    assert calls == []
    assert len(sandbox_objects(sandbox, case.name)) == stored


def test_one_adapter_publishes_from_many_threads_at_once(case, sandbox, caplog):
    """Workers share one adapter per platform and process, so its client must be thread-safe."""
    # The default client timeout, not the suite's 1 s: twelve trees at once on a busy 2-core
    # machine can keep one answer past a second, and this test is about sharing, not speed.
    adapter = get_adapter(case.name, load_platform_settings(sandbox.client_env()))
    keys = [f"adflux-pub-{n}" for n in range(1, 13)]
    with ThreadPoolExecutor(max_workers=12) as threads:
        published = threads.map(lambda key: _publish(adapter, make_spec(case, key=key)), keys)
        results = dict(zip(keys, published, strict=True))

    for key, (result, calls) in results.items():
        assert tuple(result.external_ids) == case.tree_for(make_spec(case, key=key))
        assert calls == list(result.external_ids.items())
        names = case.names(case.read_back(sandbox, result.external_ids))
        assert names and all(name_has_key(name, key) for name in names)
    # One tree per key (an image may be shared: the same bytes are the same image).
    for kind in (case.tree[0], case.tree[-1]):
        assert len({result.external_ids[kind] for result, _ in results.values()}) == len(keys)
    pool_warnings = [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert pool_warnings == [], "keep-alive connections were dropped"


class Crash(Exception):
    """The worker dies right after persisting an id."""


def test_a_publish_interrupted_after_the_first_object_resumes_without_duplicates(
    case, adapter, sandbox
):
    saved: dict[str, str] = {}

    def persist_then_die(kind: str, object_id: str) -> None:
        saved[kind] = object_id
        raise Crash

    spec = make_spec(case)
    with pytest.raises(Crash):
        adapter.publish(spec, known_ids={}, on_created=persist_then_die)
    assert list(saved) == [case.tree[0]]

    resumed, calls = _publish(adapter, spec, known=saved)

    assert resumed.external_ids[case.tree[0]] == saved[case.tree[0]]
    assert [kind for kind, _ in calls] == list(case.tree_for(spec)[1:])
    assert case.is_paused(case.read_back(sandbox, resumed.external_ids))


def test_find_existing_returns_the_ids_by_publication_key(case, adapter):
    mine, _ = _publish(adapter, make_spec(case, key="adflux-pub-4"))
    _publish(
        adapter, make_spec(case, key="adflux-pub-42")
    )  # a key that extends ours must not match

    found = adapter.find_existing("adflux-pub-4")

    assert found == {k: v for k, v in mine.external_ids.items() if k in case.findable}
    assert adapter.find_existing("adflux-pub-404") == {}


def test_pause_and_resume(case, adapter, sandbox):
    result, _ = _publish(adapter, make_spec(case, active=True))
    assert not case.is_paused(case.read_back(sandbox, result.external_ids))

    adapter.set_active(result.external_ids, False)
    assert case.is_paused(case.read_back(sandbox, result.external_ids))

    adapter.set_active(result.external_ids, True)
    assert not case.is_paused(case.read_back(sandbox, result.external_ids))


# --------------------------------------------------------------------------- audiences, reports


def test_audience_sync_sends_the_hashes_of_the_platforms_normal_form(case, adapter, sandbox):
    contacts = [SimpleNamespace(email=EMAIL, phone=PHONE)]
    members, skipped = hash_members(case.name, contacts)
    assert skipped == 0

    result = adapter.sync_audience(AudienceSpec("aud-3", "Contadores en Bogotá", members))

    assert result.uploaded == 1
    uploaded = case.uploaded(sandbox, result.external_id)
    # Computed by hand from each platform's documented normal form, not by AdFlux's code.
    assert uploaded["email"] == {hashlib.sha256(b"ana.perez@example.com").hexdigest()}
    assert uploaded["phone"] == {hashlib.sha256(case.phone_text.encode()).hexdigest()}


def test_audience_sync_adds_to_an_existing_audience(case, adapter, sandbox):
    first = hash_members(case.name, [SimpleNamespace(email="uno@example.com", phone=PHONE)])[0]
    second = hash_members(case.name, [SimpleNamespace(email="dos@example.com", phone=None)])[0]
    created = adapter.sync_audience(AudienceSpec("aud-4", "Segmento 4", first))

    again = adapter.sync_audience(AudienceSpec("aud-4", "Segmento 4", second, created.external_id))

    assert again.external_id == created.external_id
    assert len(case.uploaded(sandbox, created.external_id)["email"]) == 2


def test_reported_figures_grow_with_active_time(case, adapter, sandbox):
    spec = make_spec(case, active=True)
    result, _ = _publish(adapter, spec)
    paused, _ = _publish(adapter, make_spec(case, key="adflux-pub-2", active=False))
    trees = {spec.publication_key: result.external_ids, "adflux-pub-2": paused.external_ids}
    today = local_day(sandbox.state.clock.now())

    def totals() -> tuple[int, int, int]:
        rows = adapter.daily_report(trees, today, today + timedelta(days=4))
        assert {row.publication_key for row in rows} == {spec.publication_key}  # paused: none
        assert len({row.day for row in rows}) == len(rows)
        return tuple(
            sum(getattr(r, f) for r in rows) for f in ("impressions", "clicks", "spend_cop")
        )

    sandbox.state.clock.advance(30 * 3600)
    early = totals()
    sandbox.state.clock.advance(24 * 3600)
    later = totals()

    assert 0 < early[0] < later[0]
    assert 0 < later[2] <= spec.daily_budget_cop * 3  # never more than the daily budget a day


# --------------------------------------------------------------------------- errors


def test_rate_limit_raises_with_the_platforms_wait(case, adapter, sandbox):
    _fault(
        sandbox,
        case.name,
        rate_limit=1.0,
        times=1,
        retry_after_s=180,
        variant=case.rate_limit_variant,
    )

    with pytest.raises(RateLimited) as caught:
        adapter.find_existing("adflux-pub-1")

    assert caught.value.retry_after_s == pytest.approx(case.expected_wait_s(180), abs=3)
    assert adapter.find_existing("adflux-pub-1") == {}  # the next call goes through


def test_server_error_is_transient(case, adapter, sandbox):
    _fault(sandbox, case.name, server_error=1.0, times=1)

    with pytest.raises(TransientError):
        adapter.find_existing("adflux-pub-1")


def test_revoked_credential_is_auth_expired(case, adapter, sandbox):
    sandbox.state.revoke(case.name)

    with pytest.raises(AuthExpired):
        adapter.publish(make_spec(case), known_ids={}, on_created=lambda k, i: None)
    status = adapter.check_credentials()
    assert not status.ok and status.message


def test_invalid_request_names_the_field(case, adapter, sandbox):
    spec = make_spec(case, **case.rejected.changes)

    with pytest.raises(InvalidRequest) as caught:
        adapter.publish(spec, known_ids={}, on_created=lambda k, i: None)

    assert caught.value.field == case.rejected.field
    assert caught.value.message and caught.value.code is not None


def test_timeout_after_sending_is_outcome_unknown_and_reconciles(case, adapter, sandbox):
    _fault(sandbox, case.name, timeout=1.0, times=1, match=case.first_create, timeout_hold_s=2.5)
    spec = make_spec(case, key="adflux-pub-9")

    # The sandbox holds the answer longer than the client waits: the client gives up.
    with pytest.raises(OutcomeUnknown):
        adapter.publish(spec, known_ids={}, on_created=lambda k, i: None)

    found = adapter.find_existing(spec.publication_key)
    assert set(found) == {case.tree[0]}  # the create went through although nobody saw its id
    result, calls = _publish(adapter, spec, known=found)
    assert result.external_ids[case.tree[0]] == found[case.tree[0]]
    assert case.tree[0] not in dict(calls)


def test_spec_is_plain_data():
    # The port is SDK-free: specs compare and copy as values.
    spec = make_spec(CASES[0])
    assert dataclasses.replace(spec) == spec
