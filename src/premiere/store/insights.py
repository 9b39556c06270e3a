"""SQL the delivery insights read with, per database: a moment as seconds since the
epoch, and the values of a group gathered into one list.

SQLite stores naive UTC text (``store/types.py``); PostgreSQL ``timestamptz``. Both
expressions give the same answers.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Float, func
from sqlalchemy.sql.elements import ColumnElement

GRAINS = ("day", "week", "month")
UNIX_EPOCH_JULIAN_DAY = 2_440_587.5
DAY_SECONDS = 86_400


def epoch_of(column: Any, dialect: str) -> ColumnElement[float]:
    """``column`` as seconds since 1970-01-01T00:00:00Z (a float; NULL stays NULL).
    On SQLite it is derived from the Julian day: round it to milliseconds."""
    if dialect == "postgresql":
        return func.date_part("epoch", column, type_=Float)  # a double, unlike extract()
    return (func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * float(DAY_SECONDS)


def gathered(column: Any, condition: Any, dialect: str) -> ColumnElement[Any]:
    """An aggregate: the group's values of ``column`` where ``condition`` holds, as one
    list (read it with :func:`read_gathered`; NULLs are kept)."""
    if dialect == "postgresql":
        return func.array_agg(column).filter(condition)
    return func.json_group_array(column).filter(condition)


def read_gathered(value: Any) -> list[Any]:
    """What :func:`gathered` read: a list (PostgreSQL), JSON text (SQLite) or NULL."""
    if value is None:
        return []
    if isinstance(value, str):
        return list(json.loads(value))
    return list(value)
