"""Per-platform settings from the environment: base URL / endpoint, credentials, account ids.

Defaults are the production endpoints; pointing AdFlux at the sandbox (or back at production) only
changes these variables. A platform is *configured* when every credential it needs is set.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class _PlatformSettings(BaseSettings):
    timeout_s: float = 30.0

    def missing(self) -> list[str]:
        """Names of the environment variables that still need a value."""
        prefix = self.model_config.get("env_prefix", "")
        return [f"{prefix}{name.upper()}" for name in self._required() if not getattr(self, name)]

    @property
    def configured(self) -> bool:
        return not self.missing()

    @abstractmethod
    def _required(self) -> tuple[str, ...]:
        """The fields that must be set for the platform to be usable."""


class MetaSettings(_PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="ADFLUX_META_", extra="ignore")

    graph_url: str = "https://graph.facebook.com"
    api_version: str = "v26.0"
    access_token: SecretStr | None = None
    app_secret: SecretStr | None = None  # when set, every call carries appsecret_proof
    ad_account_id: str | None = None  # "act_<digits>"
    page_id: str | None = None
    special_ad_category_country: str = "CO"

    def _required(self) -> tuple[str, ...]:
        return ("access_token", "ad_account_id", "page_id")


class GoogleAdsSettings(_PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="ADFLUX_GOOGLE_ADS_", extra="ignore")

    endpoint: str = "googleads.googleapis.com"
    api_version: str = "v26"
    developer_token: SecretStr | None = None
    customer_id: str | None = None
    login_customer_id: str | None = None
    # Production: an OAuth client + refresh token. Sandbox: a static access token.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    access_token: SecretStr | None = None
    datamanager_url: str = "https://datamanager.googleapis.com"
    # PEM of the CA the gRPC endpoint's certificate chains to (sandbox only; production uses the
    # system roots). Becomes GRPC_DEFAULT_SSL_ROOTS_FILE_PATH for this process.
    ca_file: str | None = None

    def _required(self) -> tuple[str, ...]:
        return ("developer_token", "customer_id")

    def missing(self) -> list[str]:
        missing = super().missing()
        if not self.access_token and not (self.refresh_token and self.client_id):
            missing.append(f"{self.model_config['env_prefix']}REFRESH_TOKEN (or ACCESS_TOKEN)")
        return missing


class XSettings(_PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="ADFLUX_X_", extra="ignore")

    base_url: str = "https://ads-api.x.com"
    upload_url: str = "https://upload.twitter.com"  # media upload host (X Ads "Media" guide)
    consumer_key: SecretStr | None = None
    consumer_secret: SecretStr | None = None
    access_token: SecretStr | None = None
    access_token_secret: SecretStr | None = None
    account_id: str | None = None
    funding_instrument_id: str | None = None  # empty: the account's first active one
    user_id: str | None = None  # the @handle promoted-only posts are published as

    def _required(self) -> tuple[str, ...]:
        return (
            "consumer_key",
            "consumer_secret",
            "access_token",
            "access_token_secret",
            "account_id",
            "user_id",
        )


class TikTokSettings(_PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="ADFLUX_TIKTOK_", extra="ignore")

    base_url: str = "https://business-api.tiktok.com"
    access_token: SecretStr | None = None
    advertiser_id: str | None = None
    identity_id: str | None = None
    identity_type: str = "CUSTOMIZED_USER"
    location_ids: str = "3686110"  # comma-separated TikTok location ids; 3686110 = Colombia

    def _required(self) -> tuple[str, ...]:
        return ("access_token", "advertiser_id", "identity_id")


class SnapchatSettings(_PlatformSettings):
    model_config = SettingsConfigDict(env_prefix="ADFLUX_SNAPCHAT_", extra="ignore")

    base_url: str = "https://adsapi.snapchat.com"  # the Marketing API host; paths start /v1
    token_url: str = "https://accounts.snapchat.com/login/oauth2/access_token"
    # The OAuth app (Business Manager > Business Details) and the refresh token a user's consent
    # gave it; access tokens are refreshed from these as they expire.
    client_id: str | None = None
    client_secret: SecretStr | None = None
    refresh_token: SecretStr | None = None
    organization_id: str | None = None
    ad_account_id: str | None = None
    country_code: str = "co"  # where the ads run (targeting.geos), lowercase ISO 3166-1

    def _required(self) -> tuple[str, ...]:
        return ("client_id", "client_secret", "refresh_token", "organization_id", "ad_account_id")


class PlatformSettings(BaseModel):
    """Every platform's settings, as the registry needs them."""

    meta: MetaSettings
    google: GoogleAdsSettings
    x: XSettings
    tiktok: TikTokSettings
    snapchat: SnapchatSettings

    def for_platform(self, name: str) -> _PlatformSettings:
        return getattr(self, name)


def load_platform_settings(environ: Mapping[str, str] | None = None) -> PlatformSettings:
    """Settings from the process environment, or from `environ` alone when given (tests)."""
    if environ is None:
        return PlatformSettings(
            meta=MetaSettings(),
            google=GoogleAdsSettings(),
            x=XSettings(),
            tiktok=TikTokSettings(),
            snapchat=SnapchatSettings(),
        )
    return PlatformSettings(
        meta=_from_mapping(MetaSettings, environ),
        google=_from_mapping(GoogleAdsSettings, environ),
        x=_from_mapping(XSettings, environ),
        tiktok=_from_mapping(TikTokSettings, environ),
        snapchat=_from_mapping(SnapchatSettings, environ),
    )


S = TypeVar("S", bound=_PlatformSettings)


def _from_mapping(cls: type[S], environ: Mapping[str, str]) -> S:
    """`cls` built from the variables in `environ` that carry its prefix, and nothing else."""
    prefix = cls.model_config.get("env_prefix", "")
    values = {
        key.removeprefix(prefix).lower(): value
        for key, value in environ.items()
        if key.startswith(prefix)
    }

    def sources(_cls, settings_cls, init_settings, **other_sources):
        return (init_settings,)

    # A subclass whose only source is its constructor arguments: the process env is ignored.
    isolated: type[S] = type(
        cls.__name__, (cls,), {"settings_customise_sources": classmethod(sources)}
    )
    return isolated.model_validate(values)
