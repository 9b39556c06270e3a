"""Initial schema: projects, environments, services, flags, flag configs, segments,
audit events, API tokens and the change feed.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = sa.String(128)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _ref(table: str, column: str, referred: str) -> sa.Column[object]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{referred}.id", ondelete="CASCADE", name=f"fk_{table}_{column}_{referred}"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
        sa.UniqueConstraint("key", name="uq_projects_key"),
    )
    op.create_table(
        "environments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("environments", "project_id", "projects"),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("production", sa.Boolean(), nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_environments"),
        sa.UniqueConstraint("project_id", "key", name="uq_environments_project_id_key"),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("services", "project_id", "projects"),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("repository", sa.String(500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_services"),
        sa.UniqueConstraint("project_id", "key", name="uq_services_project_id_key"),
    )
    op.create_table(
        "flags",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("flags", "project_id", "projects"),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("variations", JSON, nullable=False),
        sa.Column("tags", JSON, nullable=False),
        sa.Column("client_visible", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("salt", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_flags"),
        sa.UniqueConstraint("project_id", "key", name="uq_flags_project_id_key"),
    )
    op.create_table(
        "flag_configs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("flag_configs", "flag_id", "flags"),
        _ref("flag_configs", "environment_id", "environments"),
        sa.Column("config", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_flag_configs"),
        sa.UniqueConstraint(
            "flag_id", "environment_id", name="uq_flag_configs_flag_id_environment_id"
        ),
    )
    op.create_index("ix_flag_configs_environment_id", "flag_configs", ["environment_id"])
    op.create_table(
        "segments",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("segments", "project_id", "projects"),
        sa.Column("key", KEY, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("included", JSON, nullable=False),
        sa.Column("excluded", JSON, nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_segments"),
        sa.UniqueConstraint("project_id", "key", name="uq_segments_project_id_key"),
    )
    op.create_table(
        "audit_events",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("project", KEY, nullable=True),
        sa.Column("resource_type", sa.String(32), nullable=False),
        sa.Column("resource_key", sa.String(200), nullable=False),
        sa.Column("environment", KEY, nullable=True),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_events"),
    )
    op.create_index("ix_audit_events_project_id", "audit_events", ["project", "id"])
    op.create_index(
        "ix_audit_events_resource", "audit_events", ["resource_type", "resource_key", "id"]
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("project", KEY, nullable=True),
        sa.Column("environment", KEY, nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
    )
    op.create_table(
        "changes",
        sa.Column("seq", BIG_ID, primary_key=True),
        sa.Column("project", KEY, nullable=False),
        sa.Column("environment", KEY, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", KEY, nullable=False),
        sa.Column("document_version", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_changes"),
    )
    op.create_index("ix_changes_project_environment", "changes", ["project", "environment", "seq"])


def downgrade() -> None:
    for table in (
        "changes",
        "api_tokens",
        "audit_events",
        "segments",
        "flag_configs",
        "flags",
        "services",
        "environments",
        "projects",
    ):
        op.drop_table(table)
