"""SQL the delivery insights read with, per database: a moment as seconds since the
epoch (a float, cheap to read in bulk), the bucket a moment falls in, and the seconds
between two moments.

SQLite stores naive UTC text (``store/types.py``); PostgreSQL ``timestamptz``. Both
expressions give the same answers: a bucket is named by the UTC date it starts on
(``2026-03-02``; weeks start on Monday, months on the 1st).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, cast, func
from sqlalchemy.sql.elements import ColumnElement

GRAINS = ("day", "week", "month")


def bucket_of(column: Any, grain: str, dialect: str) -> ColumnElement[str]:
    """The UTC date (``YYYY-MM-DD``) starting the ``grain`` bucket that ``column`` is in."""
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")
    if dialect == "postgresql":
        start = func.date_trunc(grain, func.timezone("UTC", column))
        return func.to_char(start, "YYYY-MM-DD")
    if grain == "day":
        return func.date(column)
    if grain == "week":  # the Monday on or before the day
        return func.date(column, "-6 days", "weekday 1")
    return func.strftime("%Y-%m-01", column)


def seconds_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[float]:
    """``later - earlier`` in seconds (a float; negative when ``later`` is earlier)."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * 86_400.0


def epoch_of(column: Any, dialect: str) -> ColumnElement[float]:
    """``column`` as seconds since 1970-01-01T00:00:00Z (a float; NULL stays NULL).
    On SQLite it is derived from the Julian day: round it to milliseconds."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - 2_440_587.5) * 86_400.0
