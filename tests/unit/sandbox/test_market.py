"""The simulated market's model, on a store holding Meta-shaped objects and an explicit clock."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from adflux.audiences.hashing import hash_member
from adflux.sandbox.audience_minimums import can_deliver, uploaded_people
from adflux.sandbox.delivery import ACCOUNT_TZ
from adflux.sandbox.market import RESTATEMENT_DAYS, Market
from adflux.sandbox.market_world import WorldError, member_hashes, parse_world
from adflux.sandbox.store import Clock, Store

DAY0 = date(2026, 11, 2)  # a Monday
T0 = datetime(2026, 11, 2, tzinfo=ACCOUNT_TZ).timestamp()
JOB = {
    "ref": "job-1",
    "city": "Bogotá",
    "area": "Tecnología",
    "seniority": "semi_senior",
    "remote_mode": "presencial",
    "salary_min_cop": 3_000_000,
    "salary_max_cop": 4_500_000,
    "employment_type": "tiempo_completo",
}


def person(i: int, *, fits: bool = True, city: str = "Bogotá") -> dict:
    return {
        "ref": f"cand-{i}",
        "email": f"persona{i}@example.com",
        "phone": f"300{i:07d}",
        "city": city,
        "area": "Tecnología" if fits else "Salud",
        "years_experience": 4 if fits else 0,
        "desired_salary_cop": 4_000_000 if fits else 9_000_000,
        "education_level": "profesional" if fits else "bachiller",
        "remote_preference": "presencial" if fits else "remoto",
    }


def market(store: Store, *, people: list[dict] | None = None, seed: int = 7) -> Market:
    m = Market(store=store, clock=Clock(), seed=seed)
    m.set_world({"people": people if people is not None else [], "jobs": [JOB]})
    return m


def meta_ad(
    store: Store,
    ad_id: str,
    *,
    budget: int = 50_000,
    audience: list[dict] | None = None,
    job_ref: str = "job-1",
    active_from: float = T0,
) -> None:
    """A Meta campaign > ad set > ad, active from `active_from`, linking to the job's page."""
    log = [[active_from, True]]
    targeting: dict = {"geo_locations": {"countries": ["CO"]}}
    if audience is not None:
        hashes = sorted(h for p in audience for h in member_hashes("meta", _person(p)))
        store.insert("meta", {"id": f"ca-{ad_id}", "kind": "customaudience", "_users": {}})
        store.update("meta", f"ca-{ad_id}", lambda o: o["_users"].update(EMAIL_SHA256=hashes))
        targeting["custom_audiences"] = [{"id": f"ca-{ad_id}"}]
    link = f"https://www.magneto365.com/co/empleos/{job_ref}?utm_source=meta&utm_campaign=adflux-9"
    store.insert("meta", {"id": f"c-{ad_id}", "kind": "campaign", "_status_log": log})
    store.insert(
        "meta",
        {
            "id": f"s-{ad_id}",
            "kind": "adset",
            "daily_budget": str(budget),
            "targeting": targeting,
            "_status_log": log,
        },
    )
    spec = {"link_data": {"link": link}}
    store.insert("meta", {"id": f"cr-{ad_id}", "kind": "adcreative", "object_story_spec": spec})
    store.insert(
        "meta",
        {
            "id": ad_id,
            "kind": "ad",
            "adset_id": f"s-{ad_id}",
            "campaign_id": f"c-{ad_id}",
            "creative": {"id": f"cr-{ad_id}"},
            "_status_log": log,
        },
    )


def attach_audience(store: Store, ad_id: str, audience_id: str, users: dict) -> None:
    """Restrict the ad's ad set to one more Meta custom audience holding `users` by schema."""
    store.insert("meta", {"id": audience_id, "kind": "customaudience", "_users": users})

    def restrict(adset: dict) -> None:
        adset["targeting"].setdefault("custom_audiences", []).append({"id": audience_id})

    store.update("meta", f"s-{ad_id}", restrict)


def _person(data: dict):
    return parse_world({"people": [data], "jobs": []}).people[0]


def day_figures(m: Market, ad_id: str, day: date, *, age_days: int = 5):
    now = T0 + ((day - DAY0).days + age_days) * 86_400 + 3600
    (figures,) = m.ad_days("meta", ad_id, since=day, until=day, now=now)
    return figures


def test_doubling_the_budget_on_a_small_audience_less_than_doubles_impressions():
    store = Store()
    m = market(store, people=[person(i) for i in range(2_000)])  # a few thousand impressions
    meta_ad(store, "ad", budget=30_000)
    small = day_figures(m, "ad", DAY0)
    store.update("meta", "s-ad", lambda adset: adset.update(daily_budget="60000"))
    double = day_figures(m, "ad", DAY0)

    assert small.impressions < double.impressions < 1.8 * small.impressions


