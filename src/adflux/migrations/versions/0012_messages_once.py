"""Messages once: stored reasons keep a catalog msgid and its parameters, not two texts.

Revision ID: 0012_messages_once
Revises: 0011_token_holder
Create Date: 2026-12-05 12:30:00

An allocation move's reason was stored twice, in Spanish and in English (reason_es, reason_en),
and so was each warning a campaign was created with (creation_warnings items: message_es,
message_en). Each is now one message, as JSON (adflux.i18n.messages.to_json), rendered in the
reader's language when read. What was written before keeps its two texts as they were written:
``{"verbatim": {"es": ..., "en": ...}}``. The downgrade writes each message out in both languages.
"""

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The catalog renders a message stored by msgid on the way down; rows stored verbatim need it not.
from adflux.i18n.messages import from_json

revision = "0012_messages_once"
down_revision = "0011_token_holder"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
LANGUAGES = ("es", "en")
moves = sa.table(
    "allocation_moves",
    sa.column("id", sa.Integer()),
    sa.column("reason_es", sa.Text()),
    sa.column("reason_en", sa.Text()),
    sa.column("reason", JSON),
)
campaigns = sa.table(
    "ad_campaigns", sa.column("id", sa.Integer()), sa.column("creation_warnings", JSON)
)


def upgrade() -> None:
    with op.batch_alter_table("allocation_moves") as batch:
        batch.add_column(sa.Column("reason", JSON, nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(moves.c.id, moves.c.reason_es, moves.c.reason_en))
    for id_, es, en in _batched(rows):
        connection.execute(
            moves.update().where(moves.c.id == id_).values(reason=_verbatim(es=es, en=en))
        )
    with op.batch_alter_table("allocation_moves") as batch:
        batch.alter_column("reason", existing_type=JSON, nullable=False)
        batch.drop_column("reason_es")
        batch.drop_column("reason_en")
    _rewrite_warnings(_warning_up)


def downgrade() -> None:
    _rewrite_warnings(_warning_down)
    with op.batch_alter_table("allocation_moves") as batch:
        batch.add_column(sa.Column("reason_es", sa.Text(), nullable=True))
        batch.add_column(sa.Column("reason_en", sa.Text(), nullable=True))
    connection = op.get_bind()
    for id_, reason in _batched(connection.execute(sa.select(moves.c.id, moves.c.reason))):
        connection.execute(
            moves.update().where(moves.c.id == id_).values(**_texts("reason", reason))
        )
    with op.batch_alter_table("allocation_moves") as batch:
        batch.alter_column("reason_es", existing_type=sa.Text(), nullable=False)
        batch.alter_column("reason_en", existing_type=sa.Text(), nullable=False)
        batch.drop_column("reason")


def _batched(result: sa.CursorResult[Any]) -> Iterator[Any]:
    # Read everything before writing: SQLite and psycopg refuse updates under an open cursor.
    yield from result.fetchall()


def _verbatim(**texts: str | None) -> dict[str, Any]:
    """The two texts of a row written before messages were kept once."""
    return {"verbatim": {language: texts[language] or "" for language in LANGUAGES}}


def _texts(name: str, stored: Any) -> dict[str, str]:
    """`name`_es and `name`_en from a stored message."""
    message = from_json(stored)
    return {f"{name}_{language}": message.render(language) for language in LANGUAGES}


def _rewrite_warnings(rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    connection = op.get_bind()
    stored = connection.execute(
        sa.select(campaigns.c.id, campaigns.c.creation_warnings).where(
            campaigns.c.creation_warnings.is_not(None)
        )
    )
    for id_, warnings in _batched(stored):
        if warnings:
            connection.execute(
                campaigns.update()
                .where(campaigns.c.id == id_)
                .values(creation_warnings=[rewrite(w) for w in warnings])
            )


def _warning_up(warning: dict[str, Any]) -> dict[str, Any]:
    if "message_es" not in warning:
        return warning
    message = _verbatim(es=warning["message_es"], en=warning["message_en"])
    return {**_rule_and_field(warning), "message": message}


def _warning_down(warning: dict[str, Any]) -> dict[str, Any]:
    if "message" not in warning:
        return warning
    return {**_rule_and_field(warning), **_texts("message", warning["message"])}


def _rule_and_field(warning: dict[str, Any]) -> dict[str, Any]:
    return {"rule": warning["rule"], "field": warning["field"]}
