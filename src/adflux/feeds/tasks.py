"""Job feed imports in the background: the scheduled one (Celery beat; a thread of `adflux serve`
in embedded mode), and those of a URL asked for through the API (a worker; the serving
process's task threads in embedded mode)."""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from adflux.context import acting_as
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.feeds import service

log = logging.getLogger(__name__)

SYNC_TASK = "adflux.sync_job_feed"
URL_IMPORT_TASK = "adflux.import_job_feed_url"


@shared_task(name=SYNC_TASK, ignore_result=True)
def sync_job_feed() -> int | None:
    """Import the feed at ADFLUX_JOB_FEED_URL, as a full feed; the import's id (None when no
    feed is configured, or when it failed: the failed run and its reason are stored).

    Not acks_late: a worker lost mid-import leaves nothing half-written (one transaction), and
    the next scheduled run imports the feed again.
    """
    settings = current_app.config["ADFLUX_SETTINGS"]
    if not settings.job_feed_url:
        return None
    with acting_as("job-feed-sync"):
        try:
            report = service.import_feed_url(
                db_session=db.session,
                url=settings.job_feed_url,
                feed=settings.job_feed_name,
                full=True,
                max_bytes=settings.feed_max_bytes,
                allow_private_hosts=settings.feed_allow_private_hosts,
            )
        except AdfluxError as exc:  # unreachable, unreadable, or an import already running
            log.warning("job feed %s not imported: %s", settings.job_feed_name, exc.message)
            return None
        finally:
            db.session.remove()
    log.info(
        "job feed %s: %d added, %d updated, %d closed, %d refused",
        report.feed,
        report.added,
        report.updated,
        report.closed,
        report.refused,
    )
    return report.id


@shared_task(name=URL_IMPORT_TASK, ignore_result=True)
def import_job_feed_url(import_id: int, force_close: bool = False) -> str | None:
    """Fetch and import the feed of a recorded URL import (feeds.service.start_url_import); its
    status at the end. Sent twice, it imports once: a run that is no longer running is left.

    Not acks_late: a worker lost mid-import leaves nothing half-written (one transaction) and
    its run "running" until RUNNING_STALE_AFTER, when the feed may be imported again.
    """
    settings = current_app.config["ADFLUX_SETTINGS"]
    with acting_as("job-feed-import"):
        try:
            report = service.run_url_import(
                db_session=db.session,
                import_id=import_id,
                force_close=force_close,
                max_bytes=settings.feed_max_bytes,
                allow_private_hosts=settings.feed_allow_private_hosts,
            )
        except AdfluxError as exc:  # unreachable, unreadable: stored as a failed run
            log.warning("feed import %s failed: %s", import_id, exc.message)
            return "failed"
        finally:
            db.session.remove()
    return report.status
