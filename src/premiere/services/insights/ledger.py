"""What the DORA measures read from the deployment ledger: per UTC day of a period, how
many deployments counted, were verified, failed and were rework, and the lead and
recovery times to take medians of.

One grouped query per environment over the insights index (``store/deployments.py``,
``INSIGHTS_INDEX``) reads the whole period, in the order of its days (no sort). The
deployments an incident names, which their own record does not mark as failed, are
read apart, by id. The rules of what counts are the ones ``dora.py``'s docstring gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from premiere.services.insights.periods import Period
from premiere.services.insights.scope import Scope
from premiere.store.deployments import Deployment, day_number
from premiere.store.incidents import Incident
from premiere.store.insights import epoch_of, gathered, read_gathered

FLAG_OFF = "flag_off"
MIN_LEAD_SECONDS = 0.0005  # non-positive lead times are left out (to the millisecond)


@dataclass
class Day:
    """One UTC day's deployments. ``recoveries`` holds one entry per failure: the
    seconds until service was restored, or None while it is not."""

    deployments: int = 0
    verified: int = 0
    failures: int = 0
    rework: int = 0
    leads: list[float] = field(default_factory=list)
    recoveries: list[float | None] = field(default_factory=list)


def read_days(session: Session, scope: Scope, period: Period) -> dict[int, Day]:
    """The period's deployments in ``scope``, per UTC day (days since 1970-01-01)."""
    dialect = session.get_bind().dialect.name
    broken = failed_by_record()
    connection = session.connection()  # plain rows: no ORM entities to build
    if dialect == "postgresql":
        # psycopg prepares a statement it runs often, and PostgreSQL's generic plan for
        # the deployments named by id (made without knowing the ids) scans the period
        # instead: 800 ms where the plan for the values at hand takes 5.
        connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
    days: dict[int, Day] = {}
    for environment in scope.environment_ids:  # one each: the index gives days in order
        statement = (
            select(
                Deployment.finished_day,
                func.count(),
                func.count(Deployment.verified_at),
                func.sum(case((broken, 1), else_=0)),
                func.sum(case((rework(), 1), else_=0)),
                gathered(Deployment.lead_seconds, counted_lead(), dialect),
                gathered(recovery_seconds(dialect), broken, dialect),
            )
            .where(Deployment.environment_id == environment, *in_period(scope, period))
            .group_by(Deployment.finished_day)
        )
        for number, count, verified, failures, again, leads, recoveries in connection.execute(
            statement
        ):
            day = days.setdefault(int(number), Day())
            day.deployments += count
            day.verified += verified
            day.failures += int(failures)
            day.rework += int(again)
            day.leads += read_gathered(leads)
            day.recoveries += read_gathered(recoveries)
    named = connection.execute(named_by_incident(scope)).scalars().all()
    if named:  # few: read them by id rather than scan the period again
        statement = select(Deployment.finished_day, recovery_seconds(dialect)).where(
            Deployment.id.in_(named),
            Deployment.environment_id.in_(scope.environment_ids),
            *in_period(scope, period),
            not_(broken),
        )
        for number, recovery in connection.execute(statement):
            entry = days.setdefault(int(number or 0), Day())  # in the period: never NULL
            entry.failures += 1
            entry.recoveries.append(recovery)
    return days


def reached() -> ColumnElement[bool]:
    """A deployment that reached its environment (see ``dora.py``)."""
    return or_(
        Deployment.status.in_(("succeeded", "rolled_back")),
        and_(Deployment.status == "failed", Deployment.verification_status == "failed"),
    )


def failed_by_record() -> ColumnElement[bool]:
    """A failure its own record shows: verification failed, or rolled back."""
    return or_(Deployment.verification_status == "failed", Deployment.status == "rolled_back")


def named_by_incident(scope: Scope) -> Select[int | None]:
    """The ids of the deployments an incident of the project names, unless it ended by
    turning a flag off (that is a failed release)."""
    return (
        select(Incident.deployment_id)
        .distinct()
        .where(
            Incident.project_id == scope.project.id,
            Incident.deployment_id.is_not(None),
            or_(Incident.resolution.is_(None), Incident.resolution != FLAG_OFF),
        )
    )


def rework() -> ColumnElement[bool]:
    return or_(Deployment.fix.is_(True), Deployment.rollback_of_id.is_not(None))


def counted_lead() -> ColumnElement[bool]:
    """A lead time that counts: verified, not a rollback, positive."""
    return and_(
        Deployment.verified_at.is_not(None),
        Deployment.rollback_of_id.is_(None),
        Deployment.lead_seconds > MIN_LEAD_SECONDS,
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
    """The deployments a measure of ``scope`` over ``period`` counts (in one of its
    environments: the caller says which)."""
    conditions = [
        Deployment.finished_day >= day_number(period.start),
        Deployment.finished_day <= day_number(period.end),
        Deployment.finished_at >= period.start,
        Deployment.finished_at < period.end,
        Deployment.project_id == scope.project.id,
        reached(),
    ]
    if scope.service is not None:
        conditions.append(Deployment.service_id == scope.service.id)
    return conditions
