"""A running feed import's progress (feeds/service.py, _ProgressWriter): stored through a
connection of its own while the import's transaction is open, never waiting for it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from adflux.feeds import service
from adflux.feeds.models import FeedImport


@pytest.mark.postgres
def test_the_jobs_read_are_stored_while_the_import_runs(postgres_url, migrated_app):
    # Committed for real (not in the test's transaction): the writer's own connection must see
    # the row, as a worker's does.
    engine = sa.create_engine(postgres_url)
    try:
        with Session(engine) as setup:
            row = FeedImport(
                feed="progress-test", source="https://feeds.example.co/f.xml", full=True
            )
            setup.add(row)
            setup.commit()
            import_id = row.id
        with Session(engine) as importing:
            writer = service._ProgressWriter(importing, import_id)
            # The import's transaction holds the row (as if it were writing it): no wait.
            importing.execute(
                sa.update(FeedImport).where(FeedImport.id == import_id).values(added=1)
            )
            writer.jobs_read(500)
            importing.rollback()
            writer._last = 0.0  # as if a second had passed
            writer.jobs_read(1_000)
            writer.jobs_read(1_500)  # within the second: not stored
            with engine.connect() as reader:
                stored = reader.scalar(
                    sa.select(FeedImport.jobs_read).where(FeedImport.id == import_id)
                )
        assert stored == 1_000
    finally:
        with engine.begin() as cleanup:
            cleanup.execute(sa.delete(FeedImport).where(FeedImport.feed == "progress-test"))
        engine.dispose()
