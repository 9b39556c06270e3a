"""The numbers the delivery insights read from each deployment row: ``lead_seconds``
(``verified_at - commit_time``) and ``finished_day`` (the UTC day it finished on), kept
as the row changes and filled in by migration 0023 for rows written before it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import select, text

from premiere.store import Store
from premiere.store.deployments import Deployment, day_number
from premiere.store.migrate import alembic_config, upgrade_to_head
from tests.insights.history import build_history

BEFORE = "0022"  # the revision before the insights columns


def test_day_number__utc_day__any_offset() -> None:
    assert day_number(datetime(1970, 1, 2, 0, 0, tzinfo=UTC)) == 1
    assert day_number(datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=UTC)) == 20514
    # 01:30 at +02:00 is 23:30 UTC the day before
    assert day_number(datetime(2026, 3, 3, 1, 30, tzinfo=timezone(timedelta(hours=2)))) == 20514
    assert day_number(None) is None


def test_deployment_row__verified_later__lead_and_day_follow(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        ids = build_history(store)
        with store.write() as session:
            row = session.get(Deployment, ids["D5"])  # failed verification: no lead time
            assert row is not None and row.verified_at is None
            assert row.lead_seconds is None
            assert row.finished_day == day_number(row.finished_at) == 20521  # 2026-03-09
            # When its verification passes after all, an hour and a half later
            assert row.finished_at is not None
            row.verified_at = row.finished_at + timedelta(minutes=90)
        with store.read() as session:
            row = session.get(Deployment, ids["D5"])
            assert row is not None
            # Then its lead time runs from the commit (10:00) to the verification (13:30)
            assert row.lead_seconds == pytest.approx(3.5 * 3600)
    finally:
        store.close()


def test_migration_0023__rows_written_before__filled_in(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        ids = build_history(store)
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), BEFORE)
        upgrade_to_head(store.engine)
        with store.read() as session:
            rows = {row.id: row for row in session.scalars(select(Deployment))}
            filled = session.execute(
                text("SELECT count(*) FROM deployments WHERE finished_day IS NULL")
            ).scalar_one()
        assert filled == 0
        d1, d4 = rows[ids["D1"]], rows[ids["D4"]]
        assert d1.lead_seconds == pytest.approx(2 * 3600, abs=0.001)  # 08:00 to 10:00
        assert d4.lead_seconds is None  # no commit time
        assert {row.finished_day for row in rows.values()} == {
            day_number(row.finished_at) for row in rows.values()
        }
        assert d1.finished_day == 20514  # 2026-03-02
    finally:
        store.close()
