"""The audit log's indexes: each filter of a project's log reads its page by an index,
also on a SQLite database whose planner statistics predate them (migration 0017)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from premiere.store import Store
from premiere.store.migrate import alembic_config

LATEST = "SELECT id FROM audit_events WHERE project = 'p' {} ORDER BY id DESC LIMIT 11"


def _plan(connection: Connection, where: str = "") -> str:
    rows = connection.execute(text("EXPLAIN QUERY PLAN " + LATEST.format(where)))
    return " ".join(str(row[-1]) for row in rows)


def test_migration_0017__sqlite_with_statistics__each_filter_by_its_index(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'premiere.db'}"
    Store.open(url).close()
    store = Store.open(url, migrate=False)
    try:
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0016")
            rows = [
                {"at": "2026-12-01 00:00:00", "action": f"deployment.{n % 2}", "key": str(n)}
                for n in range(3_000)
            ]
            connection.execute(
                text(
                    "INSERT INTO audit_events (at, actor_kind, actor_id, actor_name, action, "
                    "project, resource_type, resource_key) VALUES "
                    "(:at, 'token', 'ci', 'ci', :action, 'p', 'deployment', :key)"
                ),
                rows,
            )
            connection.execute(text("ANALYZE"))  # statistics of the indexes before 0017
            command.upgrade(alembic_config(connection), "head")
            latest = _plan(connection)
            by_action = _plan(connection, "AND action = 'release.started'")
            by_type = _plan(connection, "AND resource_type = 'release'")
    finally:
        store.close()
    assert "ix_audit_events_project_id" in latest and "TEMP B-TREE" not in latest
    assert "ix_audit_events_project_action" in by_action
    assert "ix_audit_events_project_resource_type" in by_type