def test_on_a_large_audience_impressions_follow_the_budget():
    store = Store()
    m = market(store)  # the anonymous audience: far from saturation
    meta_ad(store, "ad", budget=30_000)
    small = day_figures(m, "ad", DAY0)
    store.update("meta", "s-ad", lambda adset: adset.update(daily_budget="60000"))
    double = day_figures(m, "ad", DAY0)

    assert 1.8 * small.impressions < double.impressions <= 2 * small.impressions


def test_figures_grow_with_the_time_the_ad_was_active():
    store = Store()
    m = market(store)
    meta_ad(store, "ad")

    def today(hours: float):
        return m.ad_days("meta", "ad", since=DAY0, until=DAY0, now=T0 + hours * 3600)

    (two,), (four,) = today(2), today(4)
    assert 0 < two.impressions < four.impressions and two.clicks <= four.clicks
    assert two.spend < four.spend
    assert today(0) == []


def test_spend_never_exceeds_the_daily_budget_reported_or_final():
    store = Store()
    m = market(store, people=[person(i) for i in range(300)])
    for budget in (5_000, 20_000, 200_000):
        meta_ad(store, f"ad-{budget}", budget=budget)
    now = T0 + 9 * 86_400 + 7200
    for budget in (5_000, 20_000, 200_000):
        days = m.ad_days("meta", f"ad-{budget}", since=DAY0, until=DAY0 + timedelta(9), now=now)
        assert len(days) == 10
        assert all(0 < d.spend <= budget for d in days), days
    truth = m.truth(now)["meta"]
    assert all(t.spend <= 200_000 for days in truth.values() for t in days.values())


def test_weekends_deliver_less_than_weekdays():
    store = Store()
    m = market(store)  # no world: the anonymous audience, budget-bound delivery
    meta_ad(store, "ad", budget=40_000)
    weeks = [day_figures(m, "ad", DAY0 + timedelta(days=d)) for d in range(28)]

    weekday = [f.impressions for f in weeks if f.day.weekday() in (0, 1)]
    weekend = [f.impressions for f in weeks if f.day.weekday() in (5, 6)]
    assert sum(weekend) / len(weekend) * 1.3 < sum(weekday) / len(weekday)


def test_figures_are_deterministic_from_seed_platform_ad_and_day():
    stores = [Store(), Store(), Store()]
    markets = [
        market(stores[0], people=[person(i) for i in range(60)]),
        market(stores[1], people=[person(i) for i in range(60)]),
        market(stores[2], people=[person(i) for i in range(60)], seed=8),
    ]
    for store in stores:
        meta_ad(store, "ad")
    now = T0 + 6 * 86_400

    first, again, other = (m.truth(now) for m in markets)

    assert first == again and first["meta"]["ad"]
    assert first != other


def test_recent_days_are_restated_and_final_after_three_days():
    store = Store()
    m = market(store, people=[person(i) for i in range(500)])
    meta_ad(store, "ad", budget=80_000)
    final = m.truth(T0 + 10 * 86_400)["meta"]["ad"][DAY0]
    reported = [day_figures(m, "ad", DAY0, age_days=age) for age in range(6)]

    gaps = [
        abs(r.clicks - final.clicks)
        + abs(r.spend - final.spend)
        + abs(r.impressions - final.impressions)
        for r in reported
    ]
    assert gaps[1] > 0 and gaps[1] >= gaps[2]  # converging
    for r in reported[RESTATEMENT_DAYS:]:
        assert (r.impressions, r.clicks, r.spend) == (final.impressions, final.clicks, final.spend)


def test_a_better_fit_raises_the_chance_to_apply():
    store = Store()
    # Each audience holds Meta's minimum of matched people (100), under which it delivers nothing.
    good = [person(i) for i in range(100)]
    poor = [person(1000 + i, fits=False) for i in range(100)]
    m = market(store, people=good + poor)
    job = m.world.jobs["job-1"]
    assert m.fit(m.world.people[0], job) > 0.9 > 0.4 > m.fit(m.world.people[100], job)

    meta_ad(store, "good", audience=good)
    meta_ad(store, "poor", audience=poor)
    truth = m.truth(T0 + 20 * 86_400)["meta"]

    def apply_rate(ad: str) -> float:
        days = truth[ad].values()
        return sum(d.applications for d in days) / sum(d.clicks for d in days)

    assert apply_rate("good") > 2 * apply_rate("poor")


