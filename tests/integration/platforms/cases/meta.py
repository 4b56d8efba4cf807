"""Meta in the contract test: read back with plain Graph GETs (`/v26.0/{id}?fields=...`)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

import httpx
from tests.integration.platforms.cases.base import (
    ContractCase,
    Rejection,
    narrowed_ages,
    sandbox_objects,
)

from adflux.sandbox.server import RunningSandbox

FIELDS = {
    "campaign": "name,status,objective,special_ad_categories,special_ad_category_country",
    "ad_set": "name,status,daily_budget,targeting,campaign_id",
    "creative": "name,object_story_spec",
    "ad": "name,status,adset_id,creative,effective_status",
}


class MetaCase(ContractCase):
    def _get(self, sandbox: RunningSandbox, object_id: str, fields: str) -> dict:
        credentials = sandbox.state.credentials["meta"]
        token, secret = credentials["access_token"], credentials["app_secret"]
        proof = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
        response = httpx.get(
            f"{sandbox.base_url}/v26.0/{object_id}",
            params={"fields": fields, "access_token": token, "appsecret_proof": proof},
        )
        response.raise_for_status()
        return response.json()

    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, dict]:
        return {kind: self._get(sandbox, ids[kind], FIELDS[kind]) for kind in FIELDS}

    def is_paused(self, objects: Mapping[str, dict]) -> bool:
        statuses = {objects[k]["status"] for k in ("campaign", "ad_set", "ad")}
        if statuses == {"PAUSED"}:
            return True
        assert statuses == {"ACTIVE"}, statuses
        return False

    def names(self, objects: Mapping[str, dict]) -> list[str]:
        return [obj["name"] for obj in objects.values()]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        (audience,) = [o for o in sandbox_objects(sandbox, "meta") if o["id"] == audience_id]
        users = audience["_users"]
        return {"email": set(users.get("EMAIL_SHA256", [])), "phone": set(users["PHONE_SHA256"])}


CASE = MetaCase(
    name="meta",
    tree=("campaign", "image", "ad_set", "creative", "ad"),
    findable=("campaign", "ad_set", "creative", "ad"),
    # Meta: digits with the country code, no "+" (Custom Audience hashing guide).
    phone_text="573001234567",
    first_create="POST /v26.0/act_1000000001/campaigns",
    rejected=Rejection({"targeting": narrowed_ages()}, field="targeting.age_min"),
    # estimated_time_to_regain_access is in minutes: 180 s -> 3 min -> 180 s.
    expected_wait_s=lambda retry_after_s: retry_after_s,
    needs_image=True,
)
