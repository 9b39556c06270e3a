"""SDK event counts: flag evaluations and custom events per environment and minute.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "flag_evaluation_counts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("project", KEY, nullable=False),
        sa.Column("environment", KEY, nullable=False),
        sa.Column("flag", KEY, nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("variation", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flag_evaluation_counts"),
        sa.UniqueConstraint(
            "project",
            "environment",
            "flag",
            "bucket",
            "variation",
            "reason",
            name="uq_flag_evaluation_counts_bucket",
        ),
    )
    op.create_index(
        "ix_flag_evaluation_counts_environment_bucket",
        "flag_evaluation_counts",
        ["project", "environment", "bucket"],
    )
    op.create_table(
        "custom_event_counts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("project", KEY, nullable=False),
        sa.Column("environment", KEY, nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("value_count", sa.BigInteger(), nullable=False),
        sa.Column("value_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_event_counts"),
        sa.UniqueConstraint(
            "project", "environment", "key", "bucket", name="uq_custom_event_counts_bucket"
        ),
    )
    op.create_index(
        "ix_custom_event_counts_environment_bucket",
        "custom_event_counts",
        ["project", "environment", "bucket"],
    )


def downgrade() -> None:
    op.drop_table("custom_event_counts")
    op.drop_table("flag_evaluation_counts")
