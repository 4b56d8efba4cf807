"""Ads as the product builds them, published through the real adapters at the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from adflux.campaigns.adapters import MIN_DAILY_BUDGET_COP
from adflux.campaigns.creatives import JobAd, build_creative
from adflux.platforms.base import AdSpec, Targeting
from adflux.platforms.settings import load_platform_settings

JOB = JobAd(
    title="Técnico electricista con certificado de trabajo seguro en alturas y licencia C2",
    company="Energía del Caribe S.A. E.S.P.",
    city="Cartagena de Indias",
    department="Bolívar",
    area="mantenimiento",
    seniority="semi_senior",
    employment_type="tiempo_completo",
    remote_mode="presencial",
    salary_min_cop=2_800_000,
    salary_max_cop=3_400_000,
    apply_url="https://empleos.example.co/vacantes/77?utm_source=adflux",
)


def spec(platform: str, key: str = "adflux-pub-7", **changes: Any) -> AdSpec:
    """The ad as publishing builds it: the product's creative builder, the platform's minimum."""
    values: dict[str, Any] = {
        "publication_key": key,
        "name": "Técnico electricista · Cartagena",
        "creative": build_creative(JOB, platform),
        "targeting": Targeting(),
        "daily_budget_cop": MIN_DAILY_BUDGET_COP[platform],
        "start_at": datetime.now(UTC).replace(microsecond=0),
        "active": False,
    }
    return AdSpec(**{**values, **changes})


def adapter(sb, cls):
    settings = load_platform_settings(sb.client_env())
    return cls(settings.for_platform(cls.name))


class Recorder:
    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def __call__(self, kind: str, object_id: str) -> None:
        self.calls.append((kind, object_id))
        if kind == self.fail_on:
            raise RuntimeError(f"worker killed after the {kind} was recorded")

    @property
    def ids(self) -> dict[str, str]:
        return dict(self.calls)
