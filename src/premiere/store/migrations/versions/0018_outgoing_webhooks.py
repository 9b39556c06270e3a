"""Outgoing webhooks, email subscribers, the outbox of their deliveries and the
deliveries' attempts.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from premiere.store.types import UTCDateTime, big_id_type, json_type

revision = "0018"
down_revision: str | None = "0017"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "outgoing_webhooks",
        sa.Column("id", big_id_type(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("events", json_type(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("previous_secret", sa.String(100), nullable=True),
        sa.Column("previous_secret_until", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_outgoing_webhooks_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_webhooks")),
    )
    op.create_index(op.f("ix_outgoing_webhooks_project_id"), "outgoing_webhooks", ["project_id"])
    op.create_table(
        "email_subscribers",
        sa.Column("id", big_id_type(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("categories", json_type(), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_email_subscribers_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_subscribers")),
        sa.UniqueConstraint("token", name=op.f("uq_email_subscribers_token")),
    )
    op.create_index(op.f("ix_email_subscribers_project_id"), "email_subscribers", ["project_id"])
    op.create_table(
        "outbox_deliveries",
        sa.Column("id", big_id_type(), nullable=False),
        sa.Column("webhook_id", big_id_type(), nullable=True),
        sa.Column("subscriber_id", big_id_type(), nullable=True),
        sa.Column("message_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("payload", json_type(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(80), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["webhook_id"],
            ["outgoing_webhooks.id"],
            name=op.f("fk_outbox_deliveries_webhook_id_outgoing_webhooks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["email_subscribers.id"],
            name=op.f("fk_outbox_deliveries_subscriber_id_email_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_deliveries")),
    )
    op.create_index("ix_outbox_deliveries_due", "outbox_deliveries", ["status", "next_attempt_at"])
    op.create_index(op.f("ix_outbox_deliveries_webhook_id"), "outbox_deliveries", ["webhook_id"])
    op.create_table(
        "outbox_attempts",
        sa.Column("id", big_id_type(), nullable=False),
        sa.Column("delivery_id", big_id_type(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["outbox_deliveries.id"],
            name=op.f("fk_outbox_attempts_delivery_id_outbox_deliveries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_attempts")),
    )
    op.create_index(op.f("ix_outbox_attempts_delivery_id"), "outbox_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_table("outbox_attempts")
    op.drop_table("outbox_deliveries")
    op.drop_table("email_subscribers")
    op.drop_table("outgoing_webhooks")
