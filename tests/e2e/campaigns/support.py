"""What the campaign e2e tests do and check again and again."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import httpx
from tests.e2e.campaigns.stack import (
    PostgresDatabase,
    platform_objects,
    publication_rows,
    recorded_ids,
    wait_for,
)

from adflux.sandbox.server import RunningSandbox

PLATFORMS = ("meta", "google", "x", "tiktok", "snapchat")  # every platform AdFlux offers
# The platform objects every published tree has, by the name AdFlux records them under.
TREE = {
    "meta": {"campaign", "image", "ad_set", "creative", "ad"},
    "google": {"budget", "campaign", "ad_group", "ad"},
    "x": {"campaign", "line_item", "media", "card", "tweet", "promoted_tweet"},
    "tiktok": {"campaign", "image", "ad_group", "ad"},
    "snapchat": {"campaign", "ad_squad", "media", "creative", "ad"},
}
# Uploaded images are files, not objects of one publication: the same job's image is one file
# on the platform, which every publication of that job uses (checked by `_image_held`).
SHARED_KINDS = {"image"}
SETTLED = {"published", "failed"}


def create_campaigns(
    api: Any, job_ids: Iterable[int], platforms: Sequence[str] = PLATFORMS, **body: Any
) -> list[int]:
    ids = []
    for job_id in job_ids:
        response = api.post(
            "/api/v1/campaigns", json={"job_id": job_id, "platforms": list(platforms), **body}
        )
        assert response.status_code == 202, response.text
        ids.append(response.json()["id"])
    return ids


def wait_settled(
    db: PostgresDatabase, campaign_ids: Sequence[int], *, timeout: float
) -> list[dict]:
    """Poll until every publication of these campaigns is published or failed."""

    def settled() -> list[dict] | None:
        rows = publication_rows(db, campaign_ids)
        return rows if rows and all(r["status"] in SETTLED for r in rows) else None

    try:
        return wait_for(settled, timeout=timeout, interval=0.3, what="publications to settle")
    except TimeoutError:
        stuck = [r for r in publication_rows(db, campaign_ids) if r["status"] not in SETTLED]
        raise AssertionError(f"not settled after {timeout:.0f} s: {stuck}") from None


def assert_published_once(sandbox: RunningSandbox, rows: Sequence[dict]) -> None:
    """Each publication is published, recorded its whole tree, and the sandbox holds exactly the
    objects it recorded: nothing created twice, nothing created and forgotten."""
    owned = platform_objects(sandbox)
    problems = []
    for row in rows:
        if row["status"] != "published":
            problems.append(
                f"{row['platform']} publication {row['id']} is {row['status']}: {row['last_error']}"
            )
            continue
        missing = TREE[row["platform"]] - set(row["external_ids"])
        if missing:
            problems.append(f"publication {row['id']} lacks ids for {sorted(missing)}")
        held = owned[row["platform"]].get(f"adflux-pub-{row['id']}", set())
        own = {k: v for k, v in row["external_ids"].items() if k not in SHARED_KINDS}
        recorded = recorded_ids(own)
        image = row["external_ids"].get("image")
        if image and not _image_held(sandbox, row["platform"], image):
            problems.append(f"{row['platform']} publication {row['id']}: no image {image}")
        if held != recorded:
            problems.append(
                f"{row['platform']} publication {row['id']}: sandbox holds {sorted(held)}, "
                f"AdFlux recorded {sorted(recorded)}"
            )
    assert not problems, "\n".join(problems)


def _image_held(sandbox: RunningSandbox, platform: str, image: str) -> bool:
    kind = {"meta": "adimage", "tiktok": "image"}[platform]
    field = {"meta": "hash", "tiktok": "image_id"}[platform]
    return bool(sandbox.state.store.find(platform, kind, **{field: image}))


def campaign(api: Any, campaign_id: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/campaigns/{campaign_id}")
    assert response.status_code == 200, response.text
    return response.json()


def make_jobs(
    api: Any, count: int, *, city: str = "Bogotá", department: str = "Bogotá D.C."
) -> list[int]:
    """Open short job openings through the API (the seeded ones vary in length and city)."""
    ids = []
    for number in range(count):
        response = api.post(
            "/api/v1/jobs",
            json={
                "title": f"Auxiliar contable {number}",
                "description": "Registro de facturas y conciliaciones bancarias.",
                "company": "Contadores SAS",
                "city": city,
                "department": department,
                "area": "Contabilidad",
                "seniority": "junior",
                "employment_type": "tiempo_completo",
                "remote_mode": "presencial",
                "salary_min_cop": 1_800_000,
                "salary_max_cop": 2_200_000,
                "skills": ["Excel", "SIIGO"],
            },
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def sandbox_admin(sandbox: RunningSandbox, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Drive the sandbox through its admin endpoint, as an operator would."""
    response = httpx.post(f"{sandbox.base_url}/_sandbox/{path}", json=body, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()
