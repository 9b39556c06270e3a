"""Delivery insights at scale: each deployment's lead time for changes stored as a
number (``lead_seconds``, ``verified_at - commit_time``) and the UTC day it finished on
(``finished_day``, days since 1970-01-01), and an index holding every column the
insights read, in the order of those days, so that a year of an environment's
deployments is read from the index alone.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision: str | None = "0022"
branch_labels: str | None = None
depends_on: str | None = None

INSIGHTS_COLUMNS = [
    "environment_id",
    "finished_day",
    "finished_at",
    "project_id",
    "service_id",
    "status",
    "verification_status",
    "verified_at",
    "fix",
    "rollback_of_id",
    "lead_seconds",
]


def upgrade() -> None:
    op.add_column("deployments", sa.Column("lead_seconds", sa.Float(), nullable=True))
    op.add_column("deployments", sa.Column("finished_day", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        lead = "date_part('epoch', verified_at - commit_time)"
        day = "CAST(floor(date_part('epoch', finished_at) / 86400) AS INTEGER)"
    else:
        lead = "(julianday(verified_at) - julianday(commit_time)) * 86400.0"
        day = "CAST(julianday(finished_at) - 2440587.5 AS INTEGER)"
    op.execute(
        f"UPDATE deployments SET lead_seconds = {lead} "
        "WHERE verified_at IS NOT NULL AND commit_time IS NOT NULL"
    )
    op.execute(f"UPDATE deployments SET finished_day = {day} WHERE finished_at IS NOT NULL")
    op.drop_index("ix_deployments_environment_finished", table_name="deployments")
    op.create_index("ix_deployments_insights", "deployments", INSIGHTS_COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_deployments_insights", table_name="deployments")
    op.create_index(
        "ix_deployments_environment_finished", "deployments", ["environment_id", "finished_at"]
    )
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("lead_seconds")
        batch.drop_column("finished_day")
