"""The leading scheduler deletes SDK event counts older than the retention, at most
once an hour (by its clock)."""

from __future__ import annotations

from datetime import timedelta

from premiere.scheduler import Scheduler
from premiere.scheduler.leadership import AlwaysLeader
from premiere.services import SYSTEM
from premiere.services.environments import create_environment
from premiere.services.projects import create_project
from premiere.services.sdk.events import list_flag_evaluations, record_sdk_events
from premiere.store import Store
from simulation.system import ENVIRONMENT, FLAG, PROJECT, SDK, START, SimulatedClock


def _send(store: Store, days_before_start: int) -> None:
    at = START - timedelta(days=days_before_start)
    entry = {"key": FLAG, "variation": 0, "reason": "FALLTHROUGH", "count": 1}
    record_sdk_events(store, SDK, {"period_start": at.isoformat(), "flags": [entry]}, now=at)


def _days(store: Store, days_before_start: int) -> int:
    since = START - timedelta(days=days_before_start, minutes=1)
    rows = list_flag_evaluations(
        store, PROJECT, ENVIRONMENT, since=since, until=since + timedelta(minutes=2)
    )
    return sum(r["count"] for r in rows)


def test_scheduler__counts_older_than_retention__pruned_hourly(store: Store) -> None:
    create_project(store, SYSTEM, {"key": PROJECT})
    create_environment(store, SYSTEM, PROJECT, {"key": ENVIRONMENT})
    for days in (31, 29, 0):
        _send(store, days)
    clock = SimulatedClock(START)
    scheduler = Scheduler(
        store, clock=clock, leadership=AlwaysLeader(), event_retention=timedelta(days=30)
    )

    first = scheduler.run_once()
    _send(store, 31)  # sent again: an hour must pass before the next pruning
    clock.advance(59)
    soon = scheduler.run_once()
    clock.advance(1)
    later = scheduler.run_once()

    assert first is not None and first.pruned == 1
    assert soon is not None and soon.pruned is None
    assert later is not None and later.pruned == 1
    assert [_days(store, d) for d in (31, 29, 0)] == [0, 1, 1]
