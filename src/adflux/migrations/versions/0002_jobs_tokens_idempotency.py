"""jobs status vocabulary, safe token names, idempotency fingerprints

Revision ID: 0002_jobs_tokens_idempotency
Revises: 0001_initial
Create Date: 2026-12-03 09:45:00

- ``ad_campaigns.idempotency_fingerprint``: the digest of the request that first used a key, so
  the same key with another request is refused instead of answered with the first campaign.
- ``job_openings.status`` is one of open, paused, closed (a check constraint).
- Token names are restricted to letters, digits, '.', '-' and '_' (one URL path segment): an
  existing name outside that alphabet is rewritten (each run of other characters becomes '-',
  and the token's id is appended if that name is taken), so every token can be revoked by name.
"""

import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_jobs_tokens_idempotency"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def upgrade():
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("idempotency_fingerprint", sa.String(length=64)))
    with op.batch_alter_table("job_openings", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_job_openings_status"), "status IN ('open', 'paused', 'closed')"
        )
    _rename_unsafe_token_names()


def downgrade():
    with op.batch_alter_table("job_openings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_job_openings_status"), type_="check")
    with op.batch_alter_table("ad_campaigns", schema=None) as batch_op:
        batch_op.drop_column("idempotency_fingerprint")


def _rename_unsafe_token_names():
    tokens = sa.table("api_tokens", sa.column("id", sa.Integer), sa.column("name", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(tokens.c.id, tokens.c.name).order_by(tokens.c.id)).all()
    taken = {name for _id, name in rows}
    for token_id, name in rows:
        if _SAFE_NAME.fullmatch(name):
            continue
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).lstrip("._-")[:80] or "token"
        if safe in taken:
            safe = f"{safe}-{token_id}"
        taken.add(safe)
        connection.execute(tokens.update().where(tokens.c.id == token_id).values(name=safe))
