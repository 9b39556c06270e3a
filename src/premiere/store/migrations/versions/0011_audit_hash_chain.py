"""Audit events are hash-chained per project; existing events are chained here.

``audit_events`` gains ``prev_hash`` and ``hash``; ``audit_chain_heads`` holds each
chain's newest event (``""`` for events of no project). Existing events are chained in
id order, with the append-only update trigger lifted for that and put back.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from premiere.store.audit_hash import GENESIS, audit_record_hash
from premiere.store.types import UTCDateTime, json_type

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

BATCH = 1000
MESSAGE = "audit events are append-only"

EVENTS = sa.table(
    "audit_events",
    sa.column("id", sa.BigInteger()),
    sa.column("at", UTCDateTime()),
    *(sa.column(name, sa.String()) for name in ("actor_kind", "actor_id", "actor_name")),
    *(sa.column(name, sa.String()) for name in ("action", "project", "resource_type")),
    *(sa.column(name, sa.String()) for name in ("resource_key", "environment")),
    sa.column("before", json_type()),
    sa.column("after", json_type()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)
HEADS = sa.table(
    "audit_chain_heads",
    sa.column("chain", sa.String()),
    sa.column("event_id", sa.BigInteger()),
    sa.column("hash", sa.String()),
    sa.column("at", UTCDateTime()),
    sa.column("events", sa.BigInteger()),
)


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_events", sa.Column("hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_chain_heads",
        sa.Column("chain", sa.String(128), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain", name="pk_audit_chain_heads"),
    )
    _without_update_trigger(_chain_existing_events)


def downgrade() -> None:
    op.drop_table("audit_chain_heads")
    with op.batch_alter_table("audit_events", recreate="never") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")


def _chain_existing_events() -> None:
    connection = op.get_bind()
    heads: dict[str, dict[str, Any]] = {}
    changes: list[dict[str, Any]] = []
    for row in connection.execute(sa.select(EVENTS).order_by(EVENTS.c.id)).mappings():
        chain = row["project"] or ""
        head = heads.get(chain)
        prev_hash = head["hash"] if head is not None else GENESIS
        digest = audit_record_hash({**row, "prev_hash": prev_hash})
        changes.append({"event_id": row["id"], "prev": prev_hash, "digest": digest})
        count = head["events"] + 1 if head is not None else 1
        heads[chain] = {"chain": chain, "event_id": row["id"], "hash": digest,
                        "at": row["at"], "events": count}  # fmt: skip
    update = (
        sa.update(EVENTS)
        .where(EVENTS.c.id == sa.bindparam("event_id"))
        .values(prev_hash=sa.bindparam("prev"), hash=sa.bindparam("digest"))
    )
    for start in range(0, len(changes), BATCH):
        connection.execute(update, changes[start : start + BATCH])
    if heads:
        connection.execute(sa.insert(HEADS), list(heads.values()))


def _without_update_trigger(work: Any) -> None:
    """Run ``work`` with migration 0002's update trigger lifted, in this transaction."""
    if op.get_context().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update")
        work()
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update")
        return
    op.execute("DROP TRIGGER audit_events_no_update")
    work()
    op.execute(
        "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
