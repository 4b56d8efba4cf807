"""The simulated market's world, built from AdFlux's own data, for tests, benchmarks and the demo.

AdFlux's candidates are the people the sandbox's platforms can reach and its open jobs are the
job site's jobs, each under its Magneto external_ref. Sent over the sandbox's admin HTTP API
(`PUT /_sandbox/market/world`, `PUT /_sandbox/market/job-site`): nothing here imports the
sandbox, and nothing reads the market's hidden rates.
"""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa

from adflux.candidates.models import Candidate
from adflux.db import DbSession
from adflux.jobs.models import JobOpening, JobStatus

TIMEOUT_S = 60.0  # a world of a million people is a large body


def world_from_database(db_session: DbSession) -> dict[str, Any]:
    """Every candidate as a person and every open job as a job, in the sandbox's world shape."""
    people = [
        {
            "ref": c.external_ref,
            "email": c.email,
            "phone": c.phone,
            "city": c.city,
            "area": c.area,
            "years_experience": c.years_experience,
            "desired_salary_cop": c.desired_salary_cop,
            "education_level": c.education_level,
            "remote_preference": c.remote_preference,
        }
        for c in db_session.scalars(sa.select(Candidate).order_by(Candidate.id))
    ]
    jobs = [
        {
            "ref": j.external_ref,
            "city": j.city,
            "area": j.area,
            "seniority": j.seniority,
            "remote_mode": j.remote_mode,
            "salary_min_cop": j.salary_min_cop,
            "salary_max_cop": j.salary_max_cop,
            "employment_type": j.employment_type,
        }
        for j in db_session.scalars(
            sa.select(JobOpening)
            .where(JobOpening.status == JobStatus.OPEN.value)
            .order_by(JobOpening.id)
        )
    ]
    return {"people": people, "jobs": jobs}


def publish_world(sandbox_url: str, world: dict[str, Any]) -> dict[str, Any]:
    """Replace the sandbox market's world; its answer ({"people": n, "jobs": n})."""
    answer = httpx.put(
        f"{sandbox_url.rstrip('/')}/_sandbox/market/world", json=world, timeout=TIMEOUT_S
    )
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def connect_job_site(sandbox_url: str, applications_url: str, token: str) -> None:
    """Make the simulated job site post its applications to `applications_url` with `token`."""
    answer = httpx.put(
        f"{sandbox_url.rstrip('/')}/_sandbox/market/job-site",
        json={"applications_url": applications_url, "token": token},
        timeout=TIMEOUT_S,
    )
    answer.raise_for_status()


def disconnect_job_site(sandbox_url: str) -> None:
    """Have the simulated job site hold its applications until `connect_job_site` is called
    again (the endpoint and token it kept from an earlier run may be stale)."""
    answer = httpx.delete(f"{sandbox_url.rstrip('/')}/_sandbox/market/job-site", timeout=TIMEOUT_S)
    answer.raise_for_status()


def advance_market(sandbox_url: str, seconds: float) -> float:
    """Move the sandbox's clock (and its market) `seconds` ahead; its total offset in seconds."""
    answer = httpx.post(
        f"{sandbox_url.rstrip('/')}/_sandbox/clock", json={"advance_s": seconds}, timeout=TIMEOUT_S
    )
    answer.raise_for_status()
    return float(answer.json()["offset_s"])


def deliver_applications(sandbox_url: str) -> dict[str, int]:
    """Have the job site post every application due now: {delivered, failed, pending}."""
    answer = httpx.post(f"{sandbox_url.rstrip('/')}/_sandbox/market/deliver", timeout=600.0)
    answer.raise_for_status()
    result: dict[str, int] = answer.json()
    return result
