"""Google Ads adapter on the official `google-ads` SDK (API v26 over gRPC).

The same code runs against production and the sandbox: only settings differ (endpoint, credentials
and, for the sandbox, `ca_file`, which becomes GRPC_DEFAULT_SSL_ROOTS_FILE_PATH before the first
channel is opened; research/platforms.md §1.2). Objects are identified by resource names
("customers/1234567890/campaigns/42"), which is what every Google Ads call takes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from adflux.platforms.base import (
    AdSpec,
    AudienceResult,
    AudienceSpec,
    CredentialStatus,
    HashedMember,
    OnCreated,
    PlatformAdapter,
    PlatformError,
    PlatformUnavailable,
    PublicationChange,
    PublishResult,
    ReportRow,
    Schedule,
    Targeting,
    UpdateResult,
    name_has_key,
    named,
    sdk_status,
)
from adflux.platforms.settings import GoogleAdsSettings
from adflux.platforms.transport import classify_network_error

try:
    from google.ads.googleads.client import GoogleAdsClient
    from google.oauth2.credentials import Credentials

    from adflux.platforms.google_ads import audience, errors, operations

    _IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # the SDK is an optional extra
    _IMPORT_ERROR = exc

TOKEN_URI = "https://oauth2.googleapis.com/token"
ROOTS_ENV = "GRPC_DEFAULT_SSL_ROOTS_FILE_PATH"

# find_existing: (port kind, GAQL resource, field holding the name that carries the key, and a
# condition telling apart kinds that share a resource). Ads and criteria have no names of their
# own: they are found through their parent's name; keywords and audiences are both ad group
# criteria, told apart by their type.
LOOKUPS = (
    ("budget", "campaign_budget", "campaign_budget.name", ""),
    ("campaign", "campaign", "campaign.name", ""),
    ("criteria", "campaign_criterion", "campaign.name", ""),
    ("ad_group", "ad_group", "ad_group.name", ""),
    ("keywords", "ad_group_criterion", "ad_group.name", "ad_group_criterion.type = 'KEYWORD'"),
    ("audiences", "ad_group_criterion", "ad_group.name", "ad_group_criterion.type = 'USER_LIST'"),
    ("ad", "ad_group_ad", "ad_group.name", ""),
)
MULTI = {"criteria", "keywords", "audiences"}  # several objects, stored comma-separated
# What update reads of the criteria a tree holds, to compare with the wanted ones.
CAMPAIGN_CRITERION_FIELDS = (
    "campaign_criterion.resource_name, campaign_criterion.type, "
    "campaign_criterion.proximity.geo_point.latitude_in_micro_degrees, "
    "campaign_criterion.proximity.geo_point.longitude_in_micro_degrees, "
    "campaign_criterion.proximity.radius, campaign_criterion.proximity.radius_units, "
    "campaign_criterion.location.geo_target_constant, "
    "campaign_criterion.language.language_constant"
)
AD_GROUP_CRITERION_FIELDS = (
    "ad_group_criterion.resource_name, ad_group_criterion.type, "
    "ad_group_criterion.keyword.text, ad_group_criterion.keyword.match_type, "
    "ad_group_criterion.user_list.user_list"
)


class GoogleAdsAdapter(PlatformAdapter):
    name = "google"
    display_name = "Google Ads"
    # Customer Match on the Search campaigns AdFlux creates: 100 active members in the last 30
    # days, on every network since Google unified the thresholds in December 2024 (Google Ads
    # Help "About audience segments"; Search needed 1,000 before).
    min_custom_audience = 100

    def __init__(self, settings: GoogleAdsSettings) -> None:
        self._settings = settings
        self._client_instance: Any = None
        self._services: dict[str, Any] = {}
        self._lock = threading.RLock()  # the client and channels are built once, by one thread
        self._customer_id = (settings.customer_id or "").replace("-", "")
        self._login_customer_id = (settings.login_customer_id or "").replace("-", "") or None

    @classmethod
    def available(cls) -> tuple[bool, str]:
        return sdk_status("google-ads", _IMPORT_ERROR)

    # ------------------------------------------------------------------ plumbing

    def _credentials(self) -> Any:
        s = self._settings
        if s.access_token is not None:
            # A token without expiry is never refreshed (sandbox, or a token minted elsewhere).
            return Credentials(token=s.access_token.get_secret_value())
        if s.refresh_token is None or not s.client_id:
            raise PlatformUnavailable(self.name, "no Google OAuth credential configured")
        return Credentials(
            token=None,
            refresh_token=s.refresh_token.get_secret_value(),
            client_id=s.client_id,
            client_secret=s.client_secret.get_secret_value() if s.client_secret else None,
            token_uri=TOKEN_URI,
        )

    def _client(self) -> Any:
        with self._lock:
            if self._client_instance is None:
                self._client_instance = self._new_client()
            return self._client_instance

    def _new_client(self) -> Any:
        if _IMPORT_ERROR is not None:
            raise PlatformUnavailable(self.name, f"google-ads is not installed ({_IMPORT_ERROR})")
        s = self._settings
        if s.developer_token is None or not self._customer_id:
            raise PlatformUnavailable(self.name, "developer token or customer id missing")
        if s.ca_file:
            # gRPC reads this once, when the process opens its first TLS channel.
            os.environ[ROOTS_ENV] = s.ca_file
        return GoogleAdsClient(
            credentials=self._credentials(),
            developer_token=s.developer_token.get_secret_value(),
            login_customer_id=self._login_customer_id,
            endpoint=s.endpoint,
            version=s.api_version,
            use_proto_plus=True,
        )

    def _service(self, name: str) -> Any:
        # get_service() opens a new TLS channel every time; one per service and adapter (hence
        # per process) is plenty: gRPC channels and the stubs on them are thread-safe.
        with self._lock:
            if name not in self._services:
                self._services[name] = self._client().get_service(name)
            return self._services[name]

    @contextmanager
    def _calling(self, *, write: bool, kind: str | None = None) -> Iterator[None]:
        try:
            yield
        except PlatformError:
            raise
        except Exception as exc:
            error = errors.classify(exc, write=write, kind=kind)
            if error is None:
                raise
            raise error from exc

    def _mutate(
        self, service: str, method: str, kind: str, ops: list[Any], *, write: bool = True
    ) -> list[str]:
        with self._calling(write=write, kind=kind):
            response = getattr(self._service(service), method)(
                customer_id=self._customer_id, operations=ops, timeout=self._settings.timeout_s
            )
        return [result.resource_name for result in response.results]

    def _search(self, query: str) -> list[Any]:
        service = self._service("GoogleAdsService")
        with self._calling(write=False):
            stream = service.search_stream(
                customer_id=self._customer_id, query=query, timeout=self._settings.timeout_s
            )
            return [row for batch in stream for row in batch.results]

    # ------------------------------------------------------------------ publish

    def publish(
        self, spec: AdSpec, *, known_ids: Mapping[str, str], on_created: OnCreated
    ) -> PublishResult:
        client = self._client()
        ids = dict(known_ids)
        for step in operations.PUBLISH_STEPS:
            if step.kind in ids:
                continue
            ops = step.build(client, spec, ids)
            if not ops:  # e.g. no keywords to add
                continue
            names = self._mutate(step.service, step.method, step.resource, ops)
            ids[step.kind] = ",".join(names)
            on_created(step.kind, ids[step.kind])
        return PublishResult(external_ids=ids)

    # ------------------------------------------------------------------ lookups and changes

    def find_existing(self, publication_key: str) -> dict[str, str]:
        prefix = f"[{publication_key}] "
        pattern = operations.quote(operations.like_prefix(prefix))
        found: dict[str, str] = {}
        for kind, resource, name_field, condition in LOOKUPS:
            query = (
                f"SELECT {resource}.resource_name, {name_field} FROM {resource} "
                f"WHERE {name_field} LIKE {pattern} AND {resource}.status != 'REMOVED'"
                + (f" AND {condition}" if condition else "")
            )
            names = [
                _get(row, f"{resource}.resource_name")
                for row in self._search(query)
                if name_has_key(_get(row, name_field), publication_key)
            ]
            if names:
                found[kind] = ",".join(names) if kind in MULTI else names[0]
        return found

    def set_active(self, external_ids: Mapping[str, str], active: bool) -> None:
        campaign = external_ids.get("campaign")
        if not campaign:
            return
        op = operations.status_operation(self._client(), campaign, active)
        with self._calling(write=False, kind="campaign"):  # a status update is safe to repeat
            self._service("CampaignService").mutate_campaigns(
                customer_id=self._customer_id, operations=[op], timeout=self._settings.timeout_s
            )

    def update(
        self,
        external_ids: Mapping[str, str],
        change: PublicationChange,
        *,
        publication_key: str,
        on_created: OnCreated,
    ) -> UpdateResult:
        # Budget, dates and the ad's copy are set in place (write=False: a lost answer is
        # transient, the same update is simply made again). Criteria are created and removed
        # (write=True: a lost answer is OutcomeUnknown), and running the update again
        # reconciles them, as it starts from the criteria Google holds.
        client = self._client()
        ids = dict(external_ids)
        if change.daily_budget_cop is not None:
            op = operations.budget_amount_operation(client, ids["budget"], change.daily_budget_cop)
            self._mutate(
                "CampaignBudgetService",
                "mutate_campaign_budgets",
                "campaign_budget",
                [op],
                write=False,
            )
        if change.schedule is not None:
            self._reschedule(ids["campaign"], change.schedule)
        if change.targeting is not None:
            for kind, names in self._retarget(ids, change.targeting).items():
                if set(names.split(",")) != set(ids.get(kind, "").split(",")):
                    ids[kind] = names
                    on_created(kind, names)
        if change.creative is not None:
            # The ad of customers/{c}/adGroupAds/{group}~{ad} is customers/{c}/ads/{ad}.
            customer, ad_id = ids["ad"].split("/")[1], ids["ad"].rsplit("~", 1)[-1]
            op = operations.ad_copy_operation(
                client, f"customers/{customer}/ads/{ad_id}", change.creative
            )
            self._mutate("AdService", "mutate_ads", "ad", [op], write=False)
        return UpdateResult(external_ids={k: v for k, v in ids.items() if v})

    def _reschedule(self, campaign: str, when: Schedule) -> None:
        (row,) = self._search(
            "SELECT campaign.start_date_time, campaign.end_date_time FROM campaign "
            f"WHERE campaign.resource_name = {operations.quote(campaign)}"
        )
        held = (row.campaign.start_date_time, row.campaign.end_date_time)
        op = operations.schedule_operation(
            self._client(), campaign, held, when, now=datetime.now(UTC)
        )
        if op is not None:
            self._mutate("CampaignService", "mutate_campaigns", "campaign", [op], write=False)

    def _retarget(self, ids: Mapping[str, str], targeting: Targeting) -> dict[str, str]:
        """Make the tree's criteria the ones `publish` builds for `targeting`, in one atomic
        GoogleAdsService.Mutate; {kind: comma-separated resource names} afterwards."""
        client = self._client()
        campaign, ad_group = ids["campaign"], ids["ad_group"]
        wanted = {
            "criteria": operations.criteria_operations(client, targeting, campaign),
            "keywords": operations.keyword_operations(client, targeting, ad_group),
            "audiences": operations.audience_operations(client, targeting, ad_group),
        }
        plan = operations.retargeting(client, wanted, self._held_criteria(campaign, ad_group))
        if wanted["audiences"] and not self._restricts_audiences(ad_group):
            plan.operations.insert(0, operations.restriction_operation(client, ad_group))
            plan.creates.insert(0, None)
        names = plan.kept
        if plan.operations:
            with self._calling(write=True):
                response = self._service("GoogleAdsService").mutate(
                    customer_id=self._customer_id,
                    mutate_operations=plan.operations,
                    timeout=self._settings.timeout_s,
                )
            for kind, answer in zip(plan.creates, response.mutate_operation_responses, strict=True):
                if kind is not None:
                    which = type(answer).pb(answer).WhichOneof("response")
                    names[kind].append(getattr(answer, which).resource_name)
        return {kind: ",".join(found) for kind, found in names.items()}

    def _held_criteria(self, campaign: str, ad_group: str) -> dict[str, dict[tuple, str]]:
        held: dict[str, dict[tuple, str]] = {kind: {} for kind in operations.CRITERIA_KINDS}
        for row in self._search(
            f"SELECT {CAMPAIGN_CRITERION_FIELDS} FROM campaign_criterion "
            f"WHERE campaign_criterion.campaign = {operations.quote(campaign)} "
            "AND campaign_criterion.status != 'REMOVED'"
        ):
            criterion = row.campaign_criterion
            key = operations.criterion_key(criterion.type_.name.lower(), criterion)
            held["criteria"][key] = criterion.resource_name
        for row in self._search(
            f"SELECT {AD_GROUP_CRITERION_FIELDS} FROM ad_group_criterion "
            f"WHERE ad_group_criterion.ad_group = {operations.quote(ad_group)} "
            "AND ad_group_criterion.status != 'REMOVED'"
        ):
            criterion = row.ad_group_criterion
            which = criterion.type_.name.lower()
            kind = {"keyword": "keywords", "user_list": "audiences"}.get(which)
            if kind is not None:
                held[kind][operations.criterion_key(which, criterion)] = criterion.resource_name
        return held

    def _restricts_audiences(self, ad_group: str) -> bool:
        """Whether the ad group already restricts delivery to its audiences (bid_only false)."""
        (row,) = self._search(
            "SELECT ad_group.targeting_setting.target_restrictions FROM ad_group "
            f"WHERE ad_group.resource_name = {operations.quote(ad_group)}"
        )
        return any(
            r.targeting_dimension.name == "AUDIENCE" and not r.bid_only
            for r in row.ad_group.targeting_setting.target_restrictions
        )

    def daily_report(
        self, trees: Mapping[str, Mapping[str, str]], since: date, until: date
    ) -> list[ReportRow]:
        # One GAQL report FROM ad_group_ad segmented by date, over SearchStream (no paging: all
        # rows stream back in batches of one call). The ad's id is the part after "~" of its
        # resource name, customers/{customer}/adGroupAds/{ad_group}~{ad}.
        keys = {ids["ad"].rsplit("~", 1)[-1]: key for key, ids in trees.items() if ids.get("ad")}
        if not keys:
            return []
        rows = self._search(
            "SELECT ad_group_ad.ad.id, segments.date, metrics.impressions, metrics.clicks, "
            "metrics.cost_micros FROM ad_group_ad "
            f"WHERE segments.date BETWEEN '{since.isoformat()}' AND '{until.isoformat()}' "
            f"AND ad_group_ad.ad.id IN ({', '.join(sorted(keys, key=int))})"
        )
        return [
            ReportRow(
                publication_key=keys[str(row.ad_group_ad.ad.id)],
                day=date.fromisoformat(row.segments.date),
                impressions=int(row.metrics.impressions),
                clicks=int(row.metrics.clicks),
                # cost_micros is in the account currency (COP): micros to whole pesos.
                spend_cop=int(
                    (Decimal(int(row.metrics.cost_micros)) / 1_000_000).to_integral(ROUND_HALF_UP)
                ),
            )
            for row in rows
            if str(row.ad_group_ad.ad.id) in keys
        ]

    def check_credentials(self) -> CredentialStatus:
        try:
            rows = self._search(
                "SELECT customer.id, customer.descriptive_name, customer.currency_code "
                "FROM customer"
            )
        except PlatformError as exc:
            return CredentialStatus(False, exc.message)
        if not rows:
            return CredentialStatus(False, "the customer is not accessible")
        customer = rows[0].customer
        return CredentialStatus(
            True, f"{customer.descriptive_name} ({customer.id}, {customer.currency_code})"
        )

    # ------------------------------------------------------------------ audiences

    def sync_audience(self, spec: AudienceSpec) -> AudienceResult:
        self._require_datamanager()
        user_list = spec.existing_id or self._user_list(spec)
        requests = audience.ingest_requests(
            spec.members,
            customer_id=self._customer_id,
            login_customer_id=self._login_customer_id,
            user_list_id=user_list.rsplit("/", 1)[-1],
        )
        # Ingesting the same members twice is harmless, so a lost answer is just transient.
        return self._send_members(user_list, requests, "ingest_audience_members")

    def remove_audience_members(
        self, audience_id: str, members: tuple[HashedMember, ...]
    ) -> AudienceResult:
        # Data Manager `audienceMembers:remove`, the same destination and hashes as the ingest.
        self._require_datamanager()
        requests = audience.remove_requests(
            members,
            customer_id=self._customer_id,
            login_customer_id=self._login_customer_id,
            user_list_id=audience_id.rsplit("/", 1)[-1],
        )
        return self._send_members(audience_id, requests, "remove_audience_members")

    def _require_datamanager(self) -> None:
        if audience.DATAMANAGER_IMPORT_ERROR is not None:
            raise PlatformUnavailable(
                self.name,
                f"google-ads-datamanager is not installed ({audience.DATAMANAGER_IMPORT_ERROR})",
            )

    def _send_members(self, user_list: str, requests: list[Any], method: str) -> AudienceResult:
        """Send Data Manager member requests (`method` of its ingestion client) one by one."""
        client = audience.ingestion_client(
            self._client().credentials, self._settings.datamanager_url
        )
        request_ids = []
        for request in requests:
            try:
                answer = getattr(client, method)(
                    request=request, retry=None, timeout=self._settings.timeout_s
                )
            except PlatformError:
                raise
            except Exception as exc:
                error = errors.classify_datamanager(exc, write=False) or classify_network_error(
                    self.name, exc, write=False
                )
                if error is None:
                    raise
                raise error from exc
            request_ids.append(answer.request_id)
        sent = sum(len(r.audience_members) for r in requests)
        receipt = {"user_list": user_list, "request_ids": request_ids, "batches": len(requests)}
        return AudienceResult(external_id=user_list, uploaded=sent, receipt=receipt)

    def _user_list(self, spec: AudienceSpec) -> str:
        """The audience's user list: found by its key (after a lost answer) or created."""
        name = named(spec.audience_key, "audience", spec.name)
        pattern = operations.quote(operations.like_prefix(f"[{spec.audience_key}] "))
        for row in self._search(
            f"SELECT user_list.resource_name, user_list.name FROM user_list "
            f"WHERE user_list.name LIKE {pattern}"
        ):
            if name_has_key(row.user_list.name, spec.audience_key):
                return row.user_list.resource_name
        op = audience.user_list_operation(self._client(), name)
        return self._mutate("UserListService", "mutate_user_lists", "user_list", [op])[0]


def _get(row: Any, path: str) -> Any:
    value = row
    for part in path.split("."):
        value = getattr(value, part)
    return value
