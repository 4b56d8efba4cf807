"""Job feeds: each import's report, and which feed a job came from.

Revision ID: 0008_feeds
Revises: 0007_personal_data
Create Date: 2026-12-04 14:00:00

`job_openings.feed` names the feed a job was imported from (NULL for jobs created one at a time
or seeded): a full import of a feed closes the jobs of that feed it no longer lists, and no other.
`feed_digest` is a SHA-256 of what the feed last said of the job: a re-import compares it.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_feeds"
down_revision = "0007_personal_data"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("job_openings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feed", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("feed_digest", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_job_openings_feed"), ["feed"], unique=False)

    op.create_table(
        "feed_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed", sa.String(length=50), nullable=False),
        sa.Column("source", sa.String(length=2000), nullable=False),
        sa.Column("full", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("jobs_read", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("closed", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("refusals", JSON, nullable=False),
        sa.Column("unmapped", JSON, nullable=False),
        sa.Column("campaigns_paused", JSON, nullable=False),
        sa.Column("campaigns_not_paused", JSON, nullable=False),
        sa.Column("campaigns_created", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'done', 'failed')", name=op.f("ck_feed_imports_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_imports")),
    )
    op.create_index(
        "ix_feed_imports_feed_started", "feed_imports", ["feed", "started_at"], unique=False
    )


def downgrade():
    op.drop_index("ix_feed_imports_feed_started", table_name="feed_imports")
    op.drop_table("feed_imports")
    with op.batch_alter_table("job_openings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_job_openings_feed"))
        batch_op.drop_column("feed_digest")
        batch_op.drop_column("feed")
