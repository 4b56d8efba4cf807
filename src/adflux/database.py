"""Schema management at run time: apply the Alembic migrations shipped in the package."""

from __future__ import annotations

from flask_migrate import upgrade

from adflux.app import MIGRATIONS_DIR


def upgrade_schema() -> None:
    """Migrate the app's database to the latest revision (inside an app context)."""
    upgrade(directory=str(MIGRATIONS_DIR))
