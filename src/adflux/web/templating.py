"""What every dashboard template can use: texts, the user, number and date formats."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import g, request, url_for

from adflux.web.blueprint import bp
from adflux.web.helpers import can_operate
from adflux.web.i18n import language, pick, translate


def cop(value: int | float | None) -> str:
    """Colombian pesos with dots for thousands: 1.250.000."""
    if value is None:
        return "—"
    return f"{round(value):,}".replace(",", ".")


def number(value: int | float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    # Spanish writes 12.345,6; English 12,345.6.
    return text.translate(str.maketrans(",.", ".,")) if language() == "es" else text


def pct(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value * 100:.1f}"
    return (text.replace(".", ",") if language() == "es" else text) + " %"


def score(value: float | None) -> str:
    """A fit score out of 1, two decimals: 0,87 in Spanish, 0.87 in English."""
    if value is None:
        return "—"
    text = f"{value:.2f}"
    return text.replace(".", ",") if language() == "es" else text


def when(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def page_url(page: int) -> str:
    """This page's URL with another page number, keeping the filters."""
    args: dict[str, Any] = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "web.overview", **(request.view_args or {}), **args)


@bp.context_processor
def template_helpers() -> dict[str, Any]:
    return {
        "t": translate,
        "pick": pick,
        "lang": language(),
        "web_user": g.get("web_user"),
        "can_operate": can_operate(),
        "cop": cop,
        "number": number,
        "pct": pct,
        "score": score,
        "when": when,
        "page_url": page_url,
    }
