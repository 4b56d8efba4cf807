"""Candidates' emails normalised and unique; per-member record of what each audience was sent.

Revision ID: 0003_candidates_audiences
Revises: 0002_jobs_tokens_idempotency
Create Date: 2026-12-03 10:00:00

Existing rows: every email is trimmed and lower-cased (candidates.service.normalize_email). Where
that leaves several candidates with one address, the oldest (lowest id) keeps it, and keeps
marketing consent only if every one of them had it (a refusal recorded on any copy of the person
wins, Ley 1581). The newer copies are kept, with their segments and history, under a reserved
address that can never be delivered to nor match anyone on a platform
(`duplicate-<id>@email-in-use.adflux.invalid`, RFC 2606), and without marketing consent; each change
is in the audit log ("candidate.email_deduplicated"), so an operator can find them, fix the address
with PATCH or erase them with DELETE.
"""

import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "0003_candidates_audiences"
down_revision = "0002_jobs_tokens_idempotency"
branch_labels = None
depends_on = None

DUPLICATE_DOMAIN = "email-in-use.adflux.invalid"

candidates = sa.table(
    "candidates",
    sa.column("id", sa.Integer),
    sa.column("email", sa.String),
    sa.column("marketing_consent", sa.Boolean),
)
audit_log = sa.table(
    "audit_log",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.String),
    sa.column("details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
)


def _normalise(email: str) -> str:
    # The same rule as candidates.service.normalize_email, frozen here as this revision applied it.
    return unicodedata.normalize("NFC", email).strip().lower()


def _normalise_existing_emails() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(candidates.c.id, candidates.c.email, candidates.c.marketing_consent).order_by(
            candidates.c.id
        )
    ).all()
    groups: dict[str, list[tuple[int, str, bool]]] = {}
    for row in rows:
        groups.setdefault(_normalise(row.email), []).append(
            (row.id, row.email, bool(row.marketing_consent))
        )
    updates: list[dict[str, object]] = []
    audits: list[dict[str, object]] = []
    now = datetime.now(UTC)
    for email, members in groups.items():
        keeper_id, keeper_email, keeper_consent = members[0]
        consent = all(c for _id, _email, c in members)
        if keeper_email != email or consent != keeper_consent:
            updates.append({"row_id": keeper_id, "new_email": email, "new_consent": consent})
        for duplicate_id, _email, _consent in members[1:]:
            updates.append(
                {
                    "row_id": duplicate_id,
                    "new_email": f"duplicate-{duplicate_id}@{DUPLICATE_DOMAIN}",
                    "new_consent": False,
                }
            )
            audits.append(
                {
                    "at": now,
                    "actor": "migration 0003",
                    "action": "candidate.email_deduplicated",
                    "entity_type": "candidate",
                    "entity_id": str(duplicate_id),
                    "details": {"kept_candidate_id": keeper_id, "consent_kept": consent},
                }
            )
    if updates:
        connection.execute(
            candidates.update()
            .where(candidates.c.id == sa.bindparam("row_id"))
            .values(email=sa.bindparam("new_email"), marketing_consent=sa.bindparam("new_consent")),
            updates,
        )
    if audits:
        connection.execute(audit_log.insert(), audits)


def upgrade():
    _normalise_existing_emails()
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.create_index("uq_candidates_email", ["email"], unique=True)

    op.create_table(
        "audience_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("external_audience_id", sa.String(length=100), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=True),
        sa.Column("email_sha256", sa.String(length=64), nullable=True),
        sa.Column("phone_sha256", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_audience_members_candidate_id_candidates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_members")),
    )
    with op.batch_alter_table("audience_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audience_members_audience",
            ["platform", "external_audience_id", "state"],
            unique=False,
        )
        batch_op.create_index("ix_audience_members_candidate", ["candidate_id"], unique=False)
        batch_op.create_index(
            "uq_audience_members_sent",
            ["platform", "external_audience_id", "candidate_id"],
            unique=True,
            postgresql_where=sa.text("state = 'sent'"),
            sqlite_where=sa.text("state = 'sent'"),
        )


def downgrade():
    with op.batch_alter_table("audience_members", schema=None) as batch_op:
        batch_op.drop_index("uq_audience_members_sent")
        batch_op.drop_index("ix_audience_members_candidate")
        batch_op.drop_index("ix_audience_members_audience")
    op.drop_table("audience_members")
    with op.batch_alter_table("candidates", schema=None) as batch_op:
        batch_op.drop_index("uq_candidates_email")
