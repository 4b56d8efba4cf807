"""What every dashboard template can use: the catalog, labels, the user, the reader's formats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Flask, g, request, url_for

from adflux.auth import service as auth_service
from adflux.extensions import db
from adflux.i18n import formats
from adflux.i18n.catalogs import translations
from adflux.i18n.http import code_label, localised, request_language
from adflux.jobs.areas import AREA_BY_LABEL
from adflux.web.blueprint import bp
from adflux.web.helpers import can_operate

Number = int | float | Decimal


def cop(value: Number | None) -> str:
    """Colombian pesos, whole, as the reader writes them: $1.250.000."""
    return formats.money(value, request_language())


def number(value: Number | None) -> str:
    return formats.number(value, request_language())


def pct(value: Number | None) -> str:
    """A share (0.852) as 85,2 %."""
    return formats.percent(value, request_language())


def score(value: Number | None) -> str:
    """A fit score out of 1, two decimals: 0,87 in Spanish, 0.87 in English."""
    return formats.number(value, request_language(), decimals=2)


def when(value: datetime | date | None) -> str:
    """A date, or a time in Bogotá."""
    return formats.moment(value, request_language())


def area_label(area: str | None) -> str:
    """A job's or candidate's area, which rows store by its Spanish label, in the reader's
    language."""
    known = AREA_BY_LABEL.get(area or "")
    return code_label("area", known.key) if known else code_label("area", area)


def actor(recorded: str | None) -> str:
    """Who did something, as people read it (a token's holder, not "token:local-cli-…")."""
    return auth_service.actor_name(db_session=db.session, actor=recorded) or "—"


def page_url(page: int) -> str:
    """This page's URL with another page number, keeping the filters."""
    args: dict[str, Any] = {**request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "web.overview", **(request.view_args or {}), **args)


@bp.record_once
def install_catalog(state: Any) -> None:
    """Templates translate with gettext's own calls (`_`, `ngettext`, `pgettext`), read by the
    catalog extraction; newstyle: `_('%(n)s jobs', n=3)` fills and escapes the placeholders."""
    app: Flask = state.app
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda message: translations(request_language()).gettext(message),
        ngettext=lambda s, p, n: translations(request_language()).ngettext(s, p, n),
        pgettext=lambda c, m: translations(request_language()).pgettext(c, m),
        newstyle=True,
    )


@bp.context_processor
def template_helpers() -> dict[str, Any]:
    return {
        "label": code_label,
        "area_label": area_label,
        "actor": actor,
        "localised": localised,
        "lang": request_language(),
        "web_user": g.get("web_user"),
        "can_operate": can_operate(),
        "cop": cop,
        "number": number,
        "pct": pct,
        "score": score,
        "when": when,
        "page_url": page_url,
    }
