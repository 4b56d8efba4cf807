"""Factories for test data: valid rows with overridable fields."""

from __future__ import annotations

import itertools
from typing import Any

from adflux.candidates.models import Candidate
from adflux.extensions import db
from adflux.jobs.models import JobOpening
from adflux.segmentation.models import Segment, SegmentationRun, SegmentMembership

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


# A candidate whose personal data tests read back, masked or not.
PAULA = {
    "full_name": "Paula Andrea Gómez",
    "email": "paula.gomez@hotmail.com",
    "phone": "305 123 4514",
    "city": "Pasto",
}


def make_candidate(**overrides: Any) -> Candidate:
    candidate = Candidate(**candidate_payload(**overrides))
    db.session.add(candidate)
    db.session.flush()
    return candidate


def make_active_segment(
    *, city: str, size: int, consents: tuple[bool, ...] = (), area: str = "Contabilidad"
) -> Segment:
    """An active run's one segment of accountants in `city`, with a member per entry of
    `consents` (whether that member accepted marketing)."""
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=1)
    db.session.add(run)
    db.session.flush()
    segment = Segment(
        run_id=run.id,
        cluster_index=0,
        name=f"Contadores · {city}",
        size=size,
        profile={"top_cities": [{"value": city}], "top_areas": [{"value": area}]},
    )
    db.session.add(segment)
    db.session.flush()
    for consent in consents:
        member = make_candidate(city=city, marketing_consent=consent)
        db.session.add(
            SegmentMembership(run_id=run.id, candidate_id=member.id, segment_id=segment.id)
        )
    db.session.flush()
    return segment


def make_segmented_run(segments: dict[str, list[dict[str, Any]]]) -> list[Segment]:
    """An active run with one segment per name, each holding a member per dict of candidate
    overrides (consenting unless the dict says otherwise), in the order given."""
    run = SegmentationRun(status="succeeded", in_flight=False, is_active=True, k=len(segments))
    db.session.add(run)
    db.session.flush()
    made = []
    for index, (name, members) in enumerate(segments.items()):
        segment = Segment(run_id=run.id, cluster_index=index, name=name, size=len(members))
        db.session.add(segment)
        db.session.flush()
        for overrides in members:
            member = make_candidate(**overrides)
            db.session.add(
                SegmentMembership(run_id=run.id, candidate_id=member.id, segment_id=segment.id)
            )
        made.append(segment)
    db.session.flush()
    return made
