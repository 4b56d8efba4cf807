"""Employment-ad rules over HTTP, on the campaigns resource and the seed's /publish alias:
forbidden narrowing is refused naming the rule; age-proxy segments are warned about, confirmed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.factories import make_candidate

from adflux.api.aliases import PublishSchema
from adflux.api.campaigns import CampaignSchema
from adflux.audit.models import AuditLog
from adflux.campaigns.compliance import NARROWING_RULES, TARGETING_FIELD
from adflux.campaigns.models import AdCampaign
from adflux.extensions import db
from adflux.segmentation.models import Segment, SegmentMembership

pytestmark = pytest.mark.postgres

MAIN = "main"
ALIAS = "alias"


def _post(client, kind: str, job_id: int, body: dict, headers: dict):  # type: ignore[no-untyped-def]
    if kind == MAIN:
        return client.post("/api/v1/campaigns", json={"job_id": job_id, **body}, headers=headers)
    return client.post(f"/publish/{job_id}", json=body, headers=headers)


def _campaign_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AdCampaign)) or 0


@pytest.fixture
def proxy_segment(app, active_segment):
    """A second segment of the active run whose profile says age explains it; its members suit
    the job (so the age proxy is all there is to warn about)."""
    segment = Segment(
        run_id=active_segment.run_id,
        cluster_index=1,
        name="Recién egresados · Cali",
        size=40,
        profile={
            "top_cities": [{"value": "Cali"}],
            "age_proxy": {"warning": True, "score": 0.8},
        },
    )
    db.session.add(segment)
    db.session.flush()
    for _ in range(2):
        member = make_candidate(city="Cali")
        db.session.add(
            SegmentMembership(run_id=segment.run_id, candidate_id=member.id, segment_id=segment.id)
        )
    db.session.flush()
    return segment


ENGLISH = {"Accept-Language": "en"}
# field sent, value, rule id named, a source the English message must cite
NARROWINGS = [
    ("age_min", 25, "no_age_targeting", "Ley 931"),
    ("age_max", 40, "no_age_targeting", "Ley 931"),
    ("genders", ["female"], "no_gender_targeting", "Ley 1482"),
    ("postal_codes", ["110111"], "no_postal_codes", "Meta special ad category EMPLOYMENT"),
    ("zip_codes", ["110111"], "no_postal_codes", "TikTok special ad category EMPLOYMENT"),
    ("parental_status", "parents", "no_family_status_targeting", "Google Ads"),
    ("ethnicity", "x", "no_sensitive_data_targeting", "Ley 1581 of 2012"),
    ("excluded_locations", ["Soacha"], "no_location_exclusions", "Meta"),
    ("lookalike", True, "no_lookalike", "X Ads"),
    ("audience_expansion", True, "no_audience_expansion", "TikTok"),
    ("custom_audience_ids", ["ca-1"], "consenting_custom_audiences", "Ley 1581 of 2012"),
]


@pytest.mark.parametrize("kind", [MAIN, ALIAS])
@pytest.mark.parametrize(("field", "value", "rule", "source"), NARROWINGS)
def test_forbidden_narrowing_is_refused_naming_the_rule(
    client, token_for, platforms, dispatcher, job, kind, field, value, rule, source
):
    body = {"platforms": ["meta"], field: value}
    response = _post(client, kind, job.id, body, token_for("operator"))
    in_english = _post(client, kind, job.id, body, {**token_for("operator"), **ENGLISH})

    assert response.status_code == in_english.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "validation_error"
    [message] = error["fields"][field]
    assert f"[regla {rule}]" in message and "no está permitida" in message
    [message_en] = in_english.json["error"]["fields"][field]
    assert "Unknown field" not in message_en
    assert f"[rule {rule}]" in message_en and "not allowed in job ads" in message_en
    assert source in message_en
    assert _campaign_count() == 0
    assert dispatcher.take() == []


@pytest.mark.parametrize("kind", [MAIN, ALIAS])
def test_age_message_reads_as_the_issue_asks(client, token_for, platforms, dispatcher, job, kind):
    response = _post(
        client,
        kind,
        job.id,
        {"platforms": ["meta"], "age_min": 25},
        {**token_for("operator"), **ENGLISH},
    )

    [message] = response.json["error"]["fields"]["age_min"]
    assert (
        "Age targeting is not allowed in job ads (Colombian Ley 931 of 2004; "
        "Meta special ad category EMPLOYMENT;"
    ) in message
    assert "AdFlux shows every job ad to all ages (18-65+)" in message


@pytest.mark.parametrize("kind", [MAIN, ALIAS])
def test_a_nested_targeting_object_is_refused_with_each_rule_it_breaks(
    client, token_for, platforms, dispatcher, job, kind
):
    targeting = {"age_min": 25, "genders": ["male"], "cities": ["Cali"]}
    response = _post(
        client,
        kind,
        job.id,
        {"platforms": ["meta", "x"], "targeting": targeting},
        {**token_for("operator"), **ENGLISH},
    )

    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert set(fields) == {"targeting", "targeting.age_min", "targeting.genders"}
    assert (
        "AdFlux builds each campaign's targeting from its job and segments"
        in fields["targeting"][0]
    )
    assert "[rule no_age_targeting]" in fields["targeting.age_min"][0]
    assert "[rule no_gender_targeting]" in fields["targeting.genders"][0]
    assert _campaign_count() == 0


def test_other_unknown_fields_still_answer_unknown_field(
    client, token_for, platforms, dispatcher, job
):
    response = _post(
        client, MAIN, job.id, {"platforms": ["meta"], "colour": "red"}, token_for("operator")
    )

    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"colour": ["Campo desconocido."]}


@pytest.mark.parametrize("kind", [MAIN, ALIAS])
def test_an_age_proxy_segment_needs_the_operator_to_confirm(
    client, token_for, platforms, dispatcher, job, proxy_segment, kind
):
    headers = token_for("operator")
    body = {"platforms": ["meta"], "segment_ids": [proxy_segment.id]}

    refused = _post(client, kind, job.id, body, {**headers, **ENGLISH})

    assert refused.status_code == 422, refused.json
    error = refused.json["error"]
    assert error["code"] == "acknowledgement_required"
    assert error["message"] == "The campaign has unconfirmed warnings"
    assert "may act as an indirect age filter" in error["fields"]["segment_ids"][0]
    assert "Recién egresados · Cali" in error["fields"]["segment_ids"][0]
    assert (
        'acknowledge_warnings: ["segment_age_proxy"]' in error["fields"]["acknowledge_warnings"][0]
    )
    assert _campaign_count() == 0
    assert dispatcher.take() == []

    confirmed = _post(
        client, kind, job.id, {**body, "acknowledge_warnings": ["segment_age_proxy"]}, headers
    )

    assert confirmed.status_code == 202, confirmed.json
    [warning] = confirmed.json["warnings"]
    assert warning["rule"] == "segment_age_proxy"
    assert warning["field"] == "segments[Recién egresados · Cali]"
    assert warning["code"] == "segment_age_proxy"
    assert "filtro de edad indirecto (Ley 931 de 2004)" in warning["message"]
    campaign_id = confirmed.json["id"] if kind == MAIN else confirmed.json["campaign_id"]
    shown = client.get(f"/api/v1/campaigns/{campaign_id}", headers=headers).json
    assert shown["warnings"] == [warning]
    english = client.get(f"/api/v1/campaigns/{campaign_id}", headers={**headers, **ENGLISH}).json
    assert "indirect age filter (Colombian Ley 931 of 2004)" in english["warnings"][0]["message"]
    listed = client.get("/api/v1/campaigns", headers=headers).json["items"]
    assert listed[0]["warnings"] == [warning]
    # The list reads rows, the detail an entity: one document all the same (segments, arms).
    assert listed[0] == shown
    assert shown["segment_ids"] == [proxy_segment.id]
    entry = db.session.scalar(
        sa.select(AuditLog).where(
            AuditLog.action == "campaign.create", AuditLog.entity_id == str(campaign_id)
        )
    )
    assert entry is not None
    assert entry.details["acknowledged_warnings"] == ["segment_age_proxy"]
    assert entry.actor.startswith("token:")


def test_a_campaign_without_proxy_segments_has_no_warnings_and_needs_no_confirmation(
    client, token_for, platforms, dispatcher, job, active_segment
):
    response = _post(
        client,
        MAIN,
        job.id,
        {"platforms": ["meta"], "segment_ids": [active_segment.id]},
        token_for("operator"),
    )

    assert response.status_code == 202, response.json
    assert response.json["warnings"] == []
    assert "acknowledge_warnings" not in response.json


@pytest.mark.parametrize("kind", [MAIN, ALIAS])
def test_only_known_warnings_can_be_acknowledged(
    client, token_for, platforms, dispatcher, job, kind
):
    response = _post(
        client,
        kind,
        job.id,
        {"platforms": ["meta"], "acknowledge_warnings": ["everything"]},
        token_for("operator"),
    )

    assert response.status_code == 422
    assert "acknowledge_warnings.0" in response.json["error"]["fields"]


def test_the_openapi_document_declares_warnings_and_the_acknowledgement(client):
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    campaign = schemas["Campaign"]["properties"]
    assert campaign["warnings"]["readOnly"] is True
    assert campaign["warnings"]["items"]["$ref"].endswith("/Warning")
    assert campaign["acknowledge_warnings"]["writeOnly"] is True
    assert "segment_age_proxy" in campaign["acknowledge_warnings"]["description"]
    assert schemas["Warning"]["required"] == ["code", "field", "message", "rule"]
    assert "Accept-Language" in schemas["Warning"]["properties"]["message"]["description"]
    post = spec["paths"]["/api/v1/campaigns"]["post"]
    assert "age_min" in post["description"] and "Ley 931" in post["description"]


def test_no_field_the_api_accepts_is_a_forbidden_narrowing() -> None:
    forbidden = {name for rule in NARROWING_RULES.values() for name in rule.fields}
    forbidden.add(TARGETING_FIELD)
    for schema in (CampaignSchema(), PublishSchema()):
        accepted = {field.data_key or name for name, field in schema.fields.items()}
        assert not accepted & forbidden, type(schema).__name__
