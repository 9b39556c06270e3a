"""SDK event counts: upserts that add to per-minute counters, and range queries.

Rows are keyed by project, environment, minute (``bucket``) and flag, variation and
reason (or custom event key, attributed flag and variation); adding to a row that
exists adds to its counts, in one ``INSERT ... ON CONFLICT DO UPDATE`` per chunk of
rows, on SQLite and PostgreSQL.
Callers pass rows whose keys are unique within one call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from premiere.store.models import CustomEventCount, FlagEvaluationCount

NO_VARIATION = -1
"""``variation`` of rows counting evaluations that served the caller's default, and of
custom event rows attributed to no flag."""
NO_FLAG = ""
"""``flag`` of custom event rows attributed to no flag."""

_CHUNK = 500  # rows per statement: SQLite allows 32,766 parameters


def add_flag_evaluation_counts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``count`` to each ``(project, environment, flag, bucket, variation, reason)``."""
    table = FlagEvaluationCount.__table__
    keys = ["project", "environment", "flag", "bucket", "variation", "reason"]
    for chunk in _chunks(rows):
        insert = _insert(session, table).values(list(chunk))
        session.execute(
            insert.on_conflict_do_update(
                index_elements=keys, set_={"count": table.c.count + insert.excluded.count}
            )
        )


def add_custom_event_counts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``count``, ``value_count``, ``value_sum`` and ``value_sum_squares`` to each
    ``(project, environment, key, bucket, flag, variation)``; ``flag`` "" and
    ``variation`` -1 (the defaults) for events attributed to no flag."""
    table = CustomEventCount.__table__
    keys = ["project", "environment", "key", "bucket", "flag", "variation"]
    full = [
        {"flag": NO_FLAG, "variation": NO_VARIATION, "value_sum_squares": 0.0, **row}
        for row in rows
    ]
    for chunk in _chunks(full):
        insert = _insert(session, table).values(list(chunk))
        session.execute(
            insert.on_conflict_do_update(
                index_elements=keys,
                set_={
                    "count": table.c.count + insert.excluded.count,
                    "value_count": table.c.value_count + insert.excluded.value_count,
                    "value_sum": table.c.value_sum + insert.excluded.value_sum,
                    "value_sum_squares": table.c.value_sum_squares
                    + insert.excluded.value_sum_squares,
                },
            )
        )


def flag_evaluation_counts(
    session: Session,
    project: str,
    environment: str,
    *,
    since: datetime,
    until: datetime,
    flag: str | None = None,
    limit: int = 10_000,
) -> list[FlagEvaluationCount]:
    """Rows with ``since <= bucket < until``, oldest first, then by flag."""
    model = FlagEvaluationCount
    statement: Select[FlagEvaluationCount] = select(model).where(
        model.project == project,
        model.environment == environment,
        model.bucket >= since,
        model.bucket < until,
    )
    if flag is not None:
        statement = statement.where(model.flag == flag)
    statement = statement.order_by(model.bucket, model.flag, model.variation, model.reason).limit(
        limit
    )
    return list(session.scalars(statement))


def custom_event_counts(
    session: Session,
    project: str,
    environment: str,
    *,
    since: datetime,
    until: datetime,
    key: str | None = None,
    limit: int = 10_000,
) -> list[CustomEventCount]:
    """Rows with ``since <= bucket < until``, oldest first, then by key, flag, variation."""
    model = CustomEventCount
    statement: Select[CustomEventCount] = select(model).where(
        model.project == project,
        model.environment == environment,
        model.bucket >= since,
        model.bucket < until,
    )
    if key is not None:
        statement = statement.where(model.key == key)
    statement = statement.order_by(model.bucket, model.key, model.flag, model.variation).limit(
        limit
    )
    return list(session.scalars(statement))


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]
