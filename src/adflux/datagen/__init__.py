"""Simulated Colombian jobs and candidates with hidden personas (pure generation, no database)."""

from adflux.datagen.generator import (
    CANDIDATE_COLUMNS,
    JOB_COLUMNS,
    candidate_records,
    generate_candidates,
    generate_jobs,
    iter_candidate_chunks,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "JOB_COLUMNS",
    "candidate_records",
    "generate_candidates",
    "generate_jobs",
    "iter_candidate_chunks",
]
