"""The reference apps the API benchmarks serve next to AdFlux, under the same gunicorn setup.

``gunicorn 'reference_apps:ceiling()'``: a trivial JSON endpoint, what Flask + gunicorn can do.
``gunicorn 'reference_apps:floor()'``: AdFlux's list endpoints (jobs, candidates, campaigns,
results) answering the same JSON documents from SQLAlchemy and ``jsonify``, with no token check,
no query validation and no schemas.
``gunicorn 'reference_apps:applications_floor()'``: an application attributed and stored as
AdFlux does it, with a query per lookup (bench/applications_ingest.py).
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, jsonify, request

from adflux.i18n.http import request_language
from adflux.i18n.messages import Message


def ceiling() -> Flask:
    app = Flask("ceiling")

    @app.get("/ping")
    def ping():  # type: ignore[no-untyped-def]
        return jsonify({"status": "ok"})

    return app


def _page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def _plain(value: Any) -> Any:
    """What AdFlux's schemas make of a column value: ISO 8601 for dates and times, a message in
    the request's language."""
    if isinstance(value, Message):
        return value.render(request_language())
    return value.isoformat() if isinstance(value, date | datetime) else value


def _columns(row: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(row, name)) for name in names}


def _mask_phone(phone: str | None) -> str | None:
    if phone is None:
        return None
    digits = re.sub(r"\D", "", phone)
    if len(digits) > 10 and digits.startswith("57"):
        digits = digits[2:]
    return "***" if len(digits) < 7 else f"{digits[:3]} *** **{digits[-2:]}"


def _masked(candidate: dict[str, Any]) -> dict[str, Any]:
    """Names, e-mails and phones masked as AdFlux masks them for a token not asking to see them."""
    local, at, domain = candidate["email"].partition("@")
    return {
        **candidate,
        "full_name": " ".join(f"{w[0]}." for w in candidate["full_name"].split()) or "***",
        "email": f"{local[:1]}***@{domain}" if at else "***",
        "phone": _mask_phone(candidate["phone"]),
        "personal_data": "masked",
    }


CANDIDATE_COLUMNS = (
    *("id", "external_ref", "full_name", "email", "phone", "age", "city", "department"),
    *("education_level", "years_experience", "area", "desired_salary_cop", "remote_preference"),
    *("languages", "skills", "last_active_at", "marketing_consent", "created_at"),
)
CAMPAIGN_COLUMNS = (
    *("id", "job_id", "segment_ids", "name", "daily_budget_cop", "total_budget_cop", "pacing"),
    *("start_date", "end_date", "objective", "job_audience_size", "status", "auto_allocate"),
    *("ad_copy", "archived_at", "created_by", "created_at", "updated_at"),
)
PUBLICATION_COLUMNS = (
    *("id", "platform", "status", "external_ids", "attempts", "last_error", "last_error_field"),
    *("next_attempt_at", "published_at", "updated_at"),
)
ARM_COLUMNS = (
    *("id", "platform", "arm_key", "status", "daily_budget_cop", "held_daily_budget_cop"),
    *("change_state", "change_error", "change_error_field", "ended_at"),
)
WARNING_COLUMNS = ("code", "rule", "field", "message")
FIGURES = (
    *("impressions", "clicks", "spend_cop", "applications", "ctr", "cpc_cop", "apply_rate"),
    "cost_per_application_cop",
)


def _campaign(campaign: Any) -> dict[str, Any]:
    ad_copy = campaign.ad_copy
    return {
        **_columns(campaign, CAMPAIGN_COLUMNS),
        "ad_copy": None if ad_copy is None else {k: ad_copy.get(k) for k in AD_COPY_KEYS},
        "publications": [_columns(p, PUBLICATION_COLUMNS) for p in campaign.publications],
        "arms": [
            {
                **_columns(p, ARM_COLUMNS),
                "segment": None
                if p.segment is None
                else {"id": p.segment.id, "name": p.segment.name},
            }
            for p in campaign.publications
        ],
        "warnings": [_columns(w, WARNING_COLUMNS) for w in campaign.warnings],
    }


AD_COPY_KEYS = ("headline", "description", "primary_text")


