"""Results: platform figures per publication and day (restated days overwrite), applications
from the job site, and where each platform's report sync stands.

Revision ID: 0004_results
Revises: 0003_candidates_audiences
Create Date: 2026-12-03 12:30:00

`campaign_metrics` (created empty in 0001 and never written) loses `applications` and `details`:
applications are counted from the `applications` table, one row each, so a resent application is
visibly one row, and the platform's figures and the job site's are never mixed in one column.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_results"
down_revision = "0003_candidates_audiences"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("campaign_metrics", schema=None) as batch_op:
        batch_op.drop_column("applications")
        batch_op.drop_column("details")
        batch_op.add_column(sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE campaign_metrics SET synced_at = CURRENT_TIMESTAMP")
    with op.batch_alter_table("campaign_metrics", schema=None) as batch_op:
        batch_op.alter_column("synced_at", existing_type=sa.DateTime(timezone=True), nullable=False)

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("job_ref", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("candidate_ref", sa.String(length=64), nullable=True),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column("platform", sa.String(length=20), nullable=True),
        sa.Column("segment_id", sa.Integer(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tracking", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job_openings.id"],
            name=op.f("fk_applications_job_id_job_openings"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"], ["candidates.id"],
            name=op.f("fk_applications_candidate_id_candidates"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["ad_campaigns.id"],
            name=op.f("fk_applications_campaign_id_ad_campaigns"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["publication_id"], ["platform_publications.id"],
            name=op.f("fk_applications_publication_id_platform_publications"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"], ["segments.id"],
            name=op.f("fk_applications_segment_id_segments"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("source_id", name=op.f("uq_applications_source_id")),
    )  # fmt: skip
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_publication_day", ["publication_id", "day"])
        batch_op.create_index("ix_applications_campaign_day", ["campaign_id", "day"])
        batch_op.create_index(op.f("ix_applications_job_id"), ["job_id"])
        batch_op.create_index(op.f("ix_applications_candidate_id"), ["candidate_id"])

    op.create_table(
        "report_syncs",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("platform", name=op.f("pk_report_syncs")),
    )


def downgrade():
    op.drop_table("report_syncs")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_applications_candidate_id"))
        batch_op.drop_index(op.f("ix_applications_job_id"))
        batch_op.drop_index("ix_applications_campaign_day")
        batch_op.drop_index("ix_applications_publication_day")
    op.drop_table("applications")
    with op.batch_alter_table("campaign_metrics", schema=None) as batch_op:
        batch_op.drop_column("synced_at")
        batch_op.add_column(
            sa.Column("details", JSON, nullable=False, server_default=sa.text("'{}'"))
        )
        batch_op.add_column(
            sa.Column("applications", sa.BigInteger(), nullable=False, server_default="0")
        )
