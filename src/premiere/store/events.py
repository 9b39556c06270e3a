"""SDK event counts: upserts that add to per-minute counters, range queries, pruning.

Rows are keyed by project, environment, minute (``bucket``), sending token and flag,
variation and reason (or custom event key, attributed flag and variation); adding to a
row that exists adds to its counts, with one ``INSERT ... ON CONFLICT DO UPDATE``
statement (compiled once, then cached) executed for all the rows, on SQLite and
PostgreSQL. Additions saturate: a count stops at :data:`MAX_STORED_COUNT` and a sum at
+/- :data:`MAX_STORED_SUM`, so that no row overflows a ``bigint`` or becomes infinite,
and later batches are still accepted. Callers pass rows whose keys are unique within
one call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from premiere.store.models import CustomEventCount, FlagEvaluationCount

NO_VARIATION = -1
"""``variation`` of rows counting evaluations that served the caller's default, and of
custom event rows attributed to no flag."""
NO_FLAG = ""
"""``flag`` of custom event rows attributed to no flag."""

MAX_STORED_COUNT = 10**15
"""The most a stored count can reach (far below a ``bigint``'s 9.2e18)."""
MAX_STORED_SUM = 1e100
"""The largest magnitude a stored value sum (or sum of squares) can reach."""
DEFAULTS = {"token": "", "source": ""}
"""``token`` and ``source`` of rows whose sender is not known."""

_CHUNK = 500  # rows per statement: SQLite allows 32,766 parameters


def add_flag_evaluation_counts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``count`` to each ``(project, environment, flag, bucket, variation, reason)``."""
    table = FlagEvaluationCount.__table__
    keys = ["project", "environment", "flag", "bucket", "variation", "reason", "token"]
    if not rows:
        return
    insert = _insert(session, table)
    upsert = insert.on_conflict_do_update(
        index_elements=keys, set_={"count": _add_count(table.c.count, insert.excluded.count)}
    )
    for chunk in _chunks([{**DEFAULTS, **row} for row in rows]):
        session.execute(upsert, list(chunk))


def add_custom_event_counts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add ``count``, ``value_count``, ``value_sum`` and ``value_sum_squares`` to each
    ``(project, environment, key, bucket, flag, variation)``; ``flag`` "" and
    ``variation`` -1 (the defaults) for events attributed to no flag."""
    table = CustomEventCount.__table__
    keys = ["project", "environment", "key", "bucket", "flag", "variation", "token"]
    full = [
        {"flag": NO_FLAG, "variation": NO_VARIATION, "value_sum_squares": 0.0, **DEFAULTS, **row}
        for row in rows
    ]
    if not full:
        return
    insert = _insert(session, table)
    new, old = insert.excluded, table.c
    upsert = insert.on_conflict_do_update(
        index_elements=keys,
        set_={
            "count": _add_count(old.count, new.count),
            "value_count": _add_count(old.value_count, new.value_count),
            "value_sum": _add_sum(old.value_sum, new.value_sum),
            "value_sum_squares": _add_sum(old.value_sum_squares, new.value_sum_squares),
        },
    )
    for chunk in _chunks(full):
        session.execute(upsert, list(chunk))


def delete_counts_before(session: Session, before: datetime, *, limit: int = 10_000) -> int:
    """Delete up to ``limit`` rows of each table whose minute is before ``before``;
    returns how many were deleted (0 when none are left)."""
    deleted = 0
    for model in (FlagEvaluationCount, CustomEventCount):
        ids = select(model.id).where(model.bucket < before).limit(limit).scalar_subquery()
        result = session.execute(delete(model).where(model.id.in_(ids)))
        deleted += int(getattr(result, "rowcount", 0) or 0)
    return deleted


def _add_count(old: Any, new: Any) -> ColumnElement[Any]:
    """``old + new``, stopping at MAX_STORED_COUNT (compared before adding: no overflow)."""
    return case((old > MAX_STORED_COUNT - new, MAX_STORED_COUNT), else_=old + new)


def _add_sum(old: Any, new: Any) -> ColumnElement[Any]:
    """``old + new`` kept within +/- MAX_STORED_SUM."""
    total = old + new
    return case(
        (total > MAX_STORED_SUM, MAX_STORED_SUM),
        (total < -MAX_STORED_SUM, -MAX_STORED_SUM),
        else_=total,
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
    """Rows with ``since <= bucket < until``, oldest first, then by flag (and token)."""
    model = FlagEvaluationCount
    statement: Select[FlagEvaluationCount] = select(model).where(
        model.project == project,
        model.environment == environment,
        model.bucket >= since,
        model.bucket < until,
    )
    if flag is not None:
        statement = statement.where(model.flag == flag)
    statement = statement.order_by(
        model.bucket, model.flag, model.variation, model.reason, model.token
    ).limit(limit)
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
    statement = statement.order_by(
        model.bucket, model.key, model.flag, model.variation, model.token
    ).limit(limit)
    return list(session.scalars(statement))


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _chunks(rows: Sequence[dict[str, Any]]) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), _CHUNK):
        yield rows[start : start + _CHUNK]
