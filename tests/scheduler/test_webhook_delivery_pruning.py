"""The leading scheduler forgets webhook deliveries remembered longer than their
retention, at most once an hour (by its clock), whatever happens to the SDK event
counts pruned alongside."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from premiere.cli.server.worker import new_scheduler
from premiere.errors import ValidationError
from premiere.scheduler import Scheduler, loop
from premiere.scheduler.leadership import AlwaysLeader
from premiere.services import SYSTEM
from premiere.services.projects import create_project
from premiere.settings import Settings
from premiere.store import Store
from premiere.store.deployments import WebhookDelivery
from premiere.store.models import Project
from simulation.system import PROJECT, START, SimulatedClock


def _received(store: Store, delivery: str, days_before_start: int) -> None:
    with store.write() as session:
        project = session.scalars(select(Project).where(Project.key == PROJECT)).one()
        at = START - timedelta(days=days_before_start)
        session.add(
            WebhookDelivery(
                project_id=project.id, provider="github", delivery_id=delivery, received_at=at
            )
        )


def _remembered(store: Store) -> list[str]:
    with store.read() as session:
        return sorted(session.scalars(select(WebhookDelivery.delivery_id)))


def _scheduler(store: Store, clock: SimulatedClock, days: int = 30) -> Scheduler:
    return Scheduler(
        store, clock=clock, leadership=AlwaysLeader(), delivery_retention=timedelta(days=days)
    )


def test_scheduler__deliveries_older_than_retention__pruned_hourly(store: Store) -> None:
    create_project(store, SYSTEM, {"key": PROJECT})
    for delivery, days in (("old", 31), ("recent", 29), ("today", 0)):
        _received(store, delivery, days)
    clock = SimulatedClock(START)
    scheduler = _scheduler(store, clock)

    first = scheduler.run_once()
    _received(store, "old-again", 31)  # an hour must pass before the next pruning
    clock.advance(59)
    soon = scheduler.run_once()
    remembered_soon = _remembered(store)
    clock.advance(1)
    later = scheduler.run_once()

    assert first is not None and first.pruned_deliveries == 1
    assert soon is not None and soon.pruned_deliveries is None
    assert remembered_soon == ["old-again", "recent", "today"]
    assert later is not None and later.pruned_deliveries == 1
    assert _remembered(store) == ["recent", "today"]


def test_scheduler__event_pruning_fails__deliveries_still_pruned(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_project(store, SYSTEM, {"key": PROJECT})
    _received(store, "old", 8)

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("the event tables are locked")

    monkeypatch.setattr(loop, "prune_sdk_events", broken)

    report = _scheduler(store, SimulatedClock(START), days=7).run_once()

    assert report is not None and report.pruned is None and report.pruned_deliveries == 1
    assert _remembered(store) == []


def test_settings__webhook_delivery_retention__read_and_reaches_the_worker(store: Store) -> None:
    settings = Settings.from_env({"PREMIERE_WEBHOOK_DELIVERY_RETENTION_DAYS": "7"})

    assert settings.webhook_delivery_retention_days == 7
    assert Settings.from_env({}).webhook_delivery_retention_days == 30
    assert new_scheduler(store, settings, 1.0).delivery_retention == timedelta(days=7)
    for bad, rule in (("0", "minimum"), ("seven", "type"), ("99999999", "maximum")):
        with pytest.raises(ValidationError) as refused:
            Settings.from_env({"PREMIERE_WEBHOOK_DELIVERY_RETENTION_DAYS": bad})
        violation = refused.value.violations[0]
        assert (violation.field, violation.rule) == (
            "PREMIERE_WEBHOOK_DELIVERY_RETENTION_DAYS",
            rule,
        )
