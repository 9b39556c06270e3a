"""Stored JSON holds Unicode text only; GitHub deliveries are remembered.

- SQLite's JSON columns may hold a lone UTF-16 surrogate (``"\\ud800"``), written before
  the API refused it; nothing holding one could be sent back. Each is rewritten here
  to U+FFFD (the replacement character). Audit events are append-only and stay as
  written; they read back with U+FFFD, as every stored JSON value does (see
  ``premiere.store.unicode``). PostgreSQL's ``jsonb`` never accepted them.
- ``webhook_deliveries``: the delivery id (``X-GitHub-Delivery``) of every GitHub
  delivery applied, so that a replayed one is recognised and ignored.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from premiere.store.unicode import ESCAPED_SURROGATE, replace_lone_surrogates

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

APPEND_ONLY = frozenset({"audit_events"})


def upgrade() -> None:
    op.create_table(
        "webhook_deliveries",
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey(
                "projects.id", ondelete="CASCADE", name="fk_webhook_deliveries_project_id_projects"
            ),
            nullable=False,
        ),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("delivery_id", sa.String(100), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "project_id", "provider", "delivery_id", name="pk_webhook_deliveries"
        ),
    )
    if op.get_context().dialect.name == "sqlite":
        repair_lone_surrogates(op.get_bind())


def downgrade() -> None:
    op.drop_table("webhook_deliveries")  # the rewritten text stays: nothing to undo


def repair_lone_surrogates(connection: sa.Connection) -> int:
    """Rewrite every SQLite JSON value holding a lone surrogate; how many were."""
    inspector = sa.inspect(connection)
    repaired = 0
    for table in inspector.get_table_names():
        if table in APPEND_ONLY:
            continue
        for column in inspector.get_columns(table):
            if isinstance(column["type"], sa.JSON):
                repaired += _repair_column(connection, table, column["name"])
    return repaired


def _repair_column(connection: sa.Connection, table: str, column: str) -> int:
    rows = connection.execute(
        sa.text(f'SELECT rowid, "{column}" FROM "{table}" WHERE "{column}" LIKE :escape'),
        {"escape": "%\\ud%"},  # LIKE ignores ASCII case: \uD800 too
    ).all()
    updates = []
    for rowid, stored in rows:
        if not isinstance(stored, str) or ESCAPED_SURROGATE.search(stored) is None:
            continue
        value = json.loads(stored)
        repaired = replace_lone_surrogates(value)
        if repaired != value:
            updates.append({"rowid": rowid, "value": json.dumps(repaired)})
    if updates:
        connection.execute(
            sa.text(f'UPDATE "{table}" SET "{column}" = :value WHERE rowid = :rowid'), updates
        )
    return len(updates)
