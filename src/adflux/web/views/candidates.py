"""Candidates: a page of them, personal data masked; a reader granted personal data may reveal the
page's names, e-mails and phones by saying why (audited, candidates/personal_data.py)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from werkzeug.exceptions import Forbidden

from adflux.auth.models import Role
from adflux.candidates import personal_data
from adflux.candidates import service as candidates
from adflux.errors import AdfluxError
from adflux.extensions import db
from adflux.i18n.http import code_label, gettext
from adflux.web.blueprint import bp
from adflux.web.helpers import PAGE_SIZE, Pager, flash_domain_error, user
from adflux.web.session import requires

CONSENT_FILTERS = {"": None, "yes": True, "no": False}


def _filters(source: Any) -> dict[str, str]:
    consent = source.get("consent", "")
    return {
        "city": source.get("city", "").strip()[:100],
        "area": source.get("area", "").strip()[:100],
        "consent": consent if consent in CONSENT_FILTERS else "",
    }


def _page_number(source: Any) -> int:
    try:
        return max(1, min(int(source.get("page", "1")), 100_000))
    except ValueError:
        return 1


@bp.get("/candidates")
def candidate_list() -> str:
    return _render(_filters(request.args), _page_number(request.args), reveal_purpose=None)


@bp.post("/candidates")
@requires(Role.VIEWER)
def candidate_list_revealed() -> str:
    """The same page with its personal data shown, for a reader granted it who says why."""
    if not user().personal_data:  # refused like any other form the reader may not send
        raise Forbidden(
            gettext(
                "Your token (%(role)s) is not granted personal data: an admin grants it when "
                "creating the token (adflux token create --personal-data).",
                role=code_label("role", user().role.value),
            )
        )
    # The filters and page ride in the form's action URL, as on the page it was sent from.
    return _render(
        _filters(request.args),
        _page_number(request.args),
        reveal_purpose=request.form.get("purpose", ""),
    )


def _render(filters: dict[str, str], page: int, *, reveal_purpose: str | None) -> str:
    result = candidates.list_candidates(
        db_session=db.session,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        city=filters["city"] or None,
        area=filters["area"] or None,
        consenting=CONSENT_FILTERS[filters["consent"]],
    )
    shown = personal_data.masked(result.items)
    revealed = False
    if reveal_purpose is not None and result.items:
        reader = personal_data.Reader(name=user().name, personal_data=user().personal_data)
        try:
            shown = personal_data.reveal(
                db_session=db.session,
                reader=reader,
                candidates=result.items,
                purpose=reveal_purpose,
            )
            revealed = True
        except AdfluxError as exc:
            db.session.rollback()
            flash_domain_error(exc)
    return render_template(
        "web/candidates.html",
        candidates=shown,
        pager=Pager(page, PAGE_SIZE, result.total),
        filters=filters,
        revealed=revealed,
        purpose=reveal_purpose or "",
        purpose_min=personal_data.PURPOSE_MIN_LENGTH,
        purpose_max=personal_data.PURPOSE_MAX_LENGTH,
        may_reveal=user().personal_data,
    )
