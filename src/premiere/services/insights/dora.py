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
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from premiere.services.insights import bands
from premiere.services.insights.periods import Period, bucket_labels, period_days
from premiere.services.insights.scope import Scope, load_scope
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.incidents import Incident
from premiere.store.insights import bucket_of, seconds_between

FLAG_OFF = "flag_off"


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
        counts = _counts(session, scope, period, dialect)
        days = _deployed_days(session, scope, period, dialect)
        leads = _lead_times(session, scope, period, dialect)
        recoveries, unrestored = _recoveries(session, scope, period, dialect)
    return {
        **scope.as_dict(),
        "period": period.as_dict(),
        "deployment_frequency": _frequency(period, labels, counts, days),
        "lead_time": _durations(labels, leads, bands.lead_time_band, percentiles=True),
        "change_failure_rate": _rate(labels, counts, "failures", bands.failure_rate_band),
        "recovery_time": {
            **_durations(labels, recoveries, bands.recovery_band, percentiles=False),
            "unrestored": unrestored,
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


def _where(scope: Scope, period: Period) -> list[ColumnElement[bool]]:
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


def _counts(
    session: Session, scope: Scope, period: Period, dialect: str
) -> dict[str, dict[str, int]]:
    bucket = bucket_of(Deployment.finished_at, period.grain, dialect).label("bucket")

    def total(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    statement = (
        select(
            bucket,
            func.count(),
            total(Deployment.verified_at.is_not(None)),
            total(failed()),
            total(rework()),
        )
        .where(*_where(scope, period))
        .group_by(bucket)
    )
    return {
        str(label): {
            "deployments": int(n),
            "verified": int(ok or 0),
            "failures": int(bad or 0),
            "rework": int(again or 0),
        }
        for label, n, ok, bad, again in session.execute(statement)
    }


def _deployed_days(session: Session, scope: Scope, period: Period, dialect: str) -> set[date]:
    day = bucket_of(Deployment.finished_at, "day", dialect)
    statement = (
        select(day).where(*_where(scope, period), Deployment.verified_at.is_not(None)).distinct()
    )
    return {date.fromisoformat(str(value)) for value in session.scalars(statement)}


def _lead_times(
    session: Session, scope: Scope, period: Period, dialect: str
) -> list[tuple[str, float]]:
    bucket = bucket_of(Deployment.finished_at, period.grain, dialect)
    seconds = seconds_between(Deployment.verified_at, Deployment.commit_time, dialect)
    statement = select(bucket, seconds).where(
        *_where(scope, period),
        Deployment.verified_at.is_not(None),
        Deployment.commit_time.is_not(None),
        Deployment.rollback_of_id.is_(None),
    )
    return [(str(b), float(s)) for b, s in session.execute(statement) if s is not None and s > 0]


def _recoveries(
    session: Session, scope: Scope, period: Period, dialect: str
) -> tuple[list[tuple[str, float]], int]:
    bucket = bucket_of(Deployment.finished_at, period.grain, dialect)
    later = aliased(Deployment)
    restored = (
        select(func.min(later.verified_at))
        .where(
            later.service_id == Deployment.service_id,
            later.environment_id == Deployment.environment_id,
            later.id > Deployment.id,
            later.verified_at.is_not(None),
        )
        .scalar_subquery()
    )
    statement = select(bucket, Deployment.finished_at, restored).where(
        *_where(scope, period), failed()
    )
    found: list[tuple[str, float]] = []
    unrestored = 0
    for label, broken, back in session.execute(statement):
        if back is None:
            unrestored += 1
            continue
        found.append((str(label), max(0.0, _seconds(back, broken))))
    return found, unrestored


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


def _seconds(later: datetime, earlier: datetime | None) -> float:
    assert earlier is not None  # finished_at: the period's filter
    return (later - earlier).total_seconds()


__all__ = ["dora_measures", "failed", "reached", "rework"]
