"""Releases: releases, approvals, guard decisions, release trains, scheduled flag
changes and freeze windows.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = sa.String(128)
TIME = sa.DateTime(timezone=True)


def _ref(table: str, column: str, referred: str) -> sa.Column[object]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{referred}.id", ondelete="CASCADE", name=f"fk_{table}_{column}_{referred}"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("releases", "project_id", "projects"),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("environment", KEY, nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("stage_started_at", TIME, nullable=True),
        sa.Column("hold_until", TIME, nullable=True),
        sa.Column("start_at", TIME, nullable=True),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("snapshots", JSON, nullable=False),
        sa.Column("digest", sa.String(80), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("last_transition", JSON, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_releases"),
        sa.UniqueConstraint("project_id", "key", name="uq_releases_project_id_key"),
    )
    op.create_index("ix_releases_state", "releases", ["state"])
    op.create_table(
        "release_approvals",
        sa.Column("id", BIG_ID, primary_key=True),
        _ref("release_approvals", "release_id", "releases"),
        sa.Column("digest", sa.String(80), nullable=False),
        sa.Column("approver", JSON, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("void", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_release_approvals"),
    )
    op.create_index("ix_release_approvals_release_id", "release_approvals", ["release_id"])
    op.create_table(
        "release_guard_decisions",
        sa.Column("id", BIG_ID, primary_key=True),
        _ref("release_guard_decisions", "release_id", "releases"),
        sa.Column("at", TIME, nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_release_guard_decisions"),
    )
    op.create_index(
        "ix_release_guard_decisions_release_id", "release_guard_decisions", ["release_id"]
    )
    _create_schedules()


def _create_schedules() -> None:
    op.create_table(
        "release_trains",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("release_trains", "project_id", "projects"),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("environment", KEY, nullable=True),
        sa.Column("cadence", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_release_trains"),
        sa.UniqueConstraint("project_id", "key", name="uq_release_trains_project_id_key"),
    )
    op.create_table(
        "scheduled_changes",
        sa.Column("id", BIG_ID, primary_key=True),
        _ref("scheduled_changes", "project_id", "projects"),
        sa.Column("flag", KEY, nullable=False),
        sa.Column("environment", KEY, nullable=False),
        sa.Column("patch", JSON, nullable=False),
        sa.Column("at", TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("applied_at", TIME, nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scheduled_changes"),
    )
    op.create_index("ix_scheduled_changes_status_at", "scheduled_changes", ["status", "at"])
    op.create_table(
        "freeze_windows",
        sa.Column("id", BIG_ID, primary_key=True),
        _ref("freeze_windows", "project_id", "projects"),
        sa.Column("environment", KEY, nullable=False),
        sa.Column("start", TIME, nullable=False),
        sa.Column("end", TIME, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", JSON, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_freeze_windows"),
    )
    op.create_index("ix_freeze_windows_project_id", "freeze_windows", ["project_id"])


def downgrade() -> None:
    for table in (
        "freeze_windows",
        "scheduled_changes",
        "release_trains",
        "release_guard_decisions",
        "release_approvals",
        "releases",
    ):
        op.drop_table(table)
