"""Deployments gain a claim on their verification: who runs the checks, until when.

A process that runs a deployment's verification checks claims it for a short lease and
renews the lease while they run, so replicas started against the same database (or a
process picking up checks left in flight by a restart) run each deployment's checks
once. NULL: nobody runs them. An index on the status finds those left verifying.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.add_column(sa.Column("verification_owner", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("verification_claimed_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_deployments_status", ["status"])


def downgrade() -> None:
    with op.batch_alter_table("deployments") as batch:
        batch.drop_index("ix_deployments_status")
        batch.drop_column("verification_claimed_until")
        batch.drop_column("verification_owner")
