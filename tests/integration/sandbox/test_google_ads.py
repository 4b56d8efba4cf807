"""The Google Ads adapter against the gRPC sandbox over real TLS, read back with the plain SDK."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from tests.integration.sandbox.google_support import (
    ROOTS_ENV,
    google_settings,
    raw_client,
    reset,
    search,
)

from adflux.platforms.base import (
    AdSpec,
    AudienceSpec,
    AuthExpired,
    Creative,
    GeoTarget,
    HashedMember,
    InvalidRequest,
    OutcomeUnknown,
    RateLimited,
    Targeting,
    TransientError,
)
from adflux.platforms.google_ads import GoogleAdsAdapter
from adflux.sandbox.delivery import local_day
from adflux.sandbox.faults import FaultPlan
from adflux.sandbox.server import RunningSandbox, start_in_thread

BOGOTA = GeoTarget("Bogotá", latitude=4.711, longitude=-74.0721, radius_km=30)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with pytest.MonkeyPatch.context() as patch:
        # The adapter sets this itself from ca_file; the context restores the variable afterwards.
        patch.delenv(ROOTS_ENV, raising=False)
        running = start_in_thread(http_port=0, grpc_port=0)
        yield running
        running.stop()


@pytest.fixture(autouse=True)
def _fresh(sandbox: RunningSandbox) -> None:
    reset(sandbox)


@pytest.fixture
def adapter(sandbox: RunningSandbox) -> GoogleAdsAdapter:
    return GoogleAdsAdapter(google_settings(sandbox))


@pytest.fixture
def client(sandbox: RunningSandbox, adapter: GoogleAdsAdapter):
    adapter.check_credentials()  # the adapter points gRPC at the sandbox CA first
    return raw_client(sandbox)


def _spec(key: str = "adflux-pub-1", **changes) -> AdSpec:
    values = {
        "publication_key": key,
        "name": "Auxiliar contable",
        "creative": Creative(
            headlines=("Auxiliar contable en Bogotá", "Postúlate hoy", "Salario COP 2.500.000"),
            descriptions=(
                "Empresa líder busca auxiliar contable con 1 año de experiencia.",
                "Contrato a término indefinido. Aplica en minutos.",
            ),
            primary_text="",
            link_url="https://empleos.example.co/vacantes/42",
        ),
        "targeting": Targeting(locations=(BOGOTA,), keywords=("auxiliar contable", "contador")),
        "daily_budget_cop": 50_000,
        "start_at": datetime.now(UTC),
    }
    values.update(changes)
    return AdSpec(**values)


def _publish(adapter: GoogleAdsAdapter, spec: AdSpec, known=None) -> tuple[dict, list[str]]:
    created: list[str] = []
    result = adapter.publish(spec, known_ids=known or {}, on_created=lambda k, _: created.append(k))
    return result.external_ids, created


def test_publish_creates_the_tree_and_reads_back(adapter, client):
    ids, created = _publish(adapter, _spec())

    assert created == ["budget", "campaign", "criteria", "ad_group", "keywords", "ad"]
    (row,) = search(
        client,
        "SELECT campaign.name, campaign.status, campaign.advertising_channel_type, "
        "campaign.contains_eu_political_advertising, campaign.bidding_strategy_type, "
        "campaign_budget.amount_micros FROM campaign "
        f"WHERE campaign.resource_name = '{ids['campaign']}'",
    )
    assert row.campaign.name == "[adflux-pub-1] campaign: Auxiliar contable"
    assert row.campaign.status.name == "PAUSED"
    assert row.campaign.advertising_channel_type.name == "SEARCH"
    assert row.campaign.contains_eu_political_advertising.name.startswith("DOES_NOT_CONTAIN")
    assert row.campaign.bidding_strategy_type.name == "MANUAL_CPC"
    assert row.campaign_budget.amount_micros == 50_000 * 1_000_000

    criteria = search(
        client,
        "SELECT campaign_criterion.type, campaign_criterion.proximity.radius, "
        "campaign_criterion.language.language_constant FROM campaign_criterion "
        f"WHERE campaign.resource_name = '{ids['campaign']}'",
    )
    kinds = {c.campaign_criterion.type_.name: c.campaign_criterion for c in criteria}
    assert kinds["PROXIMITY"].proximity.radius == 30
    assert kinds["LANGUAGE"].language.language_constant == "languageConstants/1003"
    assert sorted(ids["criteria"].split(",")) == sorted(
        r.campaign_criterion.resource_name
        for r in search(
            client,
            "SELECT campaign_criterion.resource_name FROM campaign_criterion "
            f"WHERE campaign.resource_name = '{ids['campaign']}'",
        )
    )

    (ad,) = search(
        client,
        "SELECT ad_group_ad.ad.responsive_search_ad.headlines, ad_group_ad.ad.final_urls, "
        f"ad_group.name FROM ad_group_ad WHERE ad_group_ad.resource_name = '{ids['ad']}'",
    )
    headlines = [h.text for h in ad.ad_group_ad.ad.responsive_search_ad.headlines]
    assert headlines == list(_spec().creative.headlines)
    assert list(ad.ad_group_ad.ad.final_urls) == ["https://empleos.example.co/vacantes/42"]
    assert ad.ad_group.name == "[adflux-pub-1] ad_group: Auxiliar contable"

    keywords = search(
        client,
        "SELECT ad_group_criterion.keyword.text FROM ad_group_criterion "
        f"WHERE ad_group.resource_name = '{ids['ad_group']}'",
    )
    assert sorted(k.ad_group_criterion.keyword.text for k in keywords) == [
        "auxiliar contable",
        "contador",
    ]


def test_republish_with_known_ids_creates_nothing(adapter, client):
    ids, _ = _publish(adapter, _spec())
    again, created = _publish(adapter, _spec(), known=ids)
    assert created == []
    assert again == ids
    assert len(search(client, "SELECT campaign.id FROM campaign")) == 1


class WorkerKilled(Exception):
    pass


def test_publish_resumes_after_a_crash_with_the_recorded_ids(adapter, client):
    recorded: dict[str, str] = {}

    def record_then_die(kind: str, object_id: str) -> None:
        recorded[kind] = object_id
        if kind == "criteria":
            raise WorkerKilled

    with pytest.raises(WorkerKilled):
        adapter.publish(_spec(), known_ids={}, on_created=record_then_die)
    ids, created = _publish(adapter, _spec(), known=recorded)

    assert created == ["ad_group", "keywords", "ad"]
    assert {k: ids[k] for k in recorded} == recorded
    for resource in ("campaign_budget", "campaign", "ad_group", "ad_group_ad"):
        assert len(search(client, f"SELECT {resource}.resource_name FROM {resource}")) == 1


def test_country_targeting_when_no_city_has_coordinates(adapter, client):
    spec = _spec(targeting=Targeting(locations=(GeoTarget("Colombia"),)))
    ids, _ = _publish(adapter, spec)
    rows = search(
        client,
        "SELECT campaign_criterion.location.geo_target_constant FROM campaign_criterion "
        f"WHERE campaign.resource_name = '{ids['campaign']}' "
        "AND campaign_criterion.type = LOCATION",
    )
    assert [r.campaign_criterion.location.geo_target_constant for r in rows] == [
        "geoTargetConstants/2170"
    ]


def test_find_existing_matches_the_exact_key_only(adapter):
    first, _ = _publish(adapter, _spec("adflux-pub-1"))
    _publish(adapter, _spec("adflux-pub-12", name="Contador"))
    assert adapter.find_existing("adflux-pub-1") == first
    assert adapter.find_existing("adflux-pub-3") == {}


def test_pause_and_resume(adapter, client):
    ids, _ = _publish(adapter, _spec())
    query = (
        f"SELECT campaign.status FROM campaign WHERE campaign.resource_name = '{ids['campaign']}'"
    )
    adapter.set_active(ids, True)
    assert search(client, query)[0].campaign.status.name == "ENABLED"
    adapter.set_active(ids, False)
    assert search(client, query)[0].campaign.status.name == "PAUSED"


def _today_in_bogota() -> date:
    return (datetime.now(UTC) - timedelta(hours=5)).date()


def test_reported_figures_grow_while_the_campaign_serves(adapter, sandbox):
    ids, _ = _publish(adapter, _spec(active=True))
    today = _today_in_bogota()
    window = (today - timedelta(days=7), today + timedelta(days=7))

    sandbox.state.clock.advance(3600)
    first = adapter.daily_report({"adflux-pub-1": ids}, *window)
    sandbox.state.clock.advance(3600)
    second = adapter.daily_report({"adflux-pub-1": ids}, *window)
    adapter.set_active(ids, False)
    sandbox.state.clock.advance(3600)
    paused = adapter.daily_report({"adflux-pub-1": ids}, *window)

    assert sum(d.impressions for d in first) > 0
    assert sum(d.impressions for d in second) > sum(d.impressions for d in first)
    assert sum(d.impressions for d in paused) == sum(d.impressions for d in second)
    assert all(d.spend_cop <= 50_000 for d in second)
    assert all(d.clicks <= d.impressions for d in second)


def test_a_paused_campaign_reports_nothing(adapter, sandbox):
    ids, _ = _publish(adapter, _spec())
    sandbox.state.clock.advance(3600)
    today = _today_in_bogota()
    assert adapter.daily_report({"adflux-pub-1": ids}, today, today) == []


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def test_audience_user_list_and_member_hashes(adapter, client, sandbox):
    # Google's rules: email trimmed + lowercased, phone in E.164 with "+", SHA-256 lowercase hex.
    ana = HashedMember(_sha("ana.perez@example.com"), _sha("+573001234567"))
    spec = AudienceSpec(audience_key="adflux-aud-3", name="Contadores Bogotá", members=(ana,))

    result = adapter.sync_audience(spec)

    (row,) = search(
        client,
        "SELECT user_list.name, user_list.type, user_list.crm_based_user_list.upload_key_type "
        f"FROM user_list WHERE user_list.resource_name = '{result.external_id}'",
    )
    assert row.user_list.name == "[adflux-aud-3] audience: Contadores Bogotá"
    assert row.user_list.crm_based_user_list.upload_key_type.name == "CONTACT_INFO"
    assert result.uploaded == 1
    (ingestion,) = [
        o for o in sandbox.state.store.dump()["google"] if o["kind"] == "audience_ingestion"
    ]
    assert ingestion["members"] == [
        [{"emailAddress": ana.email_sha256}, {"phoneNumber": ana.phone_sha256}]
    ]
    # Computed once by hand (sha256sum), so a change in hashing cannot go unnoticed.
    assert ana.email_sha256 == "3c6c5c25f4b64020ae299c05c0e540df807d9aed7457b04b118cc234a6a58c6a"
    assert ana.phone_sha256 == "5b181b132cc2c1b40eb94df758a7b9048cbcd7581782bd3dd8d5a2f8aca96ad0"
    assert result.receipt["request_ids"]

    again = adapter.sync_audience(spec)  # same key: the existing list is found, not duplicated
    assert again.external_id == result.external_id
    assert len(search(client, "SELECT user_list.id FROM user_list")) == 1


# ---------------------------------------------------------------------- errors


def test_rate_limit_carries_the_wait_google_asked_for(adapter, sandbox):
    sandbox.state.faults.set("google", FaultPlan(rate_limit=1.0, times=1, retry_after_s=17))
    with pytest.raises(RateLimited) as caught:
        _publish(adapter, _spec())
    assert caught.value.retry_after_s == 17
    assert caught.value.code == "quota_error.RESOURCE_TEMPORARILY_EXHAUSTED"
    assert caught.value.request_id


def test_unavailable_is_transient(adapter, sandbox):
    sandbox.state.faults.set("google", FaultPlan(server_error=1.0, times=1))
    with pytest.raises(TransientError):
        adapter.find_existing("adflux-pub-1")


def test_timeout_after_sending_is_reconciled_with_find_existing(sandbox):
    adapter = GoogleAdsAdapter(google_settings(sandbox, timeout_s="0.5"))
    sandbox.state.faults.set("google", FaultPlan(timeout=1.0, times=1, timeout_hold_s=10))
    with pytest.raises(OutcomeUnknown):
        _publish(adapter, _spec())
    found = adapter.find_existing("adflux-pub-1")
    assert list(found) == ["budget"]  # the budget was created although no answer came back
    ids, created = _publish(adapter, _spec(), known=found)
    assert created == ["campaign", "criteria", "ad_group", "keywords", "ad"]
    assert ids["budget"] == found["budget"]


def test_revoked_token_is_auth_expired(adapter, sandbox):
    sandbox.state.revoke("google")
    with pytest.raises(AuthExpired) as caught:
        _publish(adapter, _spec())
    assert caught.value.code == "authentication_error.OAUTH_TOKEN_REVOKED"
    status = adapter.check_credentials()
    assert status.ok is False


def test_wrong_developer_token_is_auth_expired(sandbox):
    adapter = GoogleAdsAdapter(google_settings(sandbox, developer_token="not-the-token"))
    with pytest.raises(AuthExpired) as caught:
        adapter.find_existing("adflux-pub-1")
    assert caught.value.code == "authentication_error.DEVELOPER_TOKEN_INVALID"


def test_over_long_headline_is_invalid_with_its_field(adapter):
    creative = _spec().creative
    long_headline = "Auxiliar contable con experiencia en Bogotá"  # 43 characters
    spec = _spec(
        creative=Creative(
            headlines=(*creative.headlines, long_headline),
            descriptions=creative.descriptions,
            primary_text="",
            link_url=creative.link_url,
        )
    )
    with pytest.raises(InvalidRequest) as caught:
        _publish(adapter, spec)
    assert caught.value.field == "ad_group_ad.ad.responsive_search_ad.headlines[3].text"
    assert caught.value.code == "string_length_error.TOO_LONG"
    assert long_headline in caught.value.message


def test_check_credentials_names_the_account(adapter):
    status = adapter.check_credentials()
    assert status.ok is True
    assert "COP" in status.message


def test_audience_upload_errors(adapter, sandbox):
    member = HashedMember(_sha("ana.perez@example.com"), None)
    missing = AudienceSpec(
        audience_key="adflux-aud-9",
        name="x",
        members=(member,),
        existing_id="customers/1234567890/userLists/999",
    )
    with pytest.raises(InvalidRequest) as caught:
        adapter.sync_audience(missing)
    assert caught.value.field == "destinations[0].product_destination_id"
    assert caught.value.code == "INVALID_USER_LIST_ID"

    existing = adapter.sync_audience(
        AudienceSpec(audience_key="adflux-aud-9", name="x", members=(member,))
    ).external_id
    sandbox.state.faults.set("google", FaultPlan(rate_limit=1.0, times=1, retry_after_s=9))
    with pytest.raises(RateLimited) as limited:
        adapter.sync_audience(
            AudienceSpec(
                audience_key="adflux-aud-9", name="x", members=(member,), existing_id=existing
            )
        )
    assert limited.value.retry_after_s == 9


def test_a_report_on_a_few_ads_computes_only_their_figures(adapter, client, sandbox, monkeypatch):
    # A report names its ads (ad_group_ad.ad.id IN (...)): the sandbox must find them on its
    # indexes and compute only their campaigns' delivery, never every ad of the account (a sync
    # over thousands of ads then took minutes per query). Counted, not timed.
    ads = [_publish(adapter, _spec(f"adflux-pub-{n}", active=True))[0]["ad"] for n in range(8)]
    state = sandbox.state
    state.clock.advance(2 * 86_400 + 3600)
    moment = state.clock.now()
    monkeypatch.setattr(state.clock, "now", lambda: moment)  # the same figures for both queries
    campaigns: list[str] = []
    computed = state.market.ad_days

    def counted(platform, ad_id, **kwargs):
        campaigns.append(ad_id)
        return computed(platform, ad_id, **kwargs)

    monkeypatch.setattr(state.market, "ad_days", counted)
    today = local_day(moment)
    report = (
        "SELECT ad_group_ad.ad.id, segments.date, metrics.impressions, metrics.clicks, "
        "metrics.cost_micros FROM ad_group_ad "
        f"WHERE segments.date BETWEEN '{today - timedelta(days=3)}' AND '{today}'"
    )

    def figures(rows) -> set[tuple[int, str, int, int, int]]:
        return {
            (
                r.ad_group_ad.ad.id,
                r.segments.date,
                r.metrics.impressions,
                r.metrics.clicks,
                r.metrics.cost_micros,
            )
            for r in rows
        }

    everything = figures(search(client, report))
    assert len(campaigns) == len(ads)
    chosen = [ads[2].rsplit("~", 1)[-1], ads[5].rsplit("~", 1)[-1]]
    campaigns.clear()
    narrow = figures(search(client, f"{report} AND ad_group_ad.ad.id IN ({', '.join(chosen)})"))
    assert len(campaigns) == 2  # the two ads' campaigns, not the account's eight
    assert {row[0] for row in narrow} == {int(ad_id) for ad_id in chosen}
    assert narrow == {row for row in everything if str(row[0]) in chosen}
    assert all(row[2] > 0 for row in narrow)
    campaigns.clear()
    one = figures(search(client, f"{report} AND ad_group_ad.resource_name = '{ads[5]}'"))
    assert len(campaigns) == 1
    assert one == {row for row in everything if str(row[0]) == chosen[1]}


def test_ad_groups_and_ads_report_the_metrics_their_campaign_delivers(adapter, client, sandbox):
    _publish(adapter, _spec(active=True))
    _publish(adapter, _spec("adflux-pub-2", active=True))
    sandbox.state.clock.advance(6 * 3600)
    today = _today_in_bogota()
    during = f"WHERE segments.date BETWEEN '{today - timedelta(days=1)}' AND '{today}'"

    def totals(resource: str) -> dict[str, tuple[int, int, int]]:
        rows = search(
            client,
            f"SELECT campaign.resource_name, metrics.impressions, metrics.clicks, "
            f"metrics.cost_micros FROM {resource} {during}",
        )
        summed: dict[str, tuple[int, int, int]] = {}
        for row in rows:
            before = summed.get(row.campaign.resource_name, (0, 0, 0))
            figures = (row.metrics.impressions, row.metrics.clicks, row.metrics.cost_micros)
            summed[row.campaign.resource_name] = tuple(  # type: ignore[assignment]
                a + b for a, b in zip(before, figures, strict=True)
            )
        return summed

    campaigns = totals("campaign")
    assert len(campaigns) == 2 and all(figures[0] > 0 for figures in campaigns.values())
    assert totals("ad_group") == campaigns
    assert totals("ad_group_ad") == campaigns
