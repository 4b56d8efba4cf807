"""POST /api/v1/applications (and /batch): the job site's applications, stored once each and
attributed from the tracking code of the ad's link, on PostgreSQL and on SQLite."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from flask import Flask
from tests.factories import make_candidate, make_job

from adflux.auth import service as auth_service
from adflux.campaigns.models import (
    JOB_AUDIENCE_ARM,
    SEGMENT_ARM,
    AdCampaign,
    PlatformPublication,
    campaign_segments,
)
from adflux.candidates import service as candidates
from adflux.extensions import db
from adflux.results.models import Application
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

URL = "/api/v1/applications"
_names = itertools.count(1)


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgres), "sqlite"])
def backend(request) -> Iterator[Flask]:
    """The app on PostgreSQL (rolled back) or on a fresh SQLite file, context pushed."""
    yield request.getfixturevalue("app" if request.param == "postgresql" else "sqlite_app")


def _headers(role: str) -> dict[str, str]:
    _row, plain = auth_service.create_token(
        db_session=db.session, name=f"apps-{role}-{next(_names)}", role=role
    )
    return {"Authorization": f"Bearer {plain}"}


def _campaign(job, *, platforms=("meta", "x"), segments=()) -> AdCampaign:
    campaign = AdCampaign(
        job_id=job.id, name="c", daily_budget_cop=50_000, start_date=date(2026, 12, 1)
    )
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(
        PlatformPublication(campaign_id=campaign.id, platform=p, daily_budget_cop=50_000)
        for p in platforms
    )
    for segment in segments:
        db.session.execute(
            campaign_segments.insert().values(campaign_id=campaign.id, segment_id=segment.id)
        )
    db.session.flush()
    return campaign


def _segments(n: int, members: dict[int, list]) -> list[Segment]:
    """`n` segments of one run; `members[i]` are the candidates of segment i."""
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=n)
    db.session.add(run)
    db.session.flush()
    segments = [Segment(run_id=run.id, cluster_index=i, name=f"s{i}", size=1) for i in range(n)]
    db.session.add_all(segments)
    db.session.flush()
    for i, people in members.items():
        db.session.add_all(
            SegmentMembership(run_id=run.id, candidate_id=c.id, segment_id=segments[i].id)
            for c in people
        )
    db.session.flush()
    return segments


def _body(job, **changes):
    body = {
        "application_id": f"app-{next(_names)}",
        "job_ref": job.external_ref,
        "candidate_ref": None,
        # 02:30 UTC on the 4th is still the 3rd in Bogotá (UTC-5).
        "applied_at": "2026-12-04T02:30:00+00:00",
    }
    body.update(changes)
    return body


def _row(source_id: str) -> Application:
    db.session.expire_all()
    query = sa.select(Application).where(Application.source_id == source_id)
    return db.session.scalars(query).one()


def test_an_application_from_an_ad_is_stored_attributed_to_its_publication_and_day(backend):
    job, candidate = make_job(), make_candidate()
    (segment,) = _segments(1, {})
    campaign = _campaign(job, segments=[segment])
    body = _body(
        job,
        candidate_ref=candidate.external_ref,
        utm_source="x",
        utm_medium="paid_social",
        utm_campaign=f"adflux-{campaign.id}",
        utm_content=f"seg-{segment.id}",
    )

    response = backend.test_client().post(URL, json=body, headers=_headers("applications"))

    assert response.status_code == 202, response.json
    assert response.json == {
        "application_id": body["application_id"],
        "status": "accepted",
        "attributed": True,
    }
    row = _row(body["application_id"])
    x_ad = next(p for p in campaign.publications if p.platform == "x")
    assert (row.job_id, row.candidate_id, row.candidate_ref) == (
        job.id,
        candidate.id,
        candidate.external_ref,
    )
    assert (row.campaign_id, row.publication_id, row.platform, row.segment_id) == (
        campaign.id,
        x_ad.id,
        "x",
        segment.id,
    )
    assert row.day == date(2026, 12, 3)
    assert row.tracking["utm_campaign"] == f"adflux-{campaign.id}"


def test_a_resend_answers_duplicate_and_changes_nothing(backend):
    job = make_job()
    campaign = _campaign(job)
    headers = _headers("applications")
    body = _body(job, utm_source="meta", utm_campaign=f"adflux-{campaign.id}")
    client = backend.test_client()
    assert client.post(URL, json=body, headers=headers).json["status"] == "accepted"

    # Resent later with another tracking code: the first statement stands.
    again = client.post(URL, json={**body, "utm_source": "x"}, headers=headers)

    assert again.status_code == 202
    assert again.json == {
        "application_id": body["application_id"],
        "status": "duplicate",
        "attributed": True,
    }
    assert _row(body["application_id"]).platform == "meta"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


@pytest.mark.parametrize(
    "tracking",
    [
        {},
        {"utm_source": "meta", "utm_campaign": "adflux-999999"},  # no such campaign
        {"utm_source": "meta", "utm_campaign": "adflux-99999999999999"},  # no row holds such an id
        {"utm_source": "meta", "utm_campaign": "spring-sale", "utm_content": "seg-1"},
        {"utm_source": "tiktok", "utm_campaign": "OTHER"},  # the campaign has no TikTok ad
        {"utm_source": "meta", "utm_campaign": "OTHER"},  # another job's campaign
        {"utm_source": "m" * 5000},  # kept, cut to a sane length
    ],
)
def test_an_unknown_tracking_code_is_stored_unattributed_not_refused(backend, tracking):
    job, other_job = make_job(), make_job()
    _campaign(job)
    theirs = _campaign(other_job, platforms=("meta",))
    if tracking.get("utm_campaign") == "OTHER":
        mine = _campaign(job, platforms=("meta",)) if tracking["utm_source"] == "tiktok" else theirs
        tracking = {**tracking, "utm_campaign": f"adflux-{mine.id}"}
    body = _body(job, **tracking)

    response = backend.test_client().post(URL, json=body, headers=_headers("applications"))

    assert response.status_code == 202, response.json
    assert response.json["status"] == "accepted" and response.json["attributed"] is False
    row = _row(body["application_id"])
    assert row.job_id == job.id and row.publication_id is None and row.segment_id is None
    assert all(len(value) <= 200 for value in row.tracking.values())


def test_an_unknown_job_or_candidate_is_stored_with_its_reference(backend):
    body = {**_body(make_job()), "job_ref": "not-ours", "candidate_ref": "cand-unknown"}

    response = backend.test_client().post(URL, json=body, headers=_headers("applications"))

    assert response.status_code == 202
    row = _row(body["application_id"])
    assert (row.job_ref, row.job_id, row.candidate_ref, row.candidate_id) == (
        "not-ours",
        None,
        "cand-unknown",
        None,
    )


def test_an_ad_for_several_segments_credits_the_applicants_own(backend):
    job, ana, luis = make_job(), make_candidate(), make_candidate()
    first, second = _segments(2, {0: [luis], 1: [ana]})
    campaign = _campaign(job, segments=[first, second])
    client, headers = backend.test_client(), _headers("applications")
    content = f"seg-{first.id}-{second.id}"
    code = {"utm_source": "meta", "utm_campaign": f"adflux-{campaign.id}", "utm_content": content}

    bodies = [
        _body(job, candidate_ref=ana.external_ref, **code),
        _body(job, candidate_ref=luis.external_ref, **code),
        _body(job, candidate_ref=None, **code),  # no profile: no segment to credit
    ]
    for body in bodies:
        assert client.post(URL, json=body, headers=headers).status_code == 202

    assert [_row(b["application_id"]).segment_id for b in bodies] == [second.id, first.id, None]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"applied_at": "2026-12-03T10:00:00"}, "applied_at"),  # no UTC offset
        ({"applied_at": "yesterday"}, "applied_at"),
        ({"applied_at": "0001-01-01T00:00:00+00:00"}, "applied_at"),  # no day in Bogotá
        ({"applied_at": "2150-01-01T00:00:00+00:00"}, "applied_at"),
        ({"application_id": 12345}, "application_id"),
        ({"application_id": 10**400}, "application_id"),  # a huge integer, not a string
        ({"application_id": ""}, "application_id"),
        ({"application_id": "a" * 101}, "application_id"),
        ({"job_ref": None}, "job_ref"),
        ({"candidate_ref": "c" * 65}, "candidate_ref"),
        ({"utm_source": "me\u0000ta"}, "utm_source"),  # NUL: PostgreSQL cannot store it
        ({"utm_campaign": ["adflux-1"]}, "utm_campaign"),
        ({"referrer": "x"}, "referrer"),
    ],
)
def test_a_bad_field_is_refused_naming_it(backend, changes, field):
    body = _body(make_job(), **changes)

    response = backend.test_client().post(URL, json=body, headers=_headers("applications"))

    assert response.status_code in (400, 422), response.json
    assert field in response.json["error"]["fields"], response.json
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 0


def test_a_missing_field_is_named(backend):
    response = backend.test_client().post(
        URL, json={"application_id": "a-1"}, headers=_headers("applications")
    )
    assert response.status_code == 422
    assert {"job_ref", "applied_at"} <= set(response.json["error"]["fields"])


def test_the_applications_role_may_do_nothing_else(backend):
    client, headers = backend.test_client(), _headers("applications")
    others = [
        ("get", "/api/v1/jobs"),
        ("post", "/api/v1/jobs"),
        ("get", "/api/v1/candidates"),
        ("get", "/api/v1/campaigns"),
        ("get", "/api/v1/tokens"),
        ("post", "/api/v1/tokens"),
        ("get", "/api/v1/platforms"),
        ("get", "/api/v1/segments"),
    ]
    for method, path in others:
        response = getattr(client, method)(path, json={}, headers=headers)
        assert response.status_code == 403, (method, path, response.json)


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("operator", 403), ("admin", 202)])
def test_other_roles_may_not_send_applications_but_an_admin_may(backend, role, status):
    body = _body(make_job())
    response = backend.test_client().post(URL, json=body, headers=_headers(role))
    assert response.status_code == status, response.json
    assert _stored(body["application_id"]) == (status == 202)


def _stored(source_id: str) -> bool:
    query = sa.select(Application.id).where(Application.source_id == source_id)
    return db.session.scalar(query) is not None


def _revoked_headers() -> dict[str, str]:
    name = f"apps-revoked-{next(_names)}"
    _row, plain = auth_service.create_token(db_session=db.session, name=name, role="applications")
    auth_service.revoke_token(db_session=db.session, name=name)
    db.session.commit()
    return {"Authorization": f"Bearer {plain}"}


def test_a_revoked_token_stores_nothing_and_learns_nothing(backend):
    """The token is checked by the insert itself: a revoked one stores nothing, and is told 401,
    not whether the application was stored before (a resend) nor what is wrong with its body."""
    job, client = make_job(), backend.test_client()
    stored = _body(job)
    assert client.post(URL, json=stored, headers=_headers("applications")).status_code == 202
    revoked = _revoked_headers()

    new = _body(job)
    for body in (new, stored, {"application_id": "no-job-ref"}):
        response = client.post(URL, json=body, headers=revoked)
        assert response.status_code == 401, (body, response.json)
        assert "status" not in response.json
    assert not _stored(new["application_id"])


def test_a_revocation_holds_for_the_very_next_application(backend):
    job, client = make_job(), backend.test_client()
    name = f"apps-{next(_names)}"
    _row, plain = auth_service.create_token(db_session=db.session, name=name, role="applications")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.post(URL, json=_body(job), headers=headers).status_code == 202
    auth_service.revoke_token(db_session=db.session, name=name)
    db.session.commit()
    body = _body(job)
    assert client.post(URL, json=body, headers=headers).status_code == 401
    assert not _stored(body["application_id"])


def _record_statement(statements: list[str], _conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
    statements.append(statement)


@pytest.mark.postgres
def test_the_token_check_rides_on_the_insert_and_on_a_resends_receipt(app):
    job = make_job()
    campaign = _campaign(job)
    headers, client = _headers("applications"), app.test_client()
    # A first use records the token's last use (a write of its own, once a minute); then an
    # application is its insert alone, and a resend the insert (which stores nothing) and the
    # read of its receipt: the token is checked by whichever returns a row.
    assert client.post(URL, json=_body(job), headers=headers).status_code == 202
    body = _body(job, utm_source="meta", utm_campaign=f"adflux-{campaign.id}")
    for expected, carrier in (("accepted", 0), ("duplicate", 1)):
        statements: list[str] = []
        record = functools.partial(_record_statement, statements)
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.post(URL, json=body, headers=headers)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 202, response.json
        assert response.json["status"] == expected
        ran = [s for s in statements if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE"))]
        assert len(ran) == carrier + 1, ran
        assert "INSERT INTO applications" in ran[0]
        assert "api_tokens" in ran[carrier], ran


def test_no_token_is_a_401(backend):
    response = backend.test_client().post(URL, json=_body(make_job()))
    assert response.status_code == 401
    assert "Bearer <token>" in response.json["error"]["message"]


def test_a_batch_answers_each_item_and_stores_every_valid_one(backend):
    job = make_job()
    campaign = _campaign(job)
    client, headers = backend.test_client(), _headers("applications")
    stored = _body(job)
    client.post(URL, json=stored, headers=headers)
    fresh = _body(job, utm_source="meta", utm_campaign=f"adflux-{campaign.id}")
    items = [
        fresh,
        {**_body(job), "applied_at": "not a time"},
        stored,  # stored before
        _body(job),  # no tracking code
        fresh,  # twice in the batch
        "not an object",
        _body(job, applied_at="0001-01-01T03:00:00+00:00"),
    ]

    response = client.post(f"{URL}/batch", json={"applications": items}, headers=headers)

    assert response.status_code == 200, response.json
    answer = response.json
    assert [(i["index"], i["status"]) for i in answer["items"]] == [
        (0, "accepted"),
        (1, "refused"),
        (2, "duplicate"),
        (3, "accepted"),
        (4, "duplicate"),
        (5, "refused"),
        (6, "refused"),
    ]
    assert answer["items"][1]["errors"] == {"applied_at": ["Not a valid datetime."]}
    assert answer["items"][1]["application_id"] == items[1]["application_id"]
    assert [i["attributed"] for i in answer["items"] if i["status"] == "accepted"] == [True, False]
    counts = {k: answer[k] for k in ("accepted", "duplicates", "unattributed", "refused")}
    assert counts == {"accepted": 2, "duplicates": 2, "unattributed": 1, "refused": 3}
    assert answer["items"][6]["errors"] == {"applied_at": ["must fall in the years 2000 to 2099"]}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 3


def test_a_batch_of_more_than_a_thousand_is_refused_whole(backend):
    job = make_job()
    items = [_body(job) for _ in range(1001)]
    response = backend.test_client().post(
        f"{URL}/batch", json={"applications": items}, headers=_headers("applications")
    )
    assert response.status_code == 422
    assert "applications" in response.json["error"]["fields"]


def test_an_erased_candidates_applications_keep_counting_without_them(backend):
    job, candidate = make_job(), make_candidate()
    campaign = _campaign(job)
    body = _body(
        job,
        candidate_ref=candidate.external_ref,
        utm_source="meta",
        utm_campaign=f"adflux-{campaign.id}",
    )
    backend.test_client().post(URL, json=body, headers=_headers("applications"))

    candidates.delete_candidate(db_session=db.session, candidate_id=candidate.id)

    row = _row(body["application_id"])
    assert (row.candidate_id, row.candidate_ref) == (None, None)
    assert row.publication_id is not None and row.job_id == job.id


@pytest.mark.parametrize("sent", ["alone", "in a batch"])
def test_an_application_counts_for_the_arm_whose_link_it_came_by(backend, sent):
    """A campaign with an arm per segment and one for the job's audience holds several ads on a
    platform, each with its own link: the application is the ad's whose code it carries."""
    job = make_job()
    first, second = _segments(2, {})
    campaign = AdCampaign(
        job_id=job.id, name="arms", daily_budget_cop=90_000, start_date=date(2026, 12, 1)
    )
    db.session.add(campaign)
    db.session.flush()
    arms = {
        key: PlatformPublication(
            campaign_id=campaign.id,
            platform="meta",
            arm_key=key,
            segment_id=segment_id,
            daily_budget_cop=30_000,
        )
        for key, segment_id in (
            (SEGMENT_ARM % first.id, first.id),
            (SEGMENT_ARM % second.id, second.id),
            (JOB_AUDIENCE_ARM, None),
        )
    }
    db.session.add_all(arms.values())
    for segment in (first, second):
        db.session.execute(
            campaign_segments.insert().values(campaign_id=campaign.id, segment_id=segment.id)
        )
    db.session.flush()
    client, headers = backend.test_client(), _headers("applications")
    came_by = {
        SEGMENT_ARM % first.id: f"seg-{first.id}",
        SEGMENT_ARM % second.id: f"seg-{second.id}",
        JOB_AUDIENCE_ARM: "job",
    }

    for key, code in came_by.items():
        body = _body(job, utm_source="meta", utm_campaign=f"adflux-{campaign.id}", utm_content=code)
        if sent == "alone":
            answer = client.post(URL, json=body, headers=headers)
        else:
            answer = client.post(f"{URL}/batch", json={"applications": [body]}, headers=headers)
        assert answer.status_code in (200, 202), answer.json
        row = _row(body["application_id"])
        assert (row.publication_id, row.segment_id) == (arms[key].id, arms[key].segment_id), key
