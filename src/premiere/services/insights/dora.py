"""The DORA measures of a project's deployments over a period, per bucket and in total.

Every rule of what counts is here (docs/insights.md explains them with a worked
example). A deployment belongs to the bucket of the moment its deploy step finished
(``finished_at``), and counts when it reached its environment: succeeded, rolled back,
or failed in verification (a pipeline that failed before deploying changed nothing).

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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from premiere.services.insights import bands
from premiere.services.insights.periods import Period, bucket_labels, day_labels, period_days
from premiere.services.insights.scope import Scope, load_scope
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.incidents import Incident
from premiere.store.insights import epoch_of

FLAG_OFF = "flag_off"
HALF_MS = 0.0005
DAY = 86_400
EPOCH = date(1970, 1, 1)
COUNTS = ("deployments", "verified", "failures", "rework")
MIN_LEAD_SECONDS = HALF_MS  # non-positive lead times are left out (to the millisecond)
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
        dialect = session.get_bind().dialect.name
        labels = bucket_labels(period)
        tally = _tally(session, scope, period, dialect)
    counts = tally.counts
    return {
        **scope.as_dict(),
        "period": period.as_dict(),
        "deployment_frequency": _frequency(period, labels, counts, tally.days),
        "lead_time": {
            **_durations(labels, tally.leads, bands.lead_time_band, percentiles=True),
            "distribution": _distribution([seconds for _, seconds in tally.leads]),
        },
        "change_failure_rate": _rate(labels, counts, "failures", bands.failure_rate_band),
        "recovery_time": {
            **_durations(labels, tally.recoveries, bands.recovery_band, percentiles=False),
            "unrestored": tally.unrestored,
        },
        "rework_rate": _rate(labels, counts, "rework", None),
    }


def reached() -> ColumnElement[bool]:
    """A deployment that reached its environment (see the module's docstring)."""
    return or_(
        Deployment.status.in_(("succeeded", "rolled_back")),
        and_(Deployment.status == "failed", Deployment.verification_status == "failed"),
    )


def failed() -> ColumnElement[bool]:
    named = exists().where(
        Incident.deployment_id == Deployment.id,
        or_(Incident.resolution.is_(None), Incident.resolution != FLAG_OFF),
    )
    return or_(
        Deployment.verification_status == "failed", Deployment.status == "rolled_back", named
    )


def rework() -> ColumnElement[bool]:
    return or_(Deployment.fix.is_(True), Deployment.rollback_of_id.is_not(None))


def lead_seconds(dialect: str) -> ColumnElement[float]:
    """A deployment's ``verified_at - commit_time``, in seconds."""
    return epoch_of(Deployment.verified_at, dialect) - epoch_of(Deployment.commit_time, dialect)


def counted_lead(dialect: str) -> ColumnElement[bool]:
    """A lead time that counts: verified, not a rollback, positive."""
    return and_(
        Deployment.verified_at.is_not(None),
        Deployment.rollback_of_id.is_(None),
        lead_seconds(dialect) > MIN_LEAD_SECONDS,
    )


def recovery_seconds(dialect: str) -> ColumnElement[float]:
    """From a deployment's ``finished_at`` to the next verified deployment of its service
    in its environment (an index walk; NULL: none yet)."""
    later = aliased(Deployment)
    restored = (
        select(later.verified_at)
        .where(
            later.service_id == Deployment.service_id,
            later.environment_id == Deployment.environment_id,
            later.id > Deployment.id,
            later.verified_at.is_not(None),
        )
        .order_by(later.id)
        .limit(1)
        .scalar_subquery()
    )
    return epoch_of(restored, dialect) - epoch_of(Deployment.finished_at, dialect)


def in_period(scope: Scope, period: Period) -> list[ColumnElement[bool]]:
    """The deployments a measure of ``scope`` over ``period`` counts."""
    conditions = [
        Deployment.environment_id.in_(scope.environment_ids),
        Deployment.finished_at >= period.start,
        Deployment.finished_at < period.end,
        Deployment.project_id == scope.project.id,
        reached(),
    ]
    if scope.service is not None:
        conditions.append(Deployment.service_id == scope.service.id)
    return conditions


@dataclass
class Tally:
    """What one pass over the period's deployments found, per bucket."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    days: set[date] = field(default_factory=set)
    leads: list[tuple[str, float]] = field(default_factory=list)
    recoveries: list[tuple[str, float]] = field(default_factory=list)
    unrestored: int = 0


def _tally(session: Session, scope: Scope, period: Period, dialect: str) -> Tally:
    """One indexed scan of the period's deployments; each row's moments as seconds since
    the epoch (cheap to read), its flags as 0/1, and for a failure the next verified
    deployment of its service in its environment (an index walk, for failures only)."""
    is_failure = failed()
    finished = epoch_of(Deployment.finished_at, dialect)
    verified = Deployment.verified_at.is_not(None)
    lead = lead_seconds(dialect)
    statement = select(
        finished,
        case((verified, 1), else_=0),
        case((counted_lead(dialect), lead), else_=None),
        case((is_failure, 1), else_=0),
        case((rework(), 1), else_=0),
        case((is_failure, recovery_seconds(dialect)), else_=None),
    ).where(*in_period(scope, period))
    label_of = day_labels(period)
    tally = Tally(counts={label: dict.fromkeys(COUNTS, 0) for label in set(label_of.values())})
    days: set[int] = set()
    last = label_of[max(label_of)]  # a moment a rounding away from the period's end
    for moment, ok, seconds, failure, again, back in session.execute(statement):
        day = int((moment + HALF_MS) // DAY)  # the Julian day's float, to the millisecond
        label = label_of.get(day, last)
        count = tally.counts[label]
        count["deployments"] += 1
        count["verified"] += ok
        count["failures"] += failure
        count["rework"] += again
        if ok:
            days.add(day)
        if seconds is not None:
            tally.leads.append((label, seconds))
        if failure:
            if back is None:
                tally.unrestored += 1
            else:
                tally.recoveries.append((label, max(0.0, back)))
    tally.days = {EPOCH + timedelta(days=day) for day in days}
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
    labels: list[str], values: list[tuple[str, float]], band: Any, *, percentiles: bool
) -> dict[str, Any]:
    per_bucket: dict[str, list[float]] = defaultdict(list)
    for label, seconds in values:
        per_bucket[label].append(seconds)
    everything = [seconds for _, seconds in values]

    def summary(items: list[float]) -> dict[str, Any]:
        result: dict[str, Any] = {"count": len(items), "median_seconds": bands.median(items)}
        if percentiles:
            result["p90_seconds"] = bands.percentile(items, 0.9)
        return result

    total = summary(everything)
    return {
        **total,
        "band": band(total["median_seconds"]),
        "series": [{"bucket": label, **summary(per_bucket.get(label, []))} for label in labels],
    }


def _distribution(values: list[float]) -> list[dict[str, Any]]:
    """How many lead times fall in each range (the bands' limits: an hour, a day, a week,
    30 days); a range holds its lower limit."""
    counts = dict.fromkeys([label for _, label in LEAD_RANGES] + [LONGEST_RANGE], 0)
    for value in values:
        seconds = round(value, 3)  # SQLite's Julian days: to the millisecond
        label = next((label for limit, label in LEAD_RANGES if seconds < limit), LONGEST_RANGE)
        counts[label] += 1
    return [{"range": label, "count": n} for label, n in counts.items()]


__all__ = [
    "counted_lead",
    "dora_measures",
    "failed",
    "in_period",
    "lead_seconds",
    "reached",
    "recovery_seconds",
    "rework",
]
