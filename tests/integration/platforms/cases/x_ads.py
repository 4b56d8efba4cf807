"""X in the contract test: read back with OAuth 1.0a-signed GETs on the Ads API (`/12/`)."""

from __future__ import annotations

from collections.abc import Mapping

from requests_oauthlib import OAuth1Session
from tests.integration.platforms.cases.base import ContractCase, Rejection, sandbox_objects

from adflux.platforms.base import Creative
from adflux.sandbox.server import RunningSandbox

# 250 letters plus a URL: 273 weighted characters only because X counts every URL as 23.
LONG_BUT_VALID = "a" * 249 + " https://empleos.example.co/vacantes/" + "x" * 80


class XCase(ContractCase):
    def _session(self, sandbox: RunningSandbox) -> OAuth1Session:
        c = sandbox.state.credentials["x"]
        return OAuth1Session(
            c["consumer_key"],
            client_secret=c["consumer_secret"],
            resource_owner_key=c["access_token"],
            resource_owner_secret=c["access_token_secret"],
        )

    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, dict]:
        account = sandbox.state.credentials["x"]["account_id"]
        base = f"{sandbox.base_url}/12/accounts/{account}"
        with self._session(sandbox) as session:

            def get(path: str, **params) -> object:
                response = session.get(f"{base}/{path}", params=params, timeout=5)
                response.raise_for_status()
                return response.json()["data"]

            return {
                "campaign": get(f"campaigns/{ids['campaign']}"),
                "line_item": get(f"line_items/{ids['line_item']}"),
                "targeting": {"items": get("targeting_criteria", line_item_ids=ids["line_item"])},
                "tweet": get("tweets", tweet_ids=ids["tweet"], timeline_type="NULLCAST")[0],
                "promoted_tweet": get(f"promoted_tweets/{ids['promoted_tweet']}"),
            }

    def is_paused(self, objects: Mapping[str, dict]) -> bool:
        statuses = {objects[k]["entity_status"] for k in ("campaign", "line_item")}
        if statuses == {"PAUSED"}:
            return True
        assert statuses == {"ACTIVE"}, statuses
        return False

    def names(self, objects: Mapping[str, dict]) -> list[str]:
        return [objects[k]["name"] for k in ("campaign", "line_item", "tweet")]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        (audience,) = [o for o in sandbox_objects(sandbox, "x") if o["id"] == audience_id]
        users = audience["_users"]
        return {"email": set(users.get("email", [])), "phone": set(users["phone_number"])}


CASE = XCase(
    name="x",
    tree=("campaign", "line_item", "targeting", "media", "card", "tweet", "promoted_tweet"),
    findable=("campaign", "line_item", "targeting", "tweet", "promoted_tweet"),
    # X documents no phone format; AdFlux sends E.164 digits without "+" (audiences/hashing.py).
    phone_text="573001234567",
    first_create="POST /11/accounts/18ce54d4x5t/campaigns",
    rejected=Rejection(
        {
            "creative": Creative(
                headlines=("Auxiliar contable",),
                descriptions=(),
                primary_text="Vacante " * 40,  # 320 characters: over X's 280
                link_url="https://empleos.example.co/vacantes/42",
            )
        },
        field="text",
    ),
    # x-rate-limit-reset is an epoch second: the wait is what is left of it.
    expected_wait_s=lambda retry_after_s: retry_after_s,
    extra={"long_but_valid_text": LONG_BUT_VALID},
)
