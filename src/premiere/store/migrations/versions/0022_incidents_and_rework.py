"""Delivery insights: incidents, the ``fix`` mark of a deployment (deployment rework),
and an index for reading an environment's deployments by when they finished.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from premiere.store.types import UTCDateTime

revision = "0022"
down_revision: str | None = "0021"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column(
        "deployments",
        sa.Column("fix", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_deployments_environment_finished", "deployments", ["environment_id", "finished_at"]
    )
    op.create_table(
        "incidents",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("deployment_id", sa.BigInteger(), nullable=True),
        sa.Column("release", sa.String(128), nullable=True),
        sa.Column("flag", sa.String(128), nullable=True),
        sa.Column("resolution", sa.String(32), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_incidents_project_id_projects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_project_started", "incidents", ["project_id", "started_at"])
    op.create_index("ix_incidents_deployment_id", "incidents", ["deployment_id"])


def downgrade() -> None:
    op.drop_table("incidents")
    op.drop_index("ix_deployments_environment_finished", table_name="deployments")
    with op.batch_alter_table("deployments") as batch:
        batch.drop_column("fix")
