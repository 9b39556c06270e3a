"""Migration 0008: event count rows from before keep being readable (no token, no
source), infinite sums are clamped; on downgrade the rows of all tokens of a minute
fold into one."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from premiere.services import SYSTEM
from premiere.services.environments import create_environment
from premiere.services.projects import create_project
from premiere.services.sdk import events as event_service
from premiere.store import Store
from premiere.store import events as event_store
from premiere.store.migrate import alembic_config

BUCKET = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def test_migration_0008__legacy_rows__readable_without_token_and_finite(
    database_url: str,
) -> None:
    store = Store.open(database_url)
    try:
        create_project(store, SYSTEM, {"key": "p"})
        create_environment(store, SYSTEM, "p", {"key": "e"})
        place = {"project": "p", "environment": "e", "bucket": BUCKET}
        with store.write() as session:  # as written before bounds: then back to 0007
            event_store.add_flag_evaluation_counts(
                session, [{**place, "flag": "f", "variation": 0, "reason": "FALLTHROUGH",
                           "count": 9 * 10**18}]
            )  # fmt: skip
            event_store.add_custom_event_counts(
                session, [{**place, "key": "latency", "count": 2, "value_count": 2,
                           "value_sum": float("inf")}]
            )  # fmt: skip
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0007")
            command.upgrade(alembic_config(connection), "head")

        window = {"since": BUCKET, "until": BUCKET.replace(hour=13)}
        (evaluations,) = event_service.list_flag_evaluations(store, "p", "e", **window)
        (custom,) = event_service.list_custom_events(store, "p", "e", **window)

        assert (evaluations["token"], evaluations["source"]) == (None, None)
        assert evaluations["count"] == event_store.MAX_STORED_COUNT
        assert (custom["token"], custom["source"]) == (None, None)
        assert custom["value_sum"] == event_store.MAX_STORED_SUM
    finally:
        store.close()


def test_migration_0008__downgrade__rows_of_all_tokens_fold_into_one(database_url: str) -> None:
    store = Store.open(database_url)
    place = {"project": "p", "environment": "e", "flag": "f", "bucket": BUCKET}
    try:
        with store.write() as session:
            event_store.add_flag_evaluation_counts(
                session,
                [
                    {**place, "variation": 0, "reason": "OFF", "count": 2, "token": "a"},
                    {**place, "variation": 0, "reason": "OFF", "count": 3, "token": "b"},
                ],
            )
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0007")
        with store.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT flag, variation, reason, count FROM flag_evaluation_counts")
            ).all()
        assert [tuple(r) for r in rows] == [("f", 0, "OFF", 5)]
    finally:
        store.close()
    Store.open(database_url).close()  # and up again
