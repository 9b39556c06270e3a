"""What runs includes deployments whose verification failed, and those verifying.

A deployment runs in its environment from the end of its deploy step (``verifying``),
also when its checks then fail; before, ``environment_service_state`` held only the
latest succeeded deployment. Each service and environment whose deployment reached
``verifying`` after the one the table holds became current (``since`` later than the
row's) gets it now; its ``since`` is when its deploy step finished.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

RUNNING_UNSUCCEEDED = (
    "(d.status = 'verifying' OR (d.status = 'failed' AND d.verification_status <> 'none'))"
)


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT d.service_id, d.environment_id, d.project_id, d.id, d.finished_at, "
            "s.deployment_id FROM deployments d LEFT JOIN environment_service_state s "
            "ON s.service_id = d.service_id AND s.environment_id = d.environment_id "
            f"WHERE {RUNNING_UNSUCCEEDED} AND d.finished_at IS NOT NULL "
            "AND (s.deployment_id IS NULL OR d.finished_at > s.since) "
            "ORDER BY d.finished_at, d.id"
        )
    ).all()
    latest = {(row[0], row[1]): row for row in rows}  # the last to finish, per slot
    for service_id, environment_id, project_id, deployment_id, finished_at, held in latest.values():
        values = {
            "service": service_id,
            "environment": environment_id,
            "project": project_id,
            "deployment": deployment_id,
            "since": finished_at,
        }
        if held is None:
            connection.execute(
                sa.text(
                    "INSERT INTO environment_service_state "
                    "(service_id, environment_id, project_id, deployment_id, since) "
                    "VALUES (:service, :environment, :project, :deployment, :since)"
                ),
                values,
            )
        else:
            connection.execute(
                sa.text(
                    "UPDATE environment_service_state SET deployment_id = :deployment, "
                    "since = :since WHERE service_id = :service "
                    "AND environment_id = :environment"
                ),
                values,
            )


def downgrade() -> None:
    """Back to the latest succeeded deployment (by id) where another one is held."""
    connection = op.get_bind()
    held = connection.execute(
        sa.text(
            "SELECT s.service_id, s.environment_id FROM environment_service_state s "
            "JOIN deployments d ON d.id = s.deployment_id WHERE d.status <> 'succeeded'"
        )
    ).all()
    for service_id, environment_id in held:
        slot = {"service": service_id, "environment": environment_id}
        succeeded = connection.execute(
            sa.text(
                "SELECT id, finished_at FROM deployments WHERE service_id = :service "
                "AND environment_id = :environment AND status = 'succeeded' "
                "ORDER BY id DESC LIMIT 1"
            ),
            slot,
        ).first()
        if succeeded is None:
            connection.execute(
                sa.text(
                    "DELETE FROM environment_service_state WHERE service_id = :service "
                    "AND environment_id = :environment"
                ),
                slot,
            )
            continue
        connection.execute(
            sa.text(
                "UPDATE environment_service_state SET deployment_id = :deployment, "
                "since = :since WHERE service_id = :service AND environment_id = :environment"
            ),
            {**slot, "deployment": succeeded[0], "since": succeeded[1]},
        )
