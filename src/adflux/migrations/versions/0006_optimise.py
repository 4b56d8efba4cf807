"""Optimise: campaigns a recruiter can change, arms with budgets of their own, the allocator's
runs and moves, rules and their firings.

Revision ID: 0006_optimise
Revises: 0005_job_audiences
Create Date: 2026-12-03 19:00:00

A publication becomes an arm (platform x segment): `arm_key` and `segment_id` say what it aims at,
`daily_budget_cop` is its own budget, `revision` / `applied_revision` track changes the platform
does not hold yet. Existing publications become their campaign's whole-campaign arm
("campaign") with the campaign's daily budget, which is what their platforms hold. The unique
(campaign, platform) becomes (campaign, platform, arm_key).

A campaign gains a total budget, a pacing mode, whether the allocator moves its budget, the
recruiter's own ad copy and when it was archived. Existing campaigns: no total, even pacing,
allocator on, AdFlux's copy, not archived.

Downgrade: arms beyond the first per campaign and platform cannot be represented before this
revision; the downgrade refuses to run while any exists (nothing is deleted silently).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006_optimise"
down_revision = "0005_job_audiences"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total_budget_cop", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("pacing", sa.String(length=10), nullable=False, server_default="even")
        )
        batch_op.add_column(
            sa.Column("auto_allocate", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch_op.add_column(sa.Column("ad_copy", JSON, nullable=True))
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f("ck_ad_campaigns_total_budget"),
            "total_budget_cop IS NULL OR total_budget_cop > 0",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_ad_campaigns_pacing"), "pacing IN ('even', 'fast')"
        )

    with op.batch_alter_table("platform_publications", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("arm_key", sa.String(length=40), nullable=False, server_default="campaign")
        )
        batch_op.add_column(sa.Column("segment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("daily_budget_cop", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("held_daily_budget_cop", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("applied_revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("change_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("change_error_field", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column("change_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("change_next_attempt_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        # The parts of the desired state that revisions not yet pushed changed (campaigns.models).
        batch_op.add_column(sa.Column("pending_parts", JSON, nullable=True))
    op.execute(
        "UPDATE platform_publications SET daily_budget_cop = (SELECT c.daily_budget_cop FROM "
        "ad_campaigns c WHERE c.id = platform_publications.campaign_id)"
    )
    op.execute(
        "UPDATE platform_publications SET held_daily_budget_cop = daily_budget_cop "
        "WHERE status IN ('published', 'paused')"
    )
    with op.batch_alter_table("platform_publications", schema=None) as batch_op:
        batch_op.alter_column("daily_budget_cop", existing_type=sa.BigInteger(), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_platform_publications_campaign_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_platform_publications_campaign_id"),
            ["campaign_id", "platform", "arm_key"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_platform_publications_segment_id_segments"),
            "segments",
            ["segment_id"],
            ["id"],
            ondelete="RESTRICT",
        )
        batch_op.create_index(
            batch_op.f("ix_platform_publications_segment_id"), ["segment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_platform_publications_change_next_attempt_at"),
            ["change_next_attempt_at"],
            unique=False,
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_platform_publications_budget_positive"), "daily_budget_cop > 0"
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_platform_publications_revisions"), "applied_revision <= revision"
        )

    op.create_table(
        "allocation_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("total_daily_cop", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ad_campaigns.id"],
            name=op.f("fk_allocation_runs_campaign_id_ad_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_runs")),
        sa.UniqueConstraint("key", name=op.f("uq_allocation_runs_key")),
    )
    op.create_index(
        "ix_allocation_runs_campaign_day", "allocation_runs", ["campaign_id", "day"], unique=False
    )
    op.create_table(
        "allocation_moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=False),
        sa.Column("from_cop", sa.BigInteger(), nullable=False),
        sa.Column("to_cop", sa.BigInteger(), nullable=False),
        sa.Column("reason_es", sa.Text(), nullable=False),
        sa.Column("reason_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["platform_publications.id"],
            name=op.f("fk_allocation_moves_publication_id_platform_publications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["allocation_runs.id"],
            name=op.f("fk_allocation_moves_run_id_allocation_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_moves")),
        sa.UniqueConstraint("run_id", "publication_id", name=op.f("uq_allocation_moves_run_id")),
    )
    op.create_index(
        op.f("ix_allocation_moves_publication_id"),
        "allocation_moves",
        ["publication_id"],
        unique=False,
    )
    op.create_table(
        "campaign_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("max_applications", sa.Integer(), nullable=True),
        sa.Column("max_cpa_cop", sa.BigInteger(), nullable=True),
        sa.Column("min_spend_cop", sa.BigInteger(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["ad_campaigns.id"],
            name=op.f("fk_campaign_rules_campaign_id_ad_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_rules")),
    )
    op.create_index(
        op.f("ix_campaign_rules_campaign_id"), "campaign_rules", ["campaign_id"], unique=False
    )
    op.create_table(
        "rule_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("publication_id", sa.Integer(), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["publication_id"],
            ["platform_publications.id"],
            name=op.f("fk_rule_firings_publication_id_platform_publications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["campaign_rules.id"],
            name=op.f("fk_rule_firings_rule_id_campaign_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_firings")),
        sa.UniqueConstraint("rule_id", "scope", name=op.f("uq_rule_firings_rule_id")),
    )


def downgrade():
    bind = op.get_bind()
    several = bind.execute(
        sa.text(
            "SELECT count(*) FROM (SELECT campaign_id, platform FROM platform_publications "
            "GROUP BY campaign_id, platform HAVING count(*) > 1) AS arms"
        )
    ).scalar_one()
    if several:
        raise RuntimeError(
            f"{several} campaign platform(s) have several arms, which revision 0005 cannot hold; "
            "archive those campaigns' extra arms' rows elsewhere first"
        )
    op.drop_table("rule_firings")
    op.drop_index(op.f("ix_campaign_rules_campaign_id"), table_name="campaign_rules")
    op.drop_table("campaign_rules")
    op.drop_index(op.f("ix_allocation_moves_publication_id"), table_name="allocation_moves")
    op.drop_table("allocation_moves")
    op.drop_index("ix_allocation_runs_campaign_day", table_name="allocation_runs")
    op.drop_table("allocation_runs")

    with op.batch_alter_table("platform_publications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_platform_publications_revisions"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("ck_platform_publications_budget_positive"), type_="check"
        )
        batch_op.drop_index(batch_op.f("ix_platform_publications_change_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_platform_publications_segment_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_platform_publications_segment_id_segments"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_platform_publications_campaign_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_platform_publications_campaign_id"), ["campaign_id", "platform"]
        )
        for column in (
            "ended_at",
            "change_next_attempt_at",
            "change_attempts",
            "change_error_field",
            "change_error",
            "applied_revision",
            "revision",
            "pending_parts",
            "held_daily_budget_cop",
            "daily_budget_cop",
            "segment_id",
            "arm_key",
        ):
            batch_op.drop_column(column)

    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_ad_campaigns_pacing"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_ad_campaigns_total_budget"), type_="check")
        for column in ("archived_at", "ad_copy", "auto_allocate", "pacing", "total_budget_cop"):
            batch_op.drop_column(column)
