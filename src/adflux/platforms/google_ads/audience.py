"""Customer Match members through the Data Manager API (`google-ads-datamanager`, REST transport).

Google Ads stopped accepting new Customer Match adopters on OfflineUserDataJobService in 2026;
new integrations ingest into a CRM-based user list with `audienceMembers:ingest`
(research/platforms.md §3.2). The client is redirected with client_options["api_endpoint"] only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adflux.platforms.base import HashedMember

try:
    from google.ads import datamanager_v1 as dm

    DATAMANAGER_IMPORT_ERROR: ImportError | None = None
except ImportError as exc:  # an optional extra, needed for audiences only
    DATAMANAGER_IMPORT_ERROR = exc

MAX_MEMBERS_PER_REQUEST = 10_000  # Data Manager's documented limit per ingest request


def ingestion_client(credentials: Any, endpoint: str) -> Any:
    return dm.IngestionServiceClient(
        transport="rest",
        credentials=credentials,
        client_options={"api_endpoint": endpoint},
    )


def _member(member: HashedMember) -> Any | None:
    identifiers = []
    if member.email_sha256:
        identifiers.append(dm.UserIdentifier(email_address=member.email_sha256))
    if member.phone_sha256:
        identifiers.append(dm.UserIdentifier(phone_number=member.phone_sha256))
    if not identifiers:
        return None
    return dm.AudienceMember(user_data=dm.UserData(user_identifiers=identifiers))


def _destination(customer_id: str, login_customer_id: str | None, user_list_id: str) -> Any:
    account = dm.ProductAccount.AccountType.GOOGLE_ADS
    destination = dm.Destination(
        operating_account=dm.ProductAccount(account_type=account, account_id=customer_id),
        product_destination_id=user_list_id,
    )
    if login_customer_id and login_customer_id != customer_id:
        destination.login_account = dm.ProductAccount(
            account_type=account, account_id=login_customer_id
        )
    return destination


def remove_requests(
    members: Sequence[HashedMember],
    *,
    customer_id: str,
    login_customer_id: str | None,
    user_list_id: str,
) -> list[Any]:
    """One RemoveAudienceMembersRequest per 10,000 members with at least one hash."""
    destination = _destination(customer_id, login_customer_id, user_list_id)
    built = [m for m in (_member(member) for member in members) if m is not None]
    return [
        dm.RemoveAudienceMembersRequest(
            destinations=[destination],
            audience_members=built[start : start + MAX_MEMBERS_PER_REQUEST],
            encoding=dm.Encoding.HEX,
        )
        for start in range(0, len(built), MAX_MEMBERS_PER_REQUEST)
    ]


def ingest_requests(
    members: Sequence[HashedMember],
    *,
    customer_id: str,
    login_customer_id: str | None,
    user_list_id: str,
) -> list[Any]:
    """One IngestAudienceMembersRequest per 10,000 members with at least one hash."""
    destination = _destination(customer_id, login_customer_id, user_list_id)
    built = [m for m in (_member(member) for member in members) if m is not None]
    requests = []
    for start in range(0, len(built), MAX_MEMBERS_PER_REQUEST):
        requests.append(
            dm.IngestAudienceMembersRequest(
                destinations=[destination],
                audience_members=built[start : start + MAX_MEMBERS_PER_REQUEST],
                # AdFlux only uploads candidates who consented (Ley 1581; audiences/ enforces it).
                consent=dm.Consent(
                    ad_user_data=dm.ConsentStatus.CONSENT_GRANTED,
                    ad_personalization=dm.ConsentStatus.CONSENT_GRANTED,
                ),
                encoding=dm.Encoding.HEX,
                terms_of_service=dm.TermsOfService(
                    customer_match_terms_of_service_status=dm.TermsOfServiceStatus.ACCEPTED
                ),
            )
        )
    return requests


def user_list_operation(client: Any, name: str) -> Any:
    """A CRM-based (contact info) user list, the destination Data Manager ingests into."""
    op = client.get_type("UserListOperation")
    user_list = op.create
    user_list.name = name
    user_list.description = "AdFlux segment audience (consenting candidates)"
    user_list.crm_based_user_list.upload_key_type = (
        client.enums.CustomerMatchUploadKeyTypeEnum.CONTACT_INFO
    )
    user_list.crm_based_user_list.data_source_type = (
        client.enums.UserListCrmDataSourceTypeEnum.FIRST_PARTY
    )
    user_list.membership_life_span = 540  # days; the maximum short of "no expiration"
    return op
