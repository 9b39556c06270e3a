"""The DORA measures of a project's deployments over a period, per bucket and in total.

The rules of what counts (docs/insights.md explains them with a worked example; the
SQL that applies them is ``ledger.py``'s). A deployment belongs to the bucket of the
moment its deploy step finished (``finished_at``), and counts when it reached its
environment: succeeded, rolled back, or failed in verification (a pipeline that failed
before deploying changed nothing).

- deployment frequency: the deployments verified (``verified_at`` set);
- lead time for changes: a verified deployment's ``verified_at - commit_time``
  (rollbacks, which redeploy old commits, missing and non-positive times left out);
- change failure rate: the deployments that failed verification, were rolled back or
  are named by an incident (not one resolved by turning a flag off: that is a failed
  release), each once, over all;
- failed deployment recovery time: from a failure's ``finished_at`` to the next
  verified deployment of its service in its environment (a fix or the rollback);
- deployment rework rate: the deployments marked ``fix`` or that roll back a failure,
  over all.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from premiere.services.insights import bands
from premiere.services.insights.ledger import Day, read_days
from premiere.services.insights.periods import Period, bucket_labels, day_labels, period_days
from premiere.services.insights.scope import load_scope
from premiere.store import Store

HALF_MS = 0.0005
DAY = 86_400
EPOCH = date(1970, 1, 1)
COUNTS = ("deployments", "verified", "failures", "rework")
LEAD_RANGES = (
    (bands.HOUR, "under 1 hour"),
    (DAY, "1 hour to 1 day"),
    (7 * DAY, "1 day to 1 week"),
    (30 * DAY, "1 week to 30 days"),
)
LONGEST_RANGE = "30 days or more"


def dora_measures(
    store: Store,
    project: str,
    period: Period,
    *,
    service: str | None = None,
    environment: str | None = None,
) -> dict[str, Any]:
    """The five measures as a JSON-ready dict: each with its total, its band and a
    series with one entry per bucket of ``period``."""
    with store.read() as session:
        scope = load_scope(session, project, service=service, environment=environment)
        labels = bucket_labels(period)
        tally = _tally(read_days(session, scope, period), period)
    counts = tally.counts
    return {
        **scope.as_dict(),
        "period": period.as_dict(),
        "deployment_frequency": _frequency(period, labels, counts, tally.days),
        "lead_time": {
            **_durations(labels, tally.leads, bands.lead_time_band, percentiles=True),
            "distribution": _distribution(tally.leads),
        },
        "change_failure_rate": _rate(labels, counts, "failures", bands.failure_rate_band),
        "recovery_time": {
            **_durations(labels, tally.recoveries, bands.recovery_band, percentiles=False),
            "unrestored": tally.unrestored,
        },
        "rework_rate": _rate(labels, counts, "rework", None),
    }


@dataclass
class Tally:
    """The period's days gathered into its buckets."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    days: set[date] = field(default_factory=set)
    leads: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    recoveries: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    unrestored: int = 0


def _tally(days: dict[int, Day], period: Period) -> Tally:
    label_of = day_labels(period)
    last = label_of[max(label_of)]  # SQLite: a moment a millisecond's rounding past the end
    tally = Tally(counts={label: dict.fromkeys(COUNTS, 0) for label in set(label_of.values())})
    for number, day in days.items():
        label = label_of.get(number, last)
        count = tally.counts[label]
        count["deployments"] += day.deployments
        count["verified"] += day.verified
        count["failures"] += day.failures
        count["rework"] += day.rework
        if day.verified:
            tally.days.add(EPOCH + timedelta(days=number))
        tally.leads[label].extend(day.leads)
        for seconds in day.recoveries:
            if seconds is None:
                tally.unrestored += 1
            else:
                tally.recoveries[label].append(max(0.0, seconds))
    return tally


def _frequency(
    period: Period, labels: list[str], counts: dict[str, dict[str, int]], days: set[date]
) -> dict[str, Any]:
    verified = sum(c["verified"] for c in counts.values())
    four_keys = bands.four_keys_frequency(period_days(period), days)
    return {
        "total": verified,
        "per_day": round(verified / period.days, 4),
        "days_deployed": len(days),
        "four_keys": four_keys,
        "band": bands.FREQUENCY_BANDS[four_keys],
        "series": [
            {"bucket": b, "deployments": counts.get(b, {}).get("verified", 0)} for b in labels
        ],
    }


def _rate(
    labels: list[str], counts: dict[str, dict[str, int]], part: str, band: Any
) -> dict[str, Any]:
    total = sum(c["deployments"] for c in counts.values())
    hits = sum(c[part] for c in counts.values())
    rate = bands.ratio(hits, total)
    series = []
    for label in labels:
        c = counts.get(label, {"deployments": 0, part: 0})
        n, k = c["deployments"], c[part]
        series.append({"bucket": label, "deployments": n, part: k, "rate": bands.ratio(k, n)})
    return {
        "deployments": total,
        part: hits,
        "rate": rate,
        "band": None if band is None else band(rate),
        "series": series,
    }


def _durations(
    labels: list[str], per_bucket: dict[str, list[float]], band: Any, *, percentiles: bool
) -> dict[str, Any]:
    def summary(items: list[float]) -> dict[str, Any]:
        items.sort()  # the percentiles find it sorted; the total, sorted runs
        result: dict[str, Any] = {"count": len(items), "median_seconds": bands.median(items)}
        if percentiles:
            result["p90_seconds"] = bands.percentile(items, 0.9)
        return result

    series = [{"bucket": label, **summary(per_bucket.get(label, []))} for label in labels]
    total = summary([seconds for label in labels for seconds in per_bucket.get(label, [])])
    return {**total, "band": band(total["median_seconds"]), "series": series}


def _distribution(per_bucket: dict[str, list[float]]) -> list[dict[str, Any]]:
    """How many lead times fall in each range (the bands' limits: an hour, a day, a week,
    30 days); a range holds its lower limit. Times are compared to the millisecond
    (SQLite's Julian days are exact to it)."""
    ordered = sorted(seconds for values in per_bucket.values() for seconds in values)
    result, below = [], 0
    for limit, label in LEAD_RANGES:
        upto = bisect_left(ordered, limit - HALF_MS)
        result.append({"range": label, "count": upto - below})
        below = upto
    result.append({"range": LONGEST_RANGE, "count": len(ordered) - below})
    return result


__all__ = ["dora_measures"]
