"""Typed settings read from the environment; the defaults are the embedded mode."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConfigError(RuntimeError):
    """Raised at start-up when the environment holds a bad value; the message names the variable."""


class Settings(BaseSettings):
    """Everything AdFlux reads from its environment.

    Variables are ``ADFLUX_<FIELD>`` except the two conventional names ``DATABASE_URL`` and
    ``CELERY_BROKER_URL``. With nothing set, AdFlux runs embedded: a SQLite file under
    ``ADFLUX_DATA_DIR`` and background tasks in the serving process.
    """

    model_config = SettingsConfigDict(env_prefix="ADFLUX_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("var")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    celery_broker_url: str | None = Field(default=None, validation_alias="CELERY_BROKER_URL")
    # PostgreSQL connections per process: a pool kept open plus as many more under load. Every
    # API process and worker holds up to their sum, and their total must stay under the server's
    # max_connections (100 by default): 2 API processes and 4 workers at 10 + 10 would need 120.
    db_pool_size: int = Field(default=10, ge=1, le=200)
    db_max_overflow: int = Field(default=10, ge=0, le=200)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    secret_key: str | None = None
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # A candidate file sent to POST /api/v1/candidate-imports (a million rows is about 200 MB).
    max_import_bytes: int = Field(default=1_073_741_824, ge=1024)
    page_size_default: int = Field(default=50, ge=1)
    page_size_max: int = Field(default=200, ge=1)
    # Where an ad sends people: the job's page on Magneto, by the job's external reference.
    apply_url_template: str = "https://www.magneto365.com/co/empleos/{external_ref}"
    web_session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    # At most this many publications per platform start in any 60 s (any hour), counted across
    # every worker (see campaigns/throttle.py). A publication's calls trail its start by a few
    # seconds that vary with load, so a minute of calls can hold a few more than a minute of
    # starts: 430 starts gave 459 X writes in the busiest 60 s. X: 450 writes/min per endpoint,
    # one per endpoint per publication. Meta: the Full tier's 100,000 ads_management calls in a
    # rolling hour, four per publication. Google and TikTok document no per-minute figure.
    # Snapchat: 10 requests/s per access token on average (600 a minute), about seven calls per
    # publication (campaign, ad squad, media and its upload, creative, ad, a token refresh).
    publish_rate_per_minute: dict[str, int] = Field(
        default_factory=lambda: {"google": 400, "x": 400, "tiktok": 300, "snapchat": 70}
    )
    publish_rate_per_hour: dict[str, int] = Field(default_factory=lambda: {"meta": 24_000})
    # Where every worker books its publishing slots (campaigns/throttle.py): a Redis of its own
    # name, whatever the broker. Unset, a Redis broker serves as the store; on another broker
    # each process paces alone, so only one worker may start.
    pace_redis_url: str | None = None
    # A worker asked to stop waits this long for its running tasks, then exits: whatever was
    # left is redelivered (acks_late) or taken over once its claim goes stale.
    worker_shutdown_timeout_s: float = Field(default=30.0, ge=1, le=3600)
    publish_max_attempts: int = Field(default=6, ge=1, le=50)
    # A publication queued this long without starting is taken for lost by the broker (one
    # restarted without persistence) and sent again; a long queue is not lost, so minutes.
    publish_stale_after_s: int = Field(default=600, ge=5)
    # A claim its worker stopped renewing this long is taken for a dead worker's and taken over
    # (campaigns/claims.py: a live worker renews its claims four times per period, however long
    # its attempt takes).
    claim_stale_after_s: int = Field(default=60, ge=4, le=3600)
    # How often every platform's daily figures are pulled (Celery beat / the embedded thread),
    # and how many recent days each pull asks for again: platforms restate the last days
    # (late conversions, invalid-click refunds), and the latest statement is the billed one.
    results_sync_interval_s: float = Field(default=900.0, ge=10)
    results_restate_days: int = Field(default=7, ge=1, le=90)
    # The optimiser (optimisation/tasks.py): how often the daily split is looked at (each
    # campaign is split once a day, from this hour of the day in Bogotá on, when yesterday's
    # figures are in), and how often the campaign rules are evaluated.
    allocation_interval_s: float = Field(default=3600.0, ge=10)
    allocation_hour: int = Field(default=6, ge=0, le=23)
    rules_interval_s: float = Field(default=3600.0, ge=10)
    # Job feeds (feeds/service.py): the largest feed an upload or a fetched URL may be (it is
    # read as a stream, so this bounds disk and time, not memory), and the feed imported on a
    # schedule (Celery beat / an embedded thread) when a URL is set: its name and how often.
    feed_max_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    # A feed URL at a private, loopback or link-local address (a feed inside the company's
    # network; tests on 127.0.0.1) is refused unless this is set: feeds/fetching.py.
    feed_allow_private_hosts: bool = False
    job_feed_url: str | None = None
    job_feed_name: str = Field(default="default", min_length=1, max_length=50)
    job_feed_interval_s: float = Field(default=3600.0, ge=60)

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgres://"):
            # Heroku-style URLs; SQLAlchemy 2 only knows the postgresql scheme.
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("postgresql+psycopg://", "sqlite://")):
            raise ValueError("must be a postgresql:// or sqlite:// URL")
        return value

    @property
    def sqlalchemy_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'adflux.db').resolve()}"

    @property
    def sqlalchemy_url_safe(self) -> str:
        """The database URL with any password masked, for messages and logs."""
        from sqlalchemy.engine import make_url

        return make_url(self.sqlalchemy_url).render_as_string(hide_password=True)

    @property
    def pace_store_url(self) -> str | None:
        """The Redis that holds the shared publishing pace, if any."""
        if self.pace_redis_url:
            return self.pace_redis_url
        broker = self.celery_broker_url or ""
        return broker if broker.startswith(("redis://", "rediss://")) else None

    @property
    def is_embedded(self) -> bool:
        """True when no broker is configured: tasks run inside the serving process."""
        return not self.celery_broker_url


_ENV_NAMES = {"database_url": "DATABASE_URL", "celery_broker_url": "CELERY_BROKER_URL"}


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            # Aliased fields report their alias (DATABASE_URL) as the location, others the field.
            name = _ENV_NAMES.get(field.lower(), f"ADFLUX_{field.upper()}")
            problems.append(f"{name}: {error['msg']}")
        raise ConfigError("bad configuration: " + "; ".join(problems)) from None
