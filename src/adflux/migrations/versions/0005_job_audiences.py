"""Job audiences: a campaign may target the job's N most likely candidates, uploaded as an
audience of the job's own.

Revision ID: 0005_job_audiences
Revises: 0004_results
Create Date: 2026-12-03 16:00:00

`audience_syncs` records uploads of a segment (segment_id, run_id) or of a job's audience (job_id,
size): segment_id and run_id become nullable, and a check keeps exactly one of segment_id and
job_id. `ad_campaigns` gains `job_audience_size` and `creation_warnings` (the warnings computed
and acknowledged when the campaign was created; existing campaigns have none).

Downgrade: the upload records of job audiences are deleted (segment_id cannot be null before
this revision). Their members stay recorded in `audience_members`, so a consent withdrawal or a
deletion still removes the person from those platform audiences.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_job_audiences"
down_revision = "0004_results"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("audience_syncs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("size", sa.Integer(), nullable=True))
        batch_op.alter_column("segment_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("run_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_audience_syncs_job_id_job_openings"),
            "job_openings",
            ["job_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index("ix_audience_syncs_job_platform", ["job_id", "platform"])
        batch_op.create_check_constraint(
            batch_op.f("ck_audience_syncs_one_source"), "(segment_id IS NULL) <> (job_id IS NULL)"
        )

    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_audience_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("creation_warnings", JSON, nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_ad_campaigns_job_audience_size"),
            "job_audience_size IS NULL OR job_audience_size > 0",
        )
    op.execute("UPDATE ad_campaigns SET creation_warnings = '[]'")
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.alter_column("creation_warnings", existing_type=JSON, nullable=False)


def downgrade():
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ad_campaigns_job_audience_size"), type_="check")
        batch_op.drop_column("creation_warnings")
        batch_op.drop_column("job_audience_size")

    op.execute("DELETE FROM audience_syncs WHERE job_id IS NOT NULL")
    with op.batch_alter_table("audience_syncs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_audience_syncs_one_source"), type_="check")
        batch_op.drop_index("ix_audience_syncs_job_platform")
        batch_op.drop_constraint(
            batch_op.f("fk_audience_syncs_job_id_job_openings"), type_="foreignkey"
        )
        batch_op.alter_column("run_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("segment_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("size")
        batch_op.drop_column("job_id")
