"""DORA performance bands and the statistics behind them (one place for every threshold).

Thresholds follow the DORA 2023 and 2024 State of DevOps reports (see docs/insights.md):

- lead time for changes: elite under a day, high under a week, medium under a month
  (30 days), low beyond;
- failed deployment recovery time: elite under an hour, high under a day, medium under
  a week, low beyond;
- change failure rate: elite at most 5 %, high at most 10 %, medium at most 15 %, low
  above (the 2023 clusters; 2024's are not ordered: its medium cluster failed less
  often than its high one);
- deployment frequency: the Four Keys classification of the period's days (daily,
  weekly, monthly, yearly), mapped to elite, high, medium, low;
- deployment rework rate: no band (the 2024 report introduced it without clusters).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

HOUR = 3_600
DAY = 86_400
LEAD_TIME_LIMITS = ((DAY, "elite"), (7 * DAY, "high"), (30 * DAY, "medium"))
RECOVERY_LIMITS = ((HOUR, "elite"), (DAY, "high"), (7 * DAY, "medium"))
FAILURE_RATE_LIMITS = ((0.05, "elite"), (0.10, "high"), (0.15, "medium"))
FREQUENCY_BANDS = {"daily": "elite", "weekly": "high", "monthly": "medium", "yearly": "low"}


def lead_time_band(median_seconds: float | None) -> str | None:
    return _below(median_seconds, LEAD_TIME_LIMITS)


def recovery_band(median_seconds: float | None) -> str | None:
    return _below(median_seconds, RECOVERY_LIMITS)


def failure_rate_band(rate: float | None) -> str | None:
    if rate is None:
        return None
    return next((band for limit, band in FAILURE_RATE_LIMITS if rate <= limit), "low")


def four_keys_frequency(days: Sequence[date], deployed: set[date]) -> str:
    """Four Keys' deployment frequency over ``days``: grouped in weeks (Monday first),
    ``daily`` when the median week had deployments on 3 days or more, ``weekly`` when
    the median week had one, ``monthly`` when the median week's month had a week with
    one, else ``yearly``."""
    weeks: dict[date, list[date]] = {}
    for day in days:
        weeks.setdefault(date.fromordinal(day.toordinal() - day.weekday()), []).append(day)
    days_deployed = [sum(d in deployed for d in week) for week in weeks.values()]
    week_deployed = [1 if n else 0 for n in days_deployed]
    per_month: dict[tuple[int, int], int] = {}
    for start, flag in zip(weeks, week_deployed, strict=True):
        per_month[(start.year, start.month)] = per_month.get((start.year, start.month), 0) + flag
    monthly = [per_month[(start.year, start.month)] for start in weeks]
    if (median(days_deployed) or 0) >= 3:
        return "daily"
    if (median(week_deployed) or 0) >= 1:
        return "weekly"
    if (median(monthly) or 0) >= 1:
        return "monthly"
    return "yearly"


def median(values: Sequence[float]) -> float | None:
    return percentile(values, 0.5)


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between the closest ranks (as ``percentile_cont``)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    value = ordered[low] + (ordered[high] - ordered[low]) * (position - low)
    return round(value, 3)


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _below(value: float | None, limits: Sequence[tuple[float, str]]) -> str | None:
    if value is None:
        return None
    return next((band for limit, band in limits if value < limit), "low")
