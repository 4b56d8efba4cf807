"""Celery task of segmentation. It takes the run id, re-reads state and is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from adflux.context import acting_as
from adflux.extensions import db
from adflux.segmentation import service


# acks_late: a worker killed mid-training leaves the message to be redelivered. A second delivery
# is harmless: run_training returns at once for a run that succeeded or failed, or that a live
# worker is training, and restarts from scratch one whose worker went silent.
@shared_task(name=service.TRAIN_TASK, acks_late=True, ignore_result=True)
def train_segmentation(run_id: int) -> str:
    """Train segmentation run ``run_id`` and activate it; returns its final status."""
    with acting_as("worker"):
        try:
            run = service.run_training(db_session=db.session, run_id=run_id)
            return "skipped" if run is None else run.status
        finally:
            db.session.remove()
