"""Serving the WSGI app with gunicorn from inside the ``adflux`` command."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, app: Flask, options: dict[str, Any]):
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        return self._app


def serve(app: Flask, *, host: str, port: int, workers: int, threads: int) -> None:
    """Block serving ``app``; threads let one worker answer while tasks run beside it.

    In embedded mode each worker process also sweeps due publications, refreshes audiences,
    syncs results and imports the configured job feed (Celery beat's job when a broker is
    configured). Threads are started after the fork: they would not survive it.
    """
    embedded = app.config["ADFLUX_SETTINGS"].is_embedded

    def post_worker_init(_worker: Any) -> None:
        from adflux.extensions import db

        with app.app_context():
            # Connections opened before the fork belong to the parent process.
            db.engine.dispose(close=False)
        if embedded:
            from adflux.background.dispatch import InProcessDispatcher
            from adflux.background.relay_loop import (
                start_audience_refresh_loop,
                start_job_feed_loop,
                start_optimiser_loops,
                start_relay_loop,
                start_results_sync_loop,
            )

            # The parent's task threads did not survive the fork: give this process its own.
            app.extensions["adflux_dispatcher"] = InProcessDispatcher(app)
            start_relay_loop(app)
            start_audience_refresh_loop(app)
            start_results_sync_loop(app)
            start_optimiser_loops(app)
            start_job_feed_loop(app)

    def worker_exit(_server: Any, _worker: Any) -> None:
        app.extensions["adflux_dispatcher"].shutdown()

    _Gunicorn(
        app,
        {
            "post_worker_init": post_worker_init,
            "worker_exit": worker_exit,
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            # Each worker listens on its own socket and the kernel spreads new connections
            # evenly across them. On one shared socket whichever worker wakes first accepts a
            # burst of connections and keeps them (keep-alive): measured with wrk at 32
            # connections on 2 workers, half the runs had one worker serving all 32 while the
            # other idled, at half the throughput.
            "reuse_port": True,
            "accesslog": None,
            # gunicorn 27 otherwise shares one control socket per user across all servers.
            "control_socket_disable": True,
            "graceful_timeout": 10,
            "timeout": 60,
        },
    ).run()
