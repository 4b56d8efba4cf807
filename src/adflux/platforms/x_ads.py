"""X (Twitter) Ads adapter on the official `twitter-ads` SDK, pinned to 11.0.0 (Ads API /11/).

The SDK has no base-URL option: requests go to the class attribute
`twitter_ads.http.Request._DEFAULT_DOMAIN`, so `XAdsAdapter` assigns that one attribute from
settings (research/platforms.md §1.3). It is private, hence the exact version pin. The SDK's
`handle_rate_limit` sleeps inside the call; it stays off so a worker gets `RateLimited` instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from adflux.platforms import x_targeting
from adflux.platforms.base import (
    AdSpec,
    AudienceResult,
    AudienceSpec,
    AuthExpired,
    Creative,
    CredentialStatus,
    HashedMember,
    InvalidRequest,
    OnCreated,
    PlatformAdapter,
    PlatformError,
    PublicationChange,
    PublishResult,
    RateLimited,
    ReportRow,
    Targeting,
    TransientError,
    UpdateResult,
    cop_to_micros,
    name_has_key,
    named,
    sdk_status,
)
from adflux.platforms.settings import XSettings
from adflux.platforms.transport import classify_network_error
from adflux.platforms.x_posts import NAME_LIMIT, card_title, post_text

log = logging.getLogger(__name__)

try:
    import requests
    import twitter_ads.http
    from twitter_ads import error as x_errors
    from twitter_ads.account import Account
    from twitter_ads.audience import CustomAudience
    from twitter_ads.campaign import Campaign, LineItem, TargetingCriteria, Tweet
    from twitter_ads.client import Client
    from twitter_ads.creative import Card, MediaLibrary, PromotedTweet, Tweets
    from twitter_ads.http import Request

    from adflux.platforms import x_audience, x_changes

    _IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # the SDK is an optional extra
    _IMPORT_ERROR = exc

STATS_DAYS_PER_CALL = 7  # X serves at most 7 days of DAY-granularity stats per request
STATS_IDS_PER_CALL = 20  # and at most 20 entity_ids (docs.x.com/x-ads-api/analytics)
MEDIA_UPLOAD_PATH = "/1.1/media/upload.json"


class XAdsAdapter(PlatformAdapter):
    name = "x"
    display_name = "X (Twitter) Ads"
    # developer.x.com/en/docs/ads/audiences: "An audience can only be targeted if it matches at
    # least 100 users active within the past 90 days" (its GET custom_audiences says why not).
    min_custom_audience = 100

    def __init__(self, settings: XSettings) -> None:
        self._settings = settings
        self._client: Any = None
        self._lock = threading.Lock()
        # (location type, query, country) -> X's targeting value. The keys are X's stable ids for
        # places, so each is asked once per process instead of once per publication; places X
        # does not know are asked again, in case X adds them.
        self._known_places: dict[tuple[str, str, str], str] = {}

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return sdk_status("twitter-ads", _IMPORT_ERROR)

    # ------------------------------------------------------------------ plumbing

    def _account(self, *, load: bool = False) -> Any:
        """The ad account; loaded from the API only when asked (saves one call per operation)."""
        with self._lock:
            if self._client is None:
                s = self._settings
                # The one redirect the SDK allows: a class attribute (documented private override).
                twitter_ads.http.Request._DEFAULT_DOMAIN = s.base_url.rstrip("/")
                # Shared by threads: the SDK's Client holds credentials and options only (each
                # request opens its own OAuth1Session).
                self._client = Client(
                    s.consumer_key.get_secret_value() if s.consumer_key else None,
                    s.consumer_secret.get_secret_value() if s.consumer_secret else None,
                    s.access_token.get_secret_value() if s.access_token else None,
                    s.access_token_secret.get_secret_value() if s.access_token_secret else None,
                    options={"handle_rate_limit": False, "retry_max": 0, "timeout": s.timeout_s},
                )
        if load:
            return self._client.accounts(self._settings.account_id)
        return Account(self._client).from_response({"id": self._settings.account_id})

    @contextmanager
    def _calling(self, *, write: bool) -> Iterator[None]:
        try:
            yield
        except x_errors.Error as exc:
            raise self._classify(exc) from None
        except requests.exceptions.RequestException as exc:
            error = classify_network_error(self.name, exc, write=write)
            if error is None:
                raise
            raise error from exc
        except Exception as exc:
            # twitter_ads.http re-raises a requests Timeout as a bare Exception(timeout); the
            # wrapped exception's type still tells what happened.
            cause = exc.args[0] if type(exc) is Exception and exc.args else None
            error = (
                classify_network_error(self.name, cause, write=write)
                if isinstance(cause, BaseException)
                else None
            )
            if error is None:
                raise
            raise error from exc

    def _classify(self, exc: Any) -> PlatformError:
        details = exc.details or [{}]
        first = details[0] if isinstance(details[0], dict) else {}
        message = first.get("message") or type(exc).__name__
        code = first.get("code") or exc.code
        headers = exc.response.headers if exc.response is not None else {}
        kwargs = {"code": code, "request_id": headers.get("x-transaction-id")}
        if isinstance(exc, x_errors.RateLimit):
            reset = float(exc.reset_at or 0)
            wait = max(1.0, reset - time.time()) if reset else 60.0
            return RateLimited(self.name, message, retry_after_s=wait, **kwargs)
        if isinstance(exc, x_errors.NotAuthorized | x_errors.Forbidden):
            return AuthExpired(self.name, message, **kwargs)
        if isinstance(exc, x_errors.ServerError) or (exc.code or 0) >= 500:
            return TransientError(self.name, message, **kwargs)
        return InvalidRequest(self.name, message, field=first.get("parameter"), **kwargs)

    # ------------------------------------------------------------------ publish

    def publish(
        self, spec: AdSpec, *, known_ids: Mapping[str, str], on_created: OnCreated
    ) -> PublishResult:
        ids = dict(known_ids)
        status = "ACTIVE" if spec.active else "PAUSED"
        key = spec.publication_key

        def created(kind: str, object_id: str) -> None:
            ids[kind] = object_id
            on_created(kind, object_id)

        account = self._account()
        with self._calling(write=True):
            if "campaign" not in ids:
                campaign = Campaign(account)
                campaign.name = named(key, "campaign", spec.name)[:255]
                campaign.funding_instrument_id = self._funding_instrument(account)
                campaign.daily_budget_amount_local_micro = cop_to_micros(spec.daily_budget_cop)
                campaign.entity_status = status
                campaign.save()
                created("campaign", campaign.id)
            if "line_item" not in ids:
                created("line_item", self._line_item(account, spec, ids["campaign"], status).id)
            if "targeting" not in ids:
                criteria = self._criteria(account, spec.targeting, ids["line_item"])
                TargetingCriteria.batch_save(account, criteria)  # one atomic request
                created("targeting", ",".join(c.id for c in criteria))
            card_uri = None
            if spec.creative.image_png and "tweet" not in ids:
                card_uri = self._website_card(account, spec.creative, key, spec.name, ids, created)
            if "tweet" not in ids:
                card = {"card_uri": card_uri} if card_uri else {}
                tweet = Tweet.create(
                    account,
                    text=post_text(spec.creative),
                    as_user_id=self._settings.user_id,
                    nullcast=True,  # promoted-only: never shown on the organic timeline
                    name=named(key, "tweet", spec.name)[:NAME_LIMIT],
                    **card,
                )
                created("tweet", tweet["id_str"])
            if "promoted_tweet" not in ids:
                attached = PromotedTweet.attach(
                    account, line_item_id=ids["line_item"], tweet_ids=[ids["tweet"]]
                )
                created("promoted_tweet", attached.first.id)
        return PublishResult(external_ids=ids)

    def _website_card(
        self,
        account: Any,
        creative: Creative,
        key: str,
        label: str,
        ids: dict[str, str],
        created: OnCreated,
    ) -> str:
        """The post's website card: the ad image (uploaded once, added to the account's media
        library) over the job's title and link, named with `label`. Returns its `card_uri`;
        `ids` holds the "media" and "card" an earlier attempt made."""
        if "card" in ids:  # made by an earlier attempt: X gives its uri on read
            return str(Card.load(account, ids["card"]).card_uri)
        if "media" not in ids:
            created("media", self._upload_media(creative.image_png or b""))
        library = MediaLibrary(account)
        library.media_key = ids["media"]
        library.name = named(key, "media", label)[:NAME_LIMIT]
        library.file_name = f"{key}.png"
        library.add()  # adding a key already in the library is harmless on a retry
        card = Card(account)
        card.name = named(key, "card", label)[:NAME_LIMIT]
        card.components = [
            {"type": "MEDIA", "media_key": ids["media"]},
            {
                "type": "DETAILS",
                "title": card_title(creative),
                "destination": {"type": "WEBSITE", "url": creative.link_url},
            },
        ]
        card.save()
        created("card", str(card.id))
        return str(card.card_uri)

    def _replacement_card(
        self, account: Any, creative: Creative, key: str, label: str, created: OnCreated
    ) -> str:
        """The website card of a replacement post: the one named `label` if an attempt that
        never heard back made it, else a new one (its media and card reported to `created`)."""
        made: dict[str, str] = {}
        card_name = named(key, "card", label)[:NAME_LIMIT]
        for card in Card.all(account, q=card_name):
            if card.name == card_name:
                made["card"] = str(card.id)
                break

        def note(kind: str, object_id: str) -> None:
            made[kind] = object_id
            created(kind, object_id)

        return self._website_card(account, creative, key, label, made, note)

    def _upload_media(self, png: bytes) -> str:
        """X's simple media upload (one multipart request); its answer's `media_key`."""
        response = Request(
            self._client,
            "post",
            MEDIA_UPLOAD_PATH,
            domain=self._settings.upload_url.rstrip("/"),
            params={"media_category": "tweet_image"},
            files={"media": ("ad.png", png, "image/png")},
        ).perform()
        return str(response.body["media_key"])

    def _funding_instrument(self, account: Any) -> str:
        if self._settings.funding_instrument_id:
            return self._settings.funding_instrument_id
        for instrument in account.funding_instruments():
            if instrument.entity_status == "ACTIVE" and instrument.able_to_fund:
                return instrument.id
        raise InvalidRequest(self.name, "the account has no active funding instrument")

    def _line_item(self, account: Any, spec: AdSpec, campaign_id: str, status: str) -> Any:
        item = LineItem(account)
        item.campaign_id = campaign_id
        item.name = named(spec.publication_key, "line_item", spec.name)[:255]
        item.objective = "WEBSITE_CLICKS"
        item.product_type = "PROMOTED_TWEETS"
        item.placements = ["ALL_ON_TWITTER"]
        item.bid_strategy = "AUTO"
        item.entity_status = status
        # The SDK formats datetimes with a literal "Z": hand it UTC.
        item.start_time = spec.start_at.astimezone(UTC)
        if spec.end_at is not None:
            item.end_time = spec.end_at.astimezone(UTC)
        if spec.targeting.expansion:
            item.audience_expansion = "EXPANDED"
        item.save()  # LineItem.save() returns None in 11.0.0; it fills `item` in place
        return item

    def _criteria(self, account: Any, targeting: Targeting, line_item_id: str) -> list[Any]:
        wanted = x_targeting.criteria(
            targeting,
            self._location_keys(account, targeting),
            self._location_keys(account, targeting, excluded=True),
        )
        return [_criterion(account, line_item_id, triple) for triple in wanted]

    def _location_keys(
        self, account: Any, targeting: Targeting, *, excluded: bool = False
    ) -> list[str]:
        """X location keys for the targeted cities; the country when none of them is known to X.

        X's location catalogue does not hold every Colombian municipality. A city it lacks is
        left out rather than failing the ad: reaching the whole country is the broader, still
        compliant choice for a job ad (exclusions, never used by AdFlux, must all resolve).
        """
        places = targeting.excluded_locations if excluded else targeting.locations
        keys = [self._lookup(account, "CITIES", p.name, p.country, strict=excluded) for p in places]
        found = [key for key in keys if key is not None]
        if not found and not excluded:
            country = self._lookup(account, "COUNTRIES", "", targeting.country, strict=True)
            found = [country] if country is not None else []
        return found

    def _lookup(
        self, account: Any, location_type: str, query: str, country: str, *, strict: bool
    ) -> str | None:
        known = self._known_places.get((location_type, query, country))
        if known is not None:
            return known
        match = TargetingCriteria.locations(
            account, location_type=location_type, country_code=country, q=query
        ).first
        if match is None:
            if strict:
                raise InvalidRequest(self.name, f"X has no location {query or country}", field="q")
            log.info("X has no location %r in %s; targeting without it", query, country)
            return None
        key = self._known_places[(location_type, query, country)] = str(match["targeting_value"])
        return key

    # ------------------------------------------------------------------ lookups and changes

    def find_existing(self, publication_key: str) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._calling(write=False):
            account = self._account()
            for campaign in Campaign.all(account):
                if campaign.name and name_has_key(campaign.name, publication_key):
                    found["campaign"] = campaign.id
                    break
            if "campaign" in found:
                for item in LineItem.all(account, campaign_ids=[found["campaign"]]):
                    if item.name and name_has_key(item.name, publication_key):
                        found["line_item"] = item.id
                        break
            if "line_item" in found:
                criteria = TargetingCriteria.all(account, line_item_ids=[found["line_item"]])
                ids = [c.id for c in criteria]
                if ids:
                    found["targeting"] = ",".join(ids)
                promoted = PromotedTweet.all(account, line_item_ids=[found["line_item"]]).first
                if promoted is not None:
                    found["promoted_tweet"] = promoted.id
                    found["tweet"] = str(promoted.tweet_id)
            if "tweet" not in found:
                # A card made by an attempt that never heard back (cards are named, posts too).
                for card in Card.all(account, q=f"[{publication_key}]"):
                    if card.name and name_has_key(card.name, publication_key):
                        found["card"] = str(card.id)
                        break
                posts = Tweets.all(account, tweet_type="PUBLISHED", timeline_type="NULLCAST")
                for post in posts:
                    if name_has_key(post.get("name") or "", publication_key):
                        found["tweet"] = post["id_str"]
                        break
        return found

    def set_active(self, external_ids: Mapping[str, str], active: bool) -> None:
        status = "ACTIVE" if active else "PAUSED"
        with self._calling(write=False):  # a status update is safe to repeat
            account = self._account()
            for cls, kind in ((Campaign, "campaign"), (LineItem, "line_item")):
                if external_ids.get(kind):
                    # Only id + status are sent: from_response() is the SDK's public setter.
                    cls(account).from_response(
                        {"id": external_ids[kind], "entity_status": status}
                    ).save()

    def update(
        self,
        external_ids: Mapping[str, str],
        change: PublicationChange,
        *,
        publication_key: str,
        on_created: OnCreated,
    ) -> UpdateResult:
        ids = dict(external_ids)

        def created(kind: str, object_id: str) -> None:
            ids[kind] = object_id
            on_created(kind, object_id)

        account = self._account()
        with self._calling(write=False):  # PUTs set values: one repeated is harmless
            if change.daily_budget_cop is not None:
                campaign = Campaign(account).from_response({"id": ids["campaign"]})
                # Set after from_response(), which drops zeros: X must see (and refuse) them.
                campaign.daily_budget_amount_local_micro = cop_to_micros(change.daily_budget_cop)
                campaign.save()
            if change.schedule is not None:
                item = LineItem(account).from_response({"id": ids["line_item"]})
                item.start_time = change.schedule.start_at.astimezone(UTC)
                # "You can un-set an optional value by specifying the parameter with an empty
                # string ... `&end_time=`" (X Ads API, making authenticated requests).
                end = change.schedule.end_at
                item.end_time = end.astimezone(UTC) if end is not None else ""
                item.save()
        # These create objects: a lost answer is OutcomeUnknown, and running the update again
        # reconciles it (each step starts from what X holds).
        with self._calling(write=True):
            if change.targeting is not None:
                wanted = self._criteria(account, change.targeting, ids["line_item"])
                criteria = x_changes.retarget(account, ids["line_item"], wanted)
                if set(criteria.split(",")) != set(ids.get("targeting", "").split(",")):
                    created("targeting", criteria)
            if change.creative is not None:
                creative = change.creative

                def card(label: str) -> str:
                    return self._replacement_card(
                        account, creative, publication_key, label, created
                    )

                x_changes.recopy(
                    account,
                    ids,
                    creative,
                    publication_key,
                    created,
                    user_id=self._settings.user_id,
                    make_card=card,
                )
        return UpdateResult(external_ids=ids)

    def sync_audience(self, spec: AudienceSpec) -> AudienceResult:
        with self._calling(write=True):
            account = self._account()
            if spec.existing_id:
                audience = CustomAudience.load(account, spec.existing_id)
            else:
                audience = CustomAudience.create(
                    account, named(spec.audience_key, "audience", spec.name)
                )
            receipt = x_audience.send_users(audience, spec.members, "Update")
        return AudienceResult(external_id=audience.id, uploaded=len(spec.members), receipt=receipt)

    def remove_audience_members(
        self, audience_id: str, members: tuple[HashedMember, ...]
    ) -> AudienceResult:
        # The same users endpoint with operation_type "Delete" (Custom Audience users reference).
        with self._calling(write=False):  # removing twice is harmless
            audience = CustomAudience.load(self._account(), audience_id)
            receipt = x_audience.send_users(audience, members, "Delete")
        return AudienceResult(external_id=audience_id, uploaded=len(members), receipt=receipt)

    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        # Synchronous stats of the trees' line items (the sum of their promoted posts, those a
        # copy change replaced included, so a tree's days stay whole): X takes at most 20
        # entity ids and 7 days per request, so the calls are (id batches) x (7-day windows),
        # each returning every line item of its batch with a metric array indexed by day.
        keys = {ids["line_item"]: k for k, ids in trees.items() if ids.get("promoted_tweet")}
        line_item_ids = sorted(keys)
        rows: list[ReportRow] = []
        account = self._account()
        for start in range(0, len(line_item_ids), STATS_IDS_PER_CALL):
            batch = line_item_ids[start : start + STATS_IDS_PER_CALL]
            day = since
            while day <= until:
                last = min(until, day + timedelta(days=STATS_DAYS_PER_CALL - 1))
                with self._calling(write=False):
                    data = LineItem.all_stats(
                        account,
                        batch,
                        ["ENGAGEMENT", "BILLING"],
                        granularity="DAY",
                        # The SDK sends DAY bounds as dates: the account's (America/Bogota) days.
                        start_time=datetime(day.year, day.month, day.day),
                        end_time=datetime(last.year, last.month, last.day) + timedelta(days=1),
                        placement="ALL_ON_TWITTER",
                    )
                rows += [
                    ReportRow(keys[entity["id"]], *figures)
                    for entity in data
                    if entity.get("id") in keys
                    for figures in _daily(day, entity)
                ]
                day = last + timedelta(days=1)
        return rows

    def check_credentials(self) -> CredentialStatus:
        try:
            with self._calling(write=False):
                account = self._account(load=True)
        except PlatformError as exc:
            return CredentialStatus(False, exc.message)
        return CredentialStatus(True, f"{account.name} ({account.id})")


def _criterion(account: Any, line_item_id: str, triple: x_targeting.Criterion) -> Any:
    criterion = TargetingCriteria(account)
    criterion.line_item_id = line_item_id
    criterion.targeting_type, criterion.targeting_value, criterion.operator_type = triple
    return criterion


def _daily(first_day: date, entity: dict[str, Any]) -> list[tuple[date, int, int, int]]:
    """(day, impressions, clicks, spend COP) per day with delivery, from X's stats shape: metric
    arrays indexed by day; billed_charge_local_micro is in the account currency (COP)."""
    rows: list[tuple[date, int, int, int]] = []
    for segment in entity.get("id_data", []):
        metrics = segment.get("metrics", {})
        impressions = metrics.get("impressions") or []
        clicks = metrics.get("clicks") or []
        billed = metrics.get("billed_charge_local_micro") or []
        for i, count in enumerate(impressions):
            if not count:
                continue
            rows.append(
                (
                    first_day + timedelta(days=i),
                    int(count),
                    int(clicks[i] or 0) if i < len(clicks) else 0,
                    round(int(billed[i] or 0) / 1_000_000) if i < len(billed) else 0,
                )
            )
    return rows