def test_an_ad_on_a_custom_audience_draws_applicants_only_from_its_members():
    store = Store()
    people = [person(i) for i in range(300)]
    members = people[:120]
    m = market(store, people=people)
    meta_ad(store, "ad", audience=members, budget=100_000)
    now = T0 + 14 * 86_400

    applications = [a for a in m.all_applications(now) if a.ad_id == "ad"]

    assert applications, "120 fitting members over two weeks apply"
    assert {a.candidate_ref for a in applications} <= {p["ref"] for p in members}
    assert all(a.job_ref == "job-1" for a in applications)
    assert dict(applications[0].utm) == {"utm_source": "meta", "utm_campaign": "adflux-9"}


def test_an_ad_restricted_to_an_audience_under_metas_minimum_reports_nothing():
    store = Store()
    people = [person(i) for i in range(300)]
    m = market(store, people=people)
    meta_ad(store, "small", audience=people[:50], budget=100_000)
    meta_ad(store, "enough", audience=people[:100], budget=100_000)
    now = T0 + 14 * 86_400

    assert m.ad_days("meta", "small", since=DAY0, until=DAY0 + timedelta(days=13), now=now) == []
    assert "small" not in m.truth(now)["meta"]
    assert not [a for a in m.all_applications(now) if a.ad_id == "small"]
    assert day_figures(m, "enough", DAY0).impressions > 0  # 100 matched: Meta's minimum


def test_an_audience_counts_the_people_it_matches_not_those_uploaded():
    store = Store()
    world = [person(i) for i in range(300)]
    strangers = [person(5000 + i) for i in range(200)]  # uploaded, but nobody the world holds
    m = market(store, people=world)
    meta_ad(store, "ad", audience=world[:60] + strangers, budget=100_000)

    assert m.ad_days("meta", "ad", since=DAY0, until=DAY0, now=T0 + 5 * 86_400) == []


def test_beside_a_deliverable_audience_a_too_small_one_adds_nobody():
    store = Store()
    people = [person(i) for i in range(400)]
    m = market(store, people=people)
    meta_ad(store, "ad", audience=people[:150], budget=200_000)
    few = sorted(h for p in people[300:340] for h in member_hashes("meta", _person(p)))
    attach_audience(store, "ad", "ca-few", {"EMAIL_SHA256": few})

    applied = {a.candidate_ref for a in m.all_applications(T0 + 14 * 86_400) if a.ad_id == "ad"}

    assert applied and applied <= {p["ref"] for p in people[:150]}


def test_without_a_world_an_audience_counts_the_people_uploaded_to_it():
    store = Store()
    m = market(store)  # anonymous people: every upload matches
    for ad_id, people in (("small", 99), ("enough", 100)):
        meta_ad(store, ad_id)
        emails = [hashlib.sha256(f"p{i}@example.com".encode()).hexdigest() for i in range(people)]
        phones = [hashlib.sha256(f"57300{i:07d}".encode()).hexdigest() for i in range(people)]
        users = {"EMAIL_SHA256": emails, "PHONE_SHA256": phones}  # one person, two hashes
        attach_audience(store, ad_id, f"ca-{ad_id}", users)

    assert m.ad_days("meta", "small", since=DAY0, until=DAY0, now=T0 + 5 * 86_400) == []
    assert day_figures(m, "enough", DAY0).impressions > 0


@pytest.mark.parametrize(
    ("platform", "smallest"), [("meta", 100), ("x", 100), ("google", 100), ("tiktok", 1000)]
)
def test_each_platform_delivers_from_its_documented_minimum(platform, smallest):
    assert can_deliver(platform, smallest)
    assert not can_deliver(platform, smallest - 1)


def test_a_person_uploaded_by_email_and_phone_counts_once():
    assert uploaded_people({"EMAIL_SHA256": ["a", "b"], "PHONE_SHA256": ["c", "d", "e"]}) == 3
    assert uploaded_people({}) == 0


def test_an_ad_for_a_job_outside_the_world_gets_clicks_but_no_applications():
    store = Store()
    m = market(store, people=[person(i) for i in range(200)])
    meta_ad(store, "ad", job_ref="job-unknown")

    days = m.truth(T0 + 7 * 86_400)["meta"]["ad"]

    assert sum(d.clicks for d in days.values()) > 0
    assert all(d.applications == 0 for d in days.values())


@pytest.mark.parametrize("platform", ["meta", "google", "x", "tiktok"])
def test_people_hash_as_adflux_uploads_them(platform):
    contact = SimpleNamespace(email="  Ana.Perez+jobs@Gmail.COM ", phone="+57 300 123 4567")
    uploaded = hash_member(platform, contact)
    data = {**person(1), "email": contact.email, "phone": contact.phone}

    assert uploaded is not None
    assert member_hashes(platform, _person(data)) == {uploaded.email_sha256, uploaded.phone_sha256}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"people": "x", "jobs": []}, "people"),
        ({"people": [], "jobs": [{**JOB, "seniority": "boss"}]}, "jobs[0].seniority"),
        (
            {"people": [{**person(1), "years_experience": "3"}], "jobs": []},
            "people[0].years_experience",
        ),
        ({"people": [], "jobs": [JOB, JOB]}, "jobs[1].ref"),
    ],
)
def test_a_bad_world_is_refused_naming_the_field(body, field):
    with pytest.raises(WorldError) as caught:
        parse_world(body)
    assert caught.value.field == field


