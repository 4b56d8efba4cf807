"""Campaigns keep the fit warnings they were created with (a chosen segment that fits the job
poorly, or why no segment was recommended).

Revision ID: 0006_campaign_fit_warnings
Revises: 0004_results
Create Date: 2026-12-03 16:00:00

Numbered 0006 because 0005_job_audiences is being written beside it; once both are merged this
revises 0005_job_audiences. Campaigns stored before it have no fit warnings (NULL).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_campaign_fit_warnings"
down_revision = "0004_results"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fit_warnings", JSON, nullable=True))


def downgrade():
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.drop_column("fit_warnings")
