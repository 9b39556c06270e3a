"""Indexes for the audit log's filters by action and by resource type within a project.

Without them, a filter that matches few of a project's events (``release.started``
among hundreds of thousands of deployment events) reads the project's whole log
backwards to fill one page.

Revision ID: 0018
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_events_project_action", "audit_events", ["project", "action", "id"]
    )
    op.create_index(
        "ix_audit_events_project_resource_type",
        "audit_events",
        ["project", "resource_type", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_audit_events_project_resource_type", table_name="audit_events")
    op.drop_index("ix_audit_events_project_action", table_name="audit_events")
