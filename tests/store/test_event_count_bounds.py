"""Stored SDK event counts saturate instead of overflowing (a bigint on PostgreSQL, an
infinity in a float), so that later valid batches are still accepted; pruning deletes
minutes before a cut-off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from premiere.store import Store
from premiere.store import events as event_store
from premiere.store.models import CustomEventCount, FlagEvaluationCount

BUCKET = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
PLACE = {"project": "p", "environment": "e", "bucket": BUCKET, "token": "t", "source": "sdk-server"}


def test_add_counts__past_the_bound__saturate_and_later_adds_accepted(store: Store) -> None:
    near = event_store.MAX_STORED_COUNT - 5
    flag = {**PLACE, "flag": "f", "variation": 0, "reason": "OFF"}
    custom = {**PLACE, "key": "latency", "value_count": 1, "value_sum_squares": 1.0}
    with store.write() as session:
        event_store.add_flag_evaluation_counts(session, [{**flag, "count": near}])
        event_store.add_custom_event_counts(
            session, [{**custom, "count": near, "value_sum": event_store.MAX_STORED_SUM}]
        )
    for _ in range(2):
        with store.write() as session:
            event_store.add_flag_evaluation_counts(session, [{**flag, "count": 10**12}])
            event_store.add_custom_event_counts(
                session, [{**custom, "count": 10**12, "value_sum": 1e18}]
            )

    with store.read() as session:
        (evaluations,) = session.scalars(select(FlagEvaluationCount))
        (events,) = session.scalars(select(CustomEventCount))
        assert evaluations.count == event_store.MAX_STORED_COUNT
        assert events.count == event_store.MAX_STORED_COUNT
        assert events.value_count == 3
        assert events.value_sum == event_store.MAX_STORED_SUM


def test_delete_counts_before__only_older_minutes(store: Store) -> None:
    rows = [
        {**PLACE, "bucket": BUCKET - timedelta(minutes=m), "flag": "f", "variation": 0,
         "reason": "OFF", "count": 1}
        for m in range(3)
    ]  # fmt: skip
    with store.write() as session:
        event_store.add_flag_evaluation_counts(session, rows)
        deleted = event_store.delete_counts_before(session, BUCKET - timedelta(minutes=1))
    with store.read() as session:
        left = session.scalar(select(func.count()).select_from(FlagEvaluationCount))
    assert (deleted, left) == (1, 2)
