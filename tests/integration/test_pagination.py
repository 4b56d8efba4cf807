"""A page read from the session's connection (rows, not entities) sees what the session holds."""

from __future__ import annotations

import pytest
from tests.factories import job_payload

from adflux.extensions import db
from adflux.jobs import service as jobs
from adflux.jobs.models import JobOpening

pytestmark = pytest.mark.postgres


def test_a_page_of_rows_counts_what_the_session_has_not_flushed_yet(app):
    before = jobs.list_jobs(db_session=db.session, limit=5)
    pending = JobOpening(**job_payload(title="Cargo aún sin enviar a la base"))
    db.session.add(pending)  # pending: only the session knows it

    page = jobs.list_jobs(db_session=db.session, limit=5, search="aún sin enviar")

    assert page.total == 1 and page.items[0].title == "Cargo aún sin enviar a la base"
    assert jobs.list_jobs(db_session=db.session, limit=5).total == before.total + 1


def test_a_page_of_rows_reads_the_same_rows_as_the_session(app):
    for i in range(3):
        db.session.add(JobOpening(**job_payload(title=f"Cargo de lista {i}")))
    db.session.flush()

    page = jobs.list_jobs(db_session=db.session, limit=2, offset=1, search="de lista")

    assert page.total == 3
    assert [row.title for row in page.items] == ["Cargo de lista 1", "Cargo de lista 2"]
