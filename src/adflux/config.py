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
    publish_rate_per_minute: dict[str, int] = Field(
        default_factory=lambda: {"google": 400, "x": 400, "tiktok": 300}
    )
    publish_rate_per_hour: dict[str, int] = Field(default_factory=lambda: {"meta": 24_000})
    publish_max_attempts: int = Field(default=6, ge=1, le=50)
    # A claim this old is taken for a dead worker's. It must outlast the longest attempt (a few
    # platform calls, each bounded by its client timeout), or live work would be taken over; the
    # floor only refuses values no attempt could fit in (the e2e tests use seconds, not minutes).
    publish_stale_after_s: int = Field(default=600, ge=5)
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