def test_the_world_and_the_job_site_survive_a_restart(tmp_path):
    store, path = Store(), tmp_path / "market.json"
    first = Market(store=store, clock=Clock(), path=path)
    first.set_world({"people": [person(1)], "jobs": [JOB]})
    first.set_job_site({"applications_url": "http://127.0.0.1:1/api/v1/applications", "token": "t"})

    again = Market(store=store, clock=Clock(), path=path)

    assert again.world.people == first.world.people and list(again.world.jobs) == ["job-1"]
    assert again.job_site == ("http://127.0.0.1:1/api/v1/applications", "t")


def test_a_post_that_cannot_connect_is_kept_and_retried_after_a_backoff():
    store = Store()
    m = market(store, people=[person(i) for i in range(300)])
    meta_ad(store, "ad", budget=100_000)
    # Nothing listens on port 9 (discard) here: every post fails to connect.
    m.set_job_site({"applications_url": "http://127.0.0.1:9/api/v1/applications", "token": "t"})
    now = T0 + 3 * 86_400

    first = m.outbox.deliver(now)
    again = m.outbox.deliver(now + 1)  # inside the backoff: nothing is due
    later = m.outbox.deliver(now + 3 * 86_400)

    made = len(m.all_applications(now))
    assert made > 0 and first["delivered"] == 0 and first["failed"] > 0
    assert first["pending"] >= made  # kept: at least one post per application
    assert again["failed"] == 0 and again["pending"] == first["pending"]
    assert later["failed"] >= first["pending"] and later["delivered"] == 0


def test_a_shifted_ad_brings_fewer_applications_from_its_first_day_and_nothing_else_changes():
    store = Store()
    people = [person(i) for i in range(800)]
    m = market(store, people=people)
    meta_ad(store, "shifted", audience=people[:400], budget=100_000)
    meta_ad(store, "steady", audience=people[400:], budget=100_000)
    now = T0 + 20 * 86_400
    before = m.truth(now)["meta"]
    first_day = DAY0 + timedelta(days=10)

    m.shifts[("meta", "shifted")] = (first_day, 0.3)
    after = m.truth(now)["meta"]

    assert after["steady"] == before["steady"]
    early = [day for day in before["shifted"] if day < first_day]
    late = [day for day in before["shifted"] if day >= first_day]
    assert len(early) == len(late) == 10
    assert all(after["shifted"][day] == before["shifted"][day] for day in early)
    for day in late:  # what the platform reports is the same: only the chance to apply fell
        was, now_is = before["shifted"][day], after["shifted"][day]
        assert (now_is.impressions, now_is.clicks, now_is.spend) == (
            was.impressions,
            was.clicks,
            was.spend,
        )
    applications_before = sum(before["shifted"][day].applications for day in late)
    applications_after = sum(after["shifted"][day].applications for day in late)
    assert applications_before >= 40, "enough applications for the drop to be measured"
    assert applications_after < 0.5 * applications_before


def test_the_expected_applications_are_what_the_market_draws_on_average():
    store = Store()
    people = [person(i, fits=i % 3 != 0) for i in range(1_500)]
    m = market(store, people=people)
    meta_ad(store, "ad", audience=people, budget=60_000)
    days = [DAY0 + timedelta(days=d) for d in range(42)]
    drawn = m.truth(T0 + 43 * 86_400)["meta"]["ad"]

    expected = sum(float(m.expected_applications("meta", "ad", day, [60_000])[0]) for day in days)
    actual = sum(drawn[day].applications for day in days)

    assert actual >= 200, "enough applications for the average to be measured"
    assert 0.85 * expected <= actual <= 1.15 * expected
    # Concave in the budget: double the budget buys more, but less than double.
    low, high = m.expected_applications("meta", "ad", DAY0, [60_000, 120_000])
    assert low < high < 2 * low


def test_the_expected_applications_follow_the_shift():
    store = Store()
    people = [person(i) for i in range(300)]
    m = market(store, people=people)
    meta_ad(store, "ad", audience=people)
    m.shifts[("meta", "ad")] = (DAY0 + timedelta(days=7), 0.3)

    week_before = m.expected_applications("meta", "ad", DAY0, [50_000])[0]
    week_after = m.expected_applications("meta", "ad", DAY0 + timedelta(days=7), [50_000])[0]

    # Both Mondays: the same weekday, so only the shift differs.
    assert week_after == pytest.approx(0.3 * week_before, rel=0.02)
