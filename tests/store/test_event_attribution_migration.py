"""Migration 0006: attributed custom event rows fold back into one row per key and
minute on downgrade."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from premiere.store import Store
from premiere.store import events as event_store
from premiere.store.migrate import alembic_config


def test_migration_0006__downgrade__attributed_rows_fold_into_one(database_url: str) -> None:
    store = Store.open(database_url)
    bucket = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    place = {"project": "p", "environment": "e", "key": "error", "bucket": bucket}
    try:
        with store.write() as session:
            event_store.add_custom_event_counts(
                session,
                [
                    {**place, "count": 1, "value_count": 1, "value_sum": 2.0},
                    {
                        **place,
                        "flag": "f",
                        "variation": 0,
                        "count": 2,
                        "value_count": 0,
                        "value_sum": 0.0,
                    },
                    {
                        **place,
                        "flag": "f",
                        "variation": 1,
                        "count": 4,
                        "value_count": 1,
                        "value_sum": 3.0,
                        "value_sum_squares": 9.0,
                    },
                    {
                        **place,
                        "flag": "g",
                        "variation": 1,
                        "key": "slow",
                        "count": 8,
                        "value_count": 0,
                        "value_sum": 0.0,
                    },
                ],
            )
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0005")
        with store.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT key, count, value_count, value_sum FROM custom_event_counts"
                    " ORDER BY key"
                )
            ).all()
        assert [tuple(r) for r in rows] == [("error", 7, 2, 5.0), ("slow", 8, 0, 0.0)]
    finally:
        store.close()
    Store.open(database_url).close()  # and up again
