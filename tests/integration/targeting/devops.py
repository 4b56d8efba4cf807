"""The DevOps job in Manizales and the developers the targeting tests measure against it."""

from __future__ import annotations

from typing import Any

from tests.factories import make_job

from adflux.jobs.models import JobOpening

TECH = "Tecnología y desarrollo de software"
SALES = "Ventas y comercial"


def developer(**overrides: Any) -> dict[str, Any]:
    """Traits that suit the DevOps job: its trade, city, seniority, pay and schooling."""
    return {
        "area": TECH,
        "city": "Manizales",
        "years_experience": 6.0,
        "education_level": "profesional",
        "desired_salary_cop": 6_000_000,
        "remote_preference": "presencial",
        **overrides,
    }


def devops_job(**overrides: Any) -> JobOpening:
    job = {
        "area": TECH,
        "city": "Manizales",
        "department": "Caldas",
        "remote_mode": "presencial",
        "seniority": "senior",
        "salary_min_cop": 6_000_000,
        "salary_max_cop": 8_000_000,
        "description": "Ingeniero DevOps. Requisitos: formación profesional y 5 años.",
        **overrides,
    }
    return make_job(**job)
