"""Candidate imports: one row per candidate file imported, with its counts and error report.

Revision ID: 0010_candidate_imports
Revises: 0009_templates
Create Date: 2026-12-04 14:10:00

A new table only; the downgrade drops it (the error reports on disk stay where they are).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_candidate_imports"
down_revision = "0009_templates"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "candidate_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("failed_batches", sa.Integer(), nullable=False),
        sa.Column("ignored_columns", JSON, nullable=False),
        sa.Column("report_path", sa.String(length=500), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_imports")),
    )
    op.create_index(
        op.f("ix_candidate_imports_request_id"), "candidate_imports", ["request_id"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_candidate_imports_request_id"), table_name="candidate_imports")
    op.drop_table("candidate_imports")