def floor() -> Flask:
    """AdFlux's list endpoints without AdFlux's framework: the same JSON documents (the same
    rows and fields, ISO dates, the page envelope with its total), from SQLAlchemy and
    ``jsonify``, with no token, no query validation and no schemas.

    ``/jobs`` and ``/candidates`` are SQLAlchemy Core (every column and a window count, masked
    personal data for candidates); ``/campaigns`` loads AdFlux's own models with their
    publications and segments (selectinload: the usual way to list entities with their
    children); ``/results`` takes AdFlux's facts subquery (every metric row and attributed
    application with its keys: the domain's SQL, not the API's) and runs the totals, the page of
    groups and their count over it as three statements, then writes its rows by hand.
    """
    from sqlalchemy.orm import Session, selectinload

    from adflux import models  # noqa: F401  (every mapper configured)
    from adflux.campaigns.models import AdCampaign
    from adflux.results import service as results

    app = Flask("floor")
    app.json.sort_keys = False  # type: ignore[attr-defined]  # AdFlux keeps its field order
    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=10)
    metadata = sa.MetaData()
    jobs = sa.Table("job_openings", metadata, autoload_with=engine)
    candidates = sa.Table("candidates", metadata, autoload_with=engine)
    total = sa.func.count().over().label("_total")
    # Every column but the feed's bookkeeping (the digest that tells a changed feed entry).
    job_columns = tuple(c.name for c in jobs.c if c.name != "feed_digest")

    def page_args() -> tuple[int, int]:
        return int(request.args.get("limit", 50)), int(request.args.get("offset", 0))

    def core_page(table: sa.Table, names: tuple[str, ...]) -> tuple[list[Any], int]:
        limit, offset = page_args()
        query = sa.select(*(table.c[n] for n in names), total).order_by(table.c.id)
        with engine.connect() as connection:
            rows = connection.execute(query.limit(limit).offset(offset)).all()
        return rows, rows[0]._total if rows else 0

    @app.get("/jobs")
    def list_jobs():  # type: ignore[no-untyped-def]
        rows, count = core_page(jobs, job_columns)
        items = [{k: _plain(v) for k, v in row._mapping.items() if k != "_total"} for row in rows]
        return jsonify(_page(items, count, *page_args()))

    @app.get("/candidates")
    def list_candidates():  # type: ignore[no-untyped-def]
        rows, count = core_page(candidates, CANDIDATE_COLUMNS)
        items = [_masked(_columns(row, CANDIDATE_COLUMNS)) for row in rows]
        return jsonify(_page(items, count, *page_args()))

    @app.get("/campaigns")
    def list_campaigns():  # type: ignore[no-untyped-def]
        limit, offset = page_args()
        query = (
            sa.select(AdCampaign, total)
            .options(selectinload(AdCampaign.publications), selectinload(AdCampaign.segments))
            .where(AdCampaign.archived_at.is_(None))
            .order_by(AdCampaign.id.desc())
        )
        with Session(engine) as session:
            rows = session.execute(query.limit(limit).offset(offset)).all()
            items = [_campaign(row[0]) for row in rows]
        return jsonify(_page(items, rows[0]._total if rows else 0, limit, offset))

    @app.get("/results")
    def list_results():  # type: ignore[no-untyped-def]
        # The domain's facts (every metric row and attributed application with its keys), then
        # the plain way: the totals, the page of groups and their count, a statement each.
        limit, offset = page_args()
        by = results.parse_by(request.args.get("by", "campaign"))
        with Session(engine) as session:
            facts = results._facts(engine.dialect.name, frozenset())
            keys = [results._dimension(facts, name) for name in by]
            sums = results._sums(facts)
            totals = results.Figures(*(int(v) for v in session.execute(sa.select(*sums)).one()))
            grouped = sa.select(*keys, *sums).group_by(*keys)
            found = session.execute(grouped.order_by(*keys).limit(limit).offset(offset)).all()
            count = session.scalar(sa.select(sa.func.count()).select_from(grouped.subquery()))
        rows = []
        for found_row in found:
            row = results.ResultRow(*(int(v) for v in found_row[len(keys) :]))
            body = {name: getattr(row, name) for name in FIGURES}
            for dimension, value in zip(by, found_row, strict=False):
                body[{"campaign": "campaign_id", "job": "job_id"}.get(dimension, dimension)] = (
                    _plain(value)
                )
            rows.append(body)
        page = _page(rows, int(count or 0), limit, offset)
        return jsonify({"by": list(by), "totals": {n: getattr(totals, n) for n in FIGURES}, **page})

    return app


