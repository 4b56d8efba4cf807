"""Revision 0002 on data already stored: unsafe token names renamed, old keys still replay."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from adflux.app import MIGRATIONS_DIR, create_app
from adflux.config import Settings
from adflux.extensions import db


def test_token_names_outside_the_safe_alphabet_are_rewritten(tmp_path: Path):
    app = create_app(Settings(data_dir=tmp_path / "data", log_level="WARNING"), TESTING=True)
    with app.app_context():
        upgrade(directory=str(MIGRATIONS_DIR), revision="0001_initial")
        with db.engine.begin() as connection:
            for token_id, name in enumerate(["ci/bot", "ci-bot", "a b", "//", "fine.name"], 1):
                connection.execute(
                    sa.text(
                        "INSERT INTO api_tokens (id, name, role, token_hash, prefix, created_at)"
                        " VALUES (:id, :name, 'admin', :hash, 'adf_', CURRENT_TIMESTAMP)"
                    ),
                    {"id": token_id, "name": name, "hash": f"{token_id:064d}"},
                )
        upgrade(directory=str(MIGRATIONS_DIR))
        with db.engine.connect() as connection:
            names = dict(connection.execute(sa.text("SELECT id, name FROM api_tokens")).all())
        # "ci/bot" would become "ci-bot", which is taken: its id makes it unique.
        assert names == {1: "ci-bot-1", 2: "ci-bot", 3: "a-b", 4: "token", 5: "fine.name"}
        downgrade(directory=str(MIGRATIONS_DIR), revision="0001_initial")
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("ad_campaigns")}
        assert "idempotency_fingerprint" not in columns
        db.engine.dispose()
