"""Campaign templates: standing campaigns over a group of jobs, and the campaigns they created.

Revision ID: 0009_templates
Revises: 0008_feeds
Create Date: 2026-12-04 14:30:00

A template ("every open job in area X / city Y / company Z" of a feed) creates one campaign per
new matching job after a feed import, at most `daily_cap` a day; `template_campaigns` records
each (unique per template and job), which is what the cap counts.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009_templates"
down_revision = "0008_feeds"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.create_table(
        "campaign_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("area", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("feed", sa.String(length=50), nullable=True),
        sa.Column("platforms", JSON, nullable=False),
        sa.Column("daily_budget_cop", sa.BigInteger(), nullable=True),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("daily_cap >= 1", name=op.f("ck_campaign_templates_daily_cap")),
        sa.CheckConstraint(
            "daily_budget_cop IS NULL OR daily_budget_cop > 0",
            name=op.f("ck_campaign_templates_daily_budget"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_campaign_templates_name")),
    )
    op.create_table(
        "template_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ad_campaigns.id"],
            name=op.f("fk_template_campaigns_campaign_id_ad_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["job_openings.id"],
            name=op.f("fk_template_campaigns_job_id_job_openings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["campaign_templates.id"],
            name=op.f("fk_template_campaigns_template_id_campaign_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_campaigns")),
        sa.UniqueConstraint(
            "template_id", "job_id", name=op.f("uq_template_campaigns_template_id")
        ),
    )
    op.create_index(
        op.f("ix_template_campaigns_campaign_id"),
        "template_campaigns",
        ["campaign_id"],
        unique=False,
    )
    op.create_index(
        "ix_template_campaigns_template_day",
        "template_campaigns",
        ["template_id", "day"],
        unique=False,
    )


def downgrade():
    op.drop_index("ix_template_campaigns_template_day", table_name="template_campaigns")
    op.drop_index(op.f("ix_template_campaigns_campaign_id"), table_name="template_campaigns")
    op.drop_table("template_campaigns")
    op.drop_table("campaign_templates")
