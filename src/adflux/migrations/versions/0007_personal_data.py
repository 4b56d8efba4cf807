"""Personal data only to those who need it: a token may be granted personal data.

Revision ID: 0007_personal_data
Revises: 0006_optimise
Create Date: 2026-12-04 14:00:00

Candidates' names, e-mails and phones are masked for every reader unless the token is granted
personal data (Ley 1581 de 2012: restricted access and circulation). Existing tokens are not
granted it: an admin grants it on purpose.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_personal_data"
down_revision = "0006_optimise"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("personal_data", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("personal_data")
