"""Deployments gain ``version_order``: a string that sorts as semantic versions do.

The environment matrix compares versions with it in SQL (how far an environment is
behind the one before it, not counting older versions), so it no longer reads one row
per waiting version. NULL for versions that are not semantic versions; existing rows are
filled in here (by id, in batches).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from premiere.store.deployments import version_order

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

ORDER_TYPE = sa.String().with_variant(sa.String(collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("version_order", ORDER_TYPE, nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, version FROM deployments")).all()
    orders = [
        {"id": row_id, "order": order}
        for row_id, version in rows
        if (order := version_order(version)) is not None
    ]
    for start in range(0, len(orders), 1000):
        connection.execute(
            sa.text("UPDATE deployments SET version_order = :order WHERE id = :id"),
            orders[start : start + 1000],
        )


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("version_order")
