"""X in the contract test: read back with OAuth 1.0a-signed GETs on the Ads API (`/12/`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC
from typing import Any

from requests_oauthlib import OAuth1Session
from tests.integration.platforms.cases.base import (
    ContractCase,
    Held,
    Rejection,
    fetch_bytes,
    sandbox_objects,
)

from adflux.platforms.base import AdSpec, Creative
from adflux.sandbox.server import RunningSandbox

# 250 letters plus a URL: 273 weighted characters only because X counts every URL as 23.
LONG_BUT_VALID = "a" * 249 + " https://empleos.example.co/vacantes/" + "x" * 80
URL = re.compile(r"https?://\S+")
# X Ads times: ISO 8601 in UTC with a literal Z.
X_TIME = "%Y-%m-%dT%H:%M:%SZ"


class XCase(ContractCase):
    def _session(self, sandbox: RunningSandbox) -> OAuth1Session:
        c = sandbox.state.credentials["x"]
        return OAuth1Session(
            c["consumer_key"],
            client_secret=c["consumer_secret"],
            resource_owner_key=c["access_token"],
            resource_owner_secret=c["access_token_secret"],
        )

    def _get(self, sandbox: RunningSandbox, path: str, **params: Any) -> Any:
        with self._session(sandbox) as session:
            response = session.get(f"{sandbox.base_url}/12/{path}", params=params, timeout=5)
        response.raise_for_status()
        return response.json()["data"]

    def read_back(self, sandbox: RunningSandbox, ids: Mapping[str, str]) -> dict[str, Any]:
        account = f"accounts/{sandbox.state.credentials['x']['account_id']}"

        def get(path: str, **params: Any) -> Any:
            return self._get(sandbox, f"{account}/{path}", **params)

        tweet = get("tweets", tweet_ids=ids["tweet"], timeline_type="NULLCAST")[0]
        objects = {
            "campaign": get(f"campaigns/{ids['campaign']}"),
            "line_item": get(f"line_items/{ids['line_item']}"),
            "targeting": {"items": get("targeting_criteria", line_item_ids=ids["line_item"])},
            "tweet": tweet,
            "promoted_tweet": get(f"promoted_tweets/{ids['promoted_tweet']}"),
        }
        if tweet.get("card_uri"):
            # A card's media (its MEDIA component) is what the promoted post shows as its image.
            (card,) = get("cards", card_uris=tweet["card_uri"])
            keys = [c["media_key"] for c in card["components"] if c.get("media_key")]
            media = [get(f"media_library/{key}") for key in keys]
            objects["card"] = card
            objects["media"] = [fetch_bytes(sandbox, m["media_url"]) for m in media]
        return objects

    def held(self, sandbox: RunningSandbox, objects: Mapping[str, Any]) -> Held:
        text = objects["tweet"]["full_text"]
        links = URL.findall(text)
        if "card" in objects:
            links += [
                c["destination"]["url"]
                for c in objects["card"]["components"]
                if c.get("destination", {}).get("type") == "WEBSITE"
            ]
        assert len(set(links)) == 1, links  # one destination, wherever the post shows it
        line_item = objects["line_item"]
        media = objects.get("media") or []
        assert len(media) <= 1, "a single-image ad shows one image"
        return Held(
            link=links[0],
            texts=(text,),
            # *_local_micro: the account's currency (COP) in millionths.
            daily_budget_cop=objects["campaign"]["daily_budget_amount_local_micro"] // 1_000_000,
            targeting={
                "criteria": sorted(
                    (c["targeting_type"], c["targeting_value"], c.get("operator_type", "EQ"))
                    for c in objects["targeting"]["items"]
                ),
                "objective": line_item["objective"],
            },
            schedule=(line_item.get("start_time"), line_item.get("end_time")),
            image=media[0] if media else None,
        )

    def _location_key(self, sandbox: RunningSandbox, location_type: str, query: str) -> str:
        found = self._get(
            sandbox,
            "targeting_criteria/locations",
            location_type=location_type,
            country_code="CO",
            q=query,
        )
        return str(found[0]["targeting_value"]) if found else ""

    def meant(self, sandbox: RunningSandbox, spec: AdSpec) -> Held:
        creative, targeting = spec.creative, spec.targeting
        # X's location keys are opaque: ask X's own location search for each place.
        cities = [self._location_key(sandbox, "CITIES", p.name) for p in targeting.locations]
        places = [key for key in cities if key] or [
            self._location_key(sandbox, "COUNTRIES", "Colombia")
        ]
        assert (targeting.age_min, targeting.age_max) == (18, 65)  # the only employment range
        criteria = [("LOCATION", key, "EQ") for key in places]
        # HLE ads may target age only as AGE_OVER_18 (X HLE targeting restrictions).
        criteria.append(("AGE", "AGE_OVER_18", "EQ"))
        criteria += [("LANGUAGE", code, "EQ") for code in targeting.languages]
        criteria += [("BROAD_KEYWORD", word, "EQ") for word in targeting.keywords]
        criteria += [("CUSTOM_AUDIENCE", ca, "EQ") for ca in targeting.custom_audience_ids]
        return Held(
            link=creative.link_url,
            texts=(creative.primary_text,),  # the whole post, its link included (creatives.py)
            daily_budget_cop=spec.daily_budget_cop,
            targeting={"criteria": sorted(criteria), "objective": "WEBSITE_CLICKS"},
            schedule=(
                spec.start_at.astimezone(UTC).strftime(X_TIME),
                spec.end_at.astimezone(UTC).strftime(X_TIME) if spec.end_at else None,
            ),
            image=creative.image_png,
        )

    def is_paused(self, objects: Mapping[str, Any]) -> bool:
        statuses = {objects[k]["entity_status"] for k in ("campaign", "line_item")}
        if statuses == {"PAUSED"}:
            return True
        assert statuses == {"ACTIVE"}, statuses
        return False

    def names(self, objects: Mapping[str, Any]) -> list[str]:
        return [objects[k]["name"] for k in ("campaign", "line_item", "tweet")]

    def uploaded(self, sandbox: RunningSandbox, audience_id: str) -> dict[str, set[str]]:
        (audience,) = [o for o in sandbox_objects(sandbox, "x") if o["id"] == audience_id]
        users = audience["_users"]
        return {"email": set(users.get("email", [])), "phone": set(users["phone_number"])}


CASE = XCase(
    name="x",
    # The image goes up as media, then a website card shows it (with the link) on the post.
    tree=("campaign", "line_item", "targeting", "media", "card", "tweet", "promoted_tweet"),
    findable=("campaign", "line_item", "targeting", "tweet", "promoted_tweet"),
    image_kinds=("media", "card"),
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
