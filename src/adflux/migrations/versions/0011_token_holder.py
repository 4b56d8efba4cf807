"""People, not tokens: a token may name who holds it.

Revision ID: 0011_token_holder
Revises: 0010_candidate_imports
Create Date: 2026-12-04 17:45:00

The dashboard's header and greeting showed a token's machine name ("local-cli-1796…"); a token
now carries the readable name of the person or system that holds it ("Ana Gómez", "Sitio de
empleo"), shown instead when given.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_token_holder"
down_revision = "0010_candidate_imports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("holder", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("holder")
