"""Job feeds: the imports with what each did and refused, and the campaign templates."""

from __future__ import annotations

from flask import render_template

from adflux.campaign_templates import service as templates
from adflux.extensions import db
from adflux.feeds import service as feeds
from adflux.web.blueprint import bp
from adflux.web.helpers import PAGE_SIZE, Pager, requested_page

REFUSALS_SHOWN = 10
TEMPLATES_SHOWN = 100


@bp.get("/feeds")
def feed_imports() -> str:
    page = requested_page()
    result = feeds.list_imports(
        db_session=db.session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    standing = templates.list_templates(db_session=db.session, limit=TEMPLATES_SHOWN)
    return render_template(
        "web/feeds.html",
        imports=result.items,
        pager=Pager(page, PAGE_SIZE, result.total),
        templates=standing.items,
        refusals_shown=REFUSALS_SHOWN,
    )
