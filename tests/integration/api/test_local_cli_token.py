"""`make run` mints a new local CLI admin token each start; the previous one is revoked."""

from __future__ import annotations

import sqlalchemy as sa

from adflux import embedded
from adflux.auth import service as auth_service
from adflux.auth.models import ApiToken
from adflux.extensions import db


def test_each_start_keeps_exactly_the_newest_local_token(sqlite_app):
    first = embedded._fresh_local_token()
    # The second start must not trip over the last-admin rule: the new token exists first.
    second = embedded._fresh_local_token()

    active = db.session.scalars(sa.select(ApiToken.name).where(ApiToken.revoked_at.is_(None))).all()
    assert len(active) == 1 and active[0].startswith("local-cli-")
    assert auth_service.authenticate(db_session=db.session, token=first) is None
    assert auth_service.authenticate(db_session=db.session, token=second) is not None
