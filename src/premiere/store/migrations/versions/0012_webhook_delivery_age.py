"""An index on when each webhook delivery was received.

The leading scheduler deletes the deliveries remembered longer than
``PREMIERE_WEBHOOK_DELIVERY_RETENTION_DAYS``; the index finds them without reading the
whole table.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_webhook_deliveries_received_at", "webhook_deliveries", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_received_at", table_name="webhook_deliveries")
