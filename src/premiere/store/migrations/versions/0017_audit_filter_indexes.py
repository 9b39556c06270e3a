"""Indexes for the audit log's filters by action and by resource type within a project.

Without them, a filter that matches few of a project's events (``release.started``
among hundreds of thousands of deployment events) reads the project's whole log
backwards to fill one page.

On SQLite, a database that has planner statistics (``sqlite_stat1``, written by
``ANALYZE``) gets them refreshed for ``audit_events``: with statistics for the old
indexes and none for the new ones, the planner takes a new index for the unfiltered
log too and sorts the whole project's events to show the latest ten.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision: str | None = "0016"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_audit_events_project_action", "audit_events", ["project", "action", "id"])
    op.create_index(
        "ix_audit_events_project_resource_type",
        "audit_events",
        ["project", "resource_type", "id"],
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        has_statistics = bind.execute(
            sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        ).first()
        if has_statistics:
            op.execute("ANALYZE audit_events")


def downgrade() -> None:
    op.drop_index("ix_audit_events_project_resource_type", table_name="audit_events")
    op.drop_index("ix_audit_events_project_action", table_name="audit_events")
