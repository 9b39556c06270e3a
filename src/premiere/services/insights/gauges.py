"""What the store knows that ``/metrics`` shows as gauges, read when it is scraped.

Each reader takes the ``Store`` and returns gauge families: a name, what it means, its
label names and one value per set of labels. :func:`gauge_readers` lists them all; a
new measure of delivery is one more reader there. :func:`dora_gauges` shows the five
DORA measures of each project over the last 30 days, as ``services/insights/dora.py``
computes them (the production environments, every service).
The readers know nothing of Prometheus: the API's ``/metrics`` turns them into its
text format (api/insights/metrics.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from premiere.services.insights import bands
from premiere.services.insights.ledger import read_days
from premiere.services.insights.periods import Period
from premiere.services.insights.scope import Scope, load_scope
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.models import Project
from premiere.store.outbox import OutboxDelivery
from premiere.store.releases import Release
from premiere.store.types import utc_now


@dataclass(frozen=True)
class GaugeFamily:
    """One gauge: ``samples`` maps each set of label values (in ``labels``' order) to
    its value."""

    name: str
    documentation: str
    labels: tuple[str, ...] = ()
    samples: dict[tuple[str, ...], float] = field(default_factory=dict)


GaugeReader = Callable[[Store], list[GaugeFamily]]


def gauge_readers() -> tuple[GaugeReader, ...]:
    """Every reader of gauges ``/metrics`` shows, in the order it shows them."""
    return (deployment_gauges, release_gauges, outbox_gauges, dora_gauges)


def read_gauges(store: Store) -> list[GaugeFamily]:
    """The gauges of every reader."""
    return [family for reader in gauge_readers() for family in reader(store)]


def deployment_gauges(store: Store) -> list[GaugeFamily]:
    """Deployments in the ledger, by project and status."""
    statement = (
        select(Project.key, Deployment.status, func.count())
        .join(Project, Project.id == Deployment.project_id)
        .group_by(Project.key, Deployment.status)
    )
    with store.read() as session:
        rows = session.execute(statement).all()
    samples: dict[tuple[str, ...], float] = {
        (project, status): float(count) for project, status, count in rows
    }
    return [
        GaugeFamily(
            "premiere_deployments",
            "Deployments in the ledger, by project and status.",
            ("project", "status"),
            samples,
        )
    ]


def release_gauges(store: Store) -> list[GaugeFamily]:
    """Releases by project and state."""
    statement = (
        select(Project.key, Release.state, func.count())
        .join(Project, Project.id == Release.project_id)
        .group_by(Project.key, Release.state)
    )
    with store.read() as session:
        rows = session.execute(statement).all()
    samples: dict[tuple[str, ...], float] = {
        (project, state): float(count) for project, state, count in rows
    }
    return [
        GaugeFamily(
            "premiere_releases", "Releases, by project and state.", ("project", "state"), samples
        )
    ]


def outbox_gauges(store: Store, now: datetime | None = None) -> list[GaugeFamily]:
    """The outbox's backlog: deliveries waiting (webhooks and email), and how long the
    oldest of them has waited."""
    statement = select(func.count(), func.min(OutboxDelivery.created_at)).where(
        OutboxDelivery.status == "pending"
    )
    with store.read() as session:
        count, oldest = session.execute(statement).one()
    waited = 0.0
    if oldest is not None:
        waited = max(0.0, ((now or utc_now()) - _aware(oldest)).total_seconds())
    return [
        GaugeFamily(
            "premiere_outbox_pending_deliveries",
            "Outbox deliveries (webhooks, email) waiting to be delivered.",
            samples={(): float(count or 0)},
        ),
        GaugeFamily(
            "premiere_outbox_oldest_pending_age_seconds",
            "How long the oldest waiting outbox delivery has waited (0: none waits).",
            samples={(): waited},
        ),
    ]


DORA_DAYS = 30
DORA_GAUGES = {
    "deployment_frequency_per_day": "Deployments verified per day",
    "lead_time_median_seconds": "Median lead time for changes (commit to verified), seconds",
    "change_failure_rate": "Change failure rate (0 to 1)",
    "recovery_time_median_seconds": "Median failed deployment recovery time, seconds",
    "rework_rate": "Deployment rework rate (0 to 1)",
}
"""Name after ``premiere_dora_``: what it means."""


def dora_gauges(store: Store, now: datetime | None = None) -> list[GaugeFamily]:
    """The five DORA measures of each project over the last 30 days (to ``now``), in its
    production environments, by the rules of ``dora.py`` (their totals only). A measure
    with no value (no deployment, no lead time, no failure restored) has no sample for
    that project."""
    end = now or utc_now()
    period = Period(end - timedelta(days=DORA_DAYS), end, "month")
    samples: dict[str, dict[tuple[str, ...], float]] = {name: {} for name in DORA_GAUGES}
    with store.read() as session:
        for project in session.scalars(select(Project.key).order_by(Project.key)).all():
            scope = load_scope(session, project, service=None, environment=None)
            for name, value in _dora_totals(session, scope, period).items():
                if value is not None:
                    samples[name][(project,)] = float(value)
    return [
        GaugeFamily(
            f"premiere_dora_{name}",
            f"{meaning} over the last {DORA_DAYS} days, by project.",
            ("project",),
            samples[name],
        )
        for name, meaning in DORA_GAUGES.items()
    ]


def _dora_totals(session: Session, scope: Scope, period: Period) -> dict[str, float | None]:
    days = read_days(session, scope, period).values()
    total = sum(day.deployments for day in days)
    verified = sum(day.verified for day in days)
    leads = [seconds for day in days for seconds in day.leads]
    recoveries = [max(0.0, s) for day in days for s in day.recoveries if s is not None]
    return {
        "deployment_frequency_per_day": round(verified / period.days, 4),
        "lead_time_median_seconds": bands.median(leads),
        "change_failure_rate": bands.ratio(sum(day.failures for day in days), total),
        "recovery_time_median_seconds": bands.median(recoveries),
        "rework_rate": bands.ratio(sum(day.rework for day in days), total),
    }


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
