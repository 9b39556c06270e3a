"""The period an insight covers, ``[from, to)`` in UTC, and its buckets.

A bucket is named by the UTC date it starts on: a day at midnight UTC, a week on
Monday, a month on the 1st. The first bucket is the one ``from`` falls in, the last
the one just before ``to``; a bucket may reach outside the period, but only what lies
inside the period counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from premiere.services.deployments.rules import parse_time
from premiere.services.mappers import format_time
from premiere.services.validation import Validator
from premiere.store.insights import GRAINS

MAX_PERIOD_DAYS = 400
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime
    grain: str

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86_400

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def as_dict(self) -> dict[str, str]:
        return {"from": format_time(self.start), "to": format_time(self.end), "grain": self.grain}


def parse_period(data: Mapping[str, Any], now: datetime) -> Period:
    """``from``, ``to`` (RFC 3339; a date alone means its midnight UTC; any offset) and
    ``grain`` (day, week, month). ``to`` defaults to ``now``, ``from`` to 30 days
    before ``to``, ``grain`` to ``week``. Refused: a reversed or empty period, one
    longer than 400 days."""
    validator = Validator(data)
    validator.allowed(("from", "to", "grain"))
    start, end = _moment(validator, "from"), _moment(validator, "to")
    grain = data.get("grain") or "week"
    if grain not in GRAINS:
        validator.add("grain", "enum", f"must be one of {', '.join(GRAINS)}")
    validator.raise_if_any()
    end = end or now
    start = start or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        validator.add("to", "after_from", "must be later than from")
    elif end - start > timedelta(days=MAX_PERIOD_DAYS):
        validator.add("to", "period_too_long", f"must be at most {MAX_PERIOD_DAYS} days after from")
    validator.raise_if_any()
    return Period(start, end, str(grain))


def bucket_start(moment: datetime, grain: str) -> date:
    day = moment.astimezone(UTC).date()
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def bucket_labels(period: Period) -> list[str]:
    """Every bucket's name (``YYYY-MM-DD``) from the one ``from`` is in to ``to``'s."""
    labels: list[str] = []
    current = bucket_start(period.start, period.grain)
    last = bucket_start(period.end - timedelta(microseconds=1), period.grain)
    while current <= last:
        labels.append(current.isoformat())
        current = _next(current, period.grain)
    return labels


def day_labels(period: Period) -> dict[int, str]:
    """For each UTC day the period touches (as days since 1970-01-01), its bucket's name."""
    epoch = date(1970, 1, 1)
    return {
        (day - epoch).days: bucket_start(
            datetime(day.year, day.month, day.day, tzinfo=UTC), period.grain
        ).isoformat()
        for day in period_days(period)
    }


def period_days(period: Period) -> list[date]:
    """The UTC days the period touches."""
    first = period.start.date()
    last = (period.end - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _next(day: date, grain: str) -> date:
    if grain == "day":
        return day + timedelta(days=1)
    if grain == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _moment(validator: Validator, field: str) -> datetime | None:
    value = validator.data.get(field)
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) == 10:
        value = value + "T00:00:00+00:00"
    moment = parse_time(value)
    if moment is None:
        validator.add(field, "datetime", "must be an RFC 3339 date-time or a date (2026-01-31)")
    return moment