def applications_floor() -> Flask:
    """``POST /applications``: the job site's application stored and attributed as AdFlux does
    it, written the plain way: the job, the applicant, the campaign the tracking code names (if
    it advertises the job), its ad on the code's platform (the arm the code names, else the
    campaign's whole arm) and the segment, each read with its own query, then one INSERT ... ON
    CONFLICT DO NOTHING on the unique source id, in one transaction. No token, no validation, no
    schema."""
    from datetime import UTC
    from zoneinfo import ZoneInfo

    from sqlalchemy.dialects.postgresql import insert

    from adflux.campaigns.tracking import arm_key_of, campaign_id_of, segment_ids_of

    app = Flask("applications_floor")
    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=10, max_overflow=10)
    metadata = sa.MetaData()
    tables = {
        name: sa.Table(name, metadata, autoload_with=engine)
        for name in (
            "applications",
            "job_openings",
            "candidates",
            "ad_campaigns",
            "platform_publications",
            "campaign_segments",
            "segment_memberships",
        )
    }
    applications, jobs, candidates = (
        tables[n] for n in ("applications", "job_openings", "candidates")
    )
    campaigns, ads = tables["ad_campaigns"], tables["platform_publications"]
    chosen, members = tables["campaign_segments"], tables["segment_memberships"]
    bogota = ZoneInfo("America/Bogota")

    @app.post("/applications")
    def receive():  # type: ignore[no-untyped-def]
        body = request.get_json()
        applied_at = datetime.fromisoformat(body["applied_at"])
        tracking = {k: v for k, v in body.items() if k.startswith("utm_")}
        campaign_id = campaign_id_of(tracking.get("utm_campaign"))
        platform = tracking.get("utm_source")
        named = segment_ids_of(tracking.get("utm_content"))
        with engine.begin() as connection:
            job_id = connection.scalar(
                sa.select(jobs.c.id).where(jobs.c.external_ref == body["job_ref"])
            )
            candidate_id = None
            if body.get("candidate_ref") is not None:
                candidate_id = connection.scalar(
                    sa.select(candidates.c.id).where(
                        candidates.c.external_ref == body["candidate_ref"]
                    )
                )
            campaign = ad = segment = None
            if campaign_id is not None and job_id is not None:
                campaign = connection.scalar(
                    sa.select(campaigns.c.id).where(
                        campaigns.c.id == campaign_id, campaigns.c.job_id == job_id
                    )
                )
            if campaign is not None:
                arms = dict(
                    connection.execute(
                        sa.select(ads.c.arm_key, ads.c.id).where(
                            ads.c.campaign_id == campaign, ads.c.platform == platform
                        )
                    ).all()
                )
                ad = arms.get(arm_key_of(tracking.get("utm_content"))) or arms.get("campaign")
                ours = (
                    set(
                        connection.scalars(
                            sa.select(chosen.c.segment_id).where(
                                chosen.c.campaign_id == campaign, chosen.c.segment_id.in_(named)
                            )
                        )
                    )
                    if named
                    else set()
                )
                if len(named) == 1:
                    segment = named[0] if ours else None
                elif ours and candidate_id is not None:
                    theirs = ours & set(
                        connection.scalars(
                            sa.select(members.c.segment_id).where(
                                members.c.candidate_id == candidate_id,
                                members.c.segment_id.in_(ours),
                            )
                        )
                    )
                    segment = theirs.pop() if len(theirs) == 1 else None
            stored = connection.execute(
                insert(applications)
                .values(
                    source_id=body["application_id"],
                    job_ref=body["job_ref"],
                    job_id=job_id,
                    candidate_ref=body.get("candidate_ref"),
                    candidate_id=candidate_id,
                    campaign_id=campaign,
                    publication_id=ad,
                    platform=platform if ad is not None else None,
                    segment_id=segment,
                    applied_at=applied_at,
                    day=applied_at.astimezone(bogota).date(),
                    received_at=datetime.now(UTC),
                    tracking=tracking,
                )
                .on_conflict_do_nothing(index_elements=["source_id"])
            ).rowcount
        status = "accepted" if stored else "duplicate"
        return jsonify(
            {
                "application_id": body["application_id"],
                "status": status,
                "attributed": ad is not None,
            }
        ), 202

    return app
