"""Pieces every emulated platform's blueprint uses: the shared state and fault injection."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Blueprint, Response, current_app, g, request

from adflux.sandbox.faults import TIMEOUT, FaultPlan
from adflux.sandbox.state import SandboxState

EXTENSION_KEY = "adflux_sandbox"

# Renders a drawn fault ("rate_limit" | "server_error") as the platform's own error response.
FaultRenderer = Callable[[str, FaultPlan], Response]


def get_state() -> SandboxState:
    """The state of the sandbox serving the current request."""
    return current_app.extensions[EXTENSION_KEY]


def install_faults(blueprint: Blueprint, platform: str, render: FaultRenderer) -> None:
    """Apply the platform's fault plan to every request of `blueprint`.

    Latency and error answers happen before the handler; a timeout lets the handler run (so the
    object may really be created) and then holds the response past the client's timeout.
    """

    @blueprint.before_request
    def _inject() -> Response | None:
        draw = get_state().faults.draw(platform, f"{request.method} {request.path}")
        g.sandbox_draw = draw
        if draw.latency_s:
            time.sleep(draw.latency_s)
        if draw.fault is not None and draw.fault != TIMEOUT:
            return render(draw.fault, draw.plan)
        return None

    @blueprint.after_request
    def _hold(response: Response) -> Response:
        draw = g.get("sandbox_draw")
        if draw is not None and draw.fault == TIMEOUT:
            time.sleep(draw.plan.timeout_hold_s)
        return response
