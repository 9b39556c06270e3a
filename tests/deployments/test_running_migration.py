"""Migration 0013: what runs includes a deployment whose verification failed."""

from __future__ import annotations

from typing import Any

from alembic import command
from sqlalchemy import text

from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments.ledger import change_deployment_status, record_deployment
from premiere.store import Store
from premiere.store.migrate import alembic_config

SHA = "0123456789abcdef0123456789abcdef01234567"


def _deploy(store: Store, actor: Actor, project: str, version: str, status: str) -> int:
    body = {"service": "web", "environment": "staging", "version": version, "commit_sha": SHA}
    view, _ = record_deployment(store, actor, project, body)
    change_deployment_status(store, actor, project, view["id"], {"status": status})
    return int(view["id"])


def _held(store: Store) -> Any:
    with store.engine.connect() as connection:
        return connection.execute(
            text("SELECT deployment_id FROM environment_service_state")
        ).scalar_one()


def test_migration_0013__upgrade__failed_verification_after_the_held_one_runs(
    store: Store, actor: Actor, project: str
) -> None:
    # Given 1.0.0 succeeded, then 1.1.0 whose checks failed, and 1.2.0 whose pipeline failed
    create_service(store, actor, project, {"key": "web"})
    good = _deploy(store, actor, project, "1.0.0", "succeeded")
    bad = _deploy(store, actor, project, "1.1.0", "succeeded")
    _deploy(store, actor, project, "1.2.0", "failed")
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0012")
        # as the ledger before 0013 left it: only the succeeded one held
        connection.execute(
            text("UPDATE deployments SET status = 'failed', verification_status = 'failed' "
                 "WHERE id = :bad"), {"bad": bad},
        )  # fmt: skip
        connection.execute(
            text("UPDATE environment_service_state SET deployment_id = :good, "
                 "since = (SELECT finished_at FROM deployments WHERE id = :good)"),
            {"good": good},
        )  # fmt: skip
    assert _held(store) == good
    # When the schema is upgraded
    with store.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0013")
    # Then the deployment whose verification failed is what runs; downgrading goes back
    assert _held(store) == bad
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0012")
    assert _held(store) == good
    with store.engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
