"""TikTok in the contract test: read back with the Marketing API's own `*/get/` endpoints."""

from __future__ import annotations

import json
from collections.abc import Mapping

import httpx
from tests.integration.platforms.cases.base import (
    ContractCase,
    Rejection,
    narrowed_ages,
    sandbox_objects,
)

from adflux.platforms.tiktok_errors import DEFAULT_THROTTLE_WAIT_S
from adflux.sandbox.server import RunningSandbox


class TikTokCase(ContractCase):
    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, dict]:
        c = sandbox.state.credentials["tiktok"]
        objects = {}
        for kind, path, filter_name in (
            ("campaign", "campaign", "campaign_ids"),
            ("ad_group", "adgroup", "adgroup_ids"),
            ("ad", "ad", "ad_ids"),
        ):
            response = httpx.get(
                f"{sandbox.base_url}/open_api/v1.3/{path}/get/",
                params={
                    "advertiser_id": c["advertiser_id"],
                    "filtering": json.dumps({filter_name: [ids[kind]]}),
                },
                headers={"Access-Token": c["access_token"]},
            )
            envelope = response.json()
            assert response.status_code == 200 and envelope["code"] == 0, envelope
            (objects[kind],) = envelope["data"]["list"]
        return objects

    def is_paused(self, objects: Mapping[str, dict]) -> bool:
        statuses = {obj["operation_status"] for obj in objects.values()}
        if statuses == {"DISABLE"}:
            return True
        assert statuses == {"ENABLE"}, statuses
        return False

    def names(self, objects: Mapping[str, dict]) -> list[str]:
        return [
            objects["campaign"]["campaign_name"],
            objects["ad_group"]["adgroup_name"],
            objects["ad"]["ad_name"],
        ]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        (audience,) = [o for o in sandbox_objects(sandbox, "tiktok") if o["id"] == audience_id]
        members = audience["_members"]
        return {
            "email": set(members.get("EMAIL_SHA256", [])),
            "phone": set(members["PHONE_SHA256"]),
        }


CASE = TikTokCase(
    name="tiktok",
    tree=("campaign", "image", "ad_group", "ad"),
    findable=("campaign", "ad_group", "ad"),
    # TikTok's customer-file page (Aug 2025): symbols removed, "+" included; country code kept.
    phone_text="573001234567",
    first_create="POST /open_api/v1.3/campaign/create/",
    # TikTok names the field only inside its message ("age_groups: ..."): no separate field.
    rejected=Rejection({"targeting": narrowed_ages()}, field=None),
    # Code 40100 carries no wait; the adapter starts its backoff at this figure.
    expected_wait_s=lambda retry_after_s: DEFAULT_THROTTLE_WAIT_S,
    needs_image=True,
)
