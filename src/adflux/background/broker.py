"""What the broker itself says: how many tasks wait in AdFlux's queue."""

from __future__ import annotations

from typing import Any

import amqp.exceptions
import kombu.exceptions

TASK_QUEUE = "celery"  # Celery's default queue: every AdFlux task goes to it


def queue_depth(celery_app: Any) -> int:
    """Messages waiting in the task queue (Redis: the list's length; RabbitMQ: the queue's
    ready messages), asked without consuming any."""
    with celery_app.connection_for_read() as connection:
        try:
            declared = connection.default_channel.queue_declare(queue=TASK_QUEUE, passive=True)
        except (kombu.exceptions.ChannelError, amqp.exceptions.NotFound):
            # No such queue yet (Redis drops an empty list; RabbitMQ before any worker): empty.
            return 0
        return int(declared.message_count)
