"""Factories for test data: valid rows with overridable fields."""

from __future__ import annotations

import itertools
from typing import Any

from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.jobs.models import JobOpening

_seq = itertools.count(1)


def job_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    payload = {
        "external_ref": f"test-job-{n}",
        "title": "Desarrollador backend Python",
        "description": "Buscamos desarrollador con experiencia en APIs REST y PostgreSQL.",
        "company": "Tecnologías Andinas S.A.S.",
        "city": "Bogotá",
        "department": "Cundinamarca",
        "area": "Tecnología",
        "seniority": "senior",
        "employment_type": "tiempo_completo",
        "remote_mode": "hibrido",
        "salary_min_cop": 7_000_000,
        "salary_max_cop": 9_500_000,
        "skills": ["python", "postgresql"],
    }
    payload.update(overrides)
    return payload


def candidate_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    payload = {
        "external_ref": f"test-cand-{n}",
        "full_name": "María Fernanda Gómez",
        "email": f"maria.gomez{n}@example.co",
        "phone": "300 123 4567",
        "age": 29,
        "city": "Medellín",
        "department": "Antioquia",
        "education_level": "profesional",
        "years_experience": 5.0,
        "area": "Tecnología",
        "desired_salary_cop": 6_000_000,
        "remote_preference": "remoto",
        "languages": ["es", "en"],
        "skills": ["python"],
        "marketing_consent": True,
    }
    payload.update(overrides)
    return payload


def make_job(**overrides: Any) -> JobOpening:
    job = JobOpening(**job_payload(**overrides))
    db.session.add(job)
    db.session.flush()
    return job


def make_candidate(**overrides: Any) -> Candidate:
    candidate = Candidate(**candidate_payload(**overrides))
    db.session.add(candidate)
    db.session.flush()
    return candidate
