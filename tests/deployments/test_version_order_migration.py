"""Migration 0007: existing deployments get the version order the matrix compares."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.deployments.ledger import record_deployment
from premiere.store import Store
from premiere.store.deployments import version_order
from premiere.store.migrate import alembic_config

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_migration_0007__upgrade__existing_rows_get_their_version_order(
    store: Store, actor: Actor, project: str
) -> None:
    create_service(store, actor, project, {"key": "web"})
    for version in ("1.2.3-rc.1", "v1.10.0", "build-7"):
        record_deployment(
            store,
            actor,
            project,
            {"service": "web", "environment": "staging", "version": version, "commit_sha": SHA},
        )
    with store.engine.begin() as connection:
        command.downgrade(alembic_config(connection), "0006")
        command.upgrade(alembic_config(connection), "0007")
    with store.engine.connect() as connection:
        rows = connection.execute(text("SELECT version, version_order FROM deployments")).all()

    assert sorted(rows) == sorted(
        (version, version_order(version)) for version in ("1.2.3-rc.1", "v1.10.0", "build-7")
    )
    assert dict(rows)["build-7"] is None
