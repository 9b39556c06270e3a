"""The deployment ledger: deployments, the flags they carry, what runs where,
verification checks, environment policies and webhook secrets.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

JSON = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
KEY = sa.String(128)
TIME = sa.DateTime(timezone=True)


def _ref(table: str, column: str, referred: str, *, primary_key: bool = False) -> sa.Column[object]:
    return sa.Column(
        column,
        sa.Integer(),
        sa.ForeignKey(f"{referred}.id", ondelete="CASCADE", name=f"fk_{table}_{column}_{referred}"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    _create_deployments()
    op.create_table(
        "deployment_features",
        sa.Column(
            "deployment_id",
            BIG_ID,
            sa.ForeignKey(
                "deployments.id",
                ondelete="CASCADE",
                name="fk_deployment_features_deployment_id_deployments",
            ),
            nullable=False,
        ),
        sa.Column("flag_key", KEY, nullable=False),
        _ref("deployment_features", "project_id", "projects"),
        sa.PrimaryKeyConstraint("deployment_id", "flag_key", name="pk_deployment_features"),
    )
    op.create_index(
        "ix_deployment_features_project_flag",
        "deployment_features",
        ["project_id", "flag_key", "deployment_id"],
    )
    op.create_table(
        "environment_service_state",
        _ref("environment_service_state", "service_id", "services"),
        _ref("environment_service_state", "environment_id", "environments"),
        _ref("environment_service_state", "project_id", "projects"),
        sa.Column("deployment_id", sa.BigInteger(), nullable=False),
        sa.Column("since", TIME, nullable=False),
        sa.PrimaryKeyConstraint(
            "service_id", "environment_id", name="pk_environment_service_state"
        ),
    )
    op.create_index(
        "ix_environment_service_state_project_id", "environment_service_state", ["project_id"]
    )
    op.create_table(
        "verification_checks",
        sa.Column("id", sa.Integer(), primary_key=True),
        _ref("verification_checks", "service_id", "services"),
        sa.Column("key", KEY, nullable=False),
        sa.Column("environment", KEY, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("spec", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification_checks"),
        sa.UniqueConstraint("service_id", "key", name="uq_verification_checks_service_id_key"),
    )
    op.create_table(
        "environment_policies",
        _ref("environment_policies", "environment_id", "environments"),
        sa.Column("require_verified_in_previous", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("environment_id", name="pk_environment_policies"),
    )
    op.create_table(
        "webhook_secrets",
        _ref("webhook_secrets", "project_id", "projects"),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("secret", sa.String(500), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "provider", name="pk_webhook_secrets"),
    )


def _create_deployments() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", BIG_ID, primary_key=True),
        _ref("deployments", "project_id", "projects"),
        _ref("deployments", "service_id", "services"),
        _ref("deployments", "environment_id", "environments"),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("commit_sha", sa.String(64), nullable=False),
        sa.Column("commit_time", TIME, nullable=True),
        sa.Column("commits", JSON, nullable=False),
        sa.Column("artifact", sa.String(500), nullable=True),
        sa.Column("pipeline_url", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("actor_kind", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=False),
        sa.Column("actor_name", sa.String(200), nullable=False),
        sa.Column("log_excerpt", sa.Text(), nullable=False),
        sa.Column("log_truncated", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=True),
        sa.Column("features", JSON, nullable=False),
        sa.Column("verification_status", sa.String(16), nullable=False),
        sa.Column("checks", JSON, nullable=False),
        sa.Column("promoted_from_id", sa.BigInteger(), nullable=True),
        sa.Column("rollback_of_id", sa.BigInteger(), nullable=True),
        sa.Column("rolled_back_by_id", sa.BigInteger(), nullable=True),
        sa.Column("time_to_restore_ms", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("finished_at", TIME, nullable=True),
        sa.Column("verified_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_deployments"),
        sa.UniqueConstraint(
            "project_id", "idempotency_key", name="uq_deployments_project_id_idempotency_key"
        ),
    )
    op.create_index("ix_deployments_project_id_id", "deployments", ["project_id", "id"])
    op.create_index(
        "ix_deployments_service_environment",
        "deployments",
        ["service_id", "environment_id", "id"],
    )
    op.create_index("ix_deployments_environment_id", "deployments", ["environment_id", "id"])
    op.create_index(
        "ix_deployments_service_environment_version",
        "deployments",
        ["service_id", "environment_id", "version"],
    )


def downgrade() -> None:
    for table in (
        "webhook_secrets",
        "environment_policies",
        "verification_checks",
        "environment_service_state",
        "deployment_features",
        "deployments",
    ):
        op.drop_table(table)
