"""State lives in the database: a restarted scheduler resumes, a missed step runs once,
and with two schedulers on one database a due step happens once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from premiere.scheduler import Scheduler
from premiere.scheduler.leadership import AlwaysLeader
from premiere.services.flags.scheduled_changes import create_scheduled_change, get_scheduled_change
from premiere.services.releases import records as releases
from premiere.store import Store
from simulation.system import (
    FLAG,
    OPERATOR,
    PROJECT,
    RELEASE,
    START,
    SimulatedClock,
    set_up,
)

PLAN = [
    {"percent": 10, "hold_seconds": 600},
    {"percent": 50, "hold_seconds": 600},
    {"percent": 100, "hold_seconds": 0},
]


@pytest.fixture
def started(store: Store) -> Iterator[SimulatedClock]:
    """The release (no guards) started at START; hold 10 minutes per stage."""
    view = set_up(store, plan=PLAN, guard=None)
    view = releases.update_release(
        store, OPERATOR, PROJECT, RELEASE, {"guards": []}, view["version"]
    )
    releases.start_release(store, OPERATOR, PROJECT, RELEASE, {}, view["version"], now=START)
    yield SimulatedClock(START)


def _stage(store: Store) -> tuple[str, int | None]:
    view = releases.get_release(store, PROJECT, RELEASE)
    return view["state"], view["stage"]


def test_scheduler__restarted__resumes_from_the_database(
    store: Store, started: SimulatedClock
) -> None:
    clock = started
    first = Scheduler(store, clock=clock, leadership=AlwaysLeader())
    clock.advance(11)
    assert [i["action"] for i in first.run_once().items] == ["advanced"]  # type: ignore[union-attr]
    first.stop()
    # A new process: nothing in memory, the same database.
    second = Scheduler(store, clock=clock, leadership=AlwaysLeader())
    assert second.run_once().items == []  # type: ignore[union-attr]
    assert _stage(store) == ("rolling_out", 1)
    clock.advance(11)
    assert [i["action"] for i in second.run_once().items] == ["advanced"]  # type: ignore[union-attr]
    clock.advance(1)  # the last stage (100 %) holds for 0 seconds
    assert [i["action"] for i in second.run_once().items] == ["released"]  # type: ignore[union-attr]
    assert _stage(store)[0] == "released"


def test_scheduler__down_for_hours__each_missed_step_runs_once(
    store: Store, started: SimulatedClock
) -> None:
    clock = started
    change = create_scheduled_change(
        store,
        OPERATOR,
        PROJECT,
        {"flag": FLAG, "environment": "production", "patch": {"off_variation": 1},
         "at": (START + timedelta(minutes=5)).isoformat()},
        now=START,
    )  # fmt: skip
    scheduler = Scheduler(store, clock=clock, leadership=AlwaysLeader())
    clock.advance(5 * 60)  # down for five hours
    first = scheduler.run_once()
    assert first is not None
    actions = [(i["kind"], i["action"]) for i in first.items]
    # The flag is the release's while it rolls out: the change fails (once), it is not retried
    assert actions == [("scheduled_change", "failed"), ("release", "advanced")]
    assert _stage(store) == ("rolling_out", 1)  # one stage, its hold starting now
    again = scheduler.run_once()
    assert again is not None and again.items == []
    failed = get_scheduled_change(store, PROJECT, change["id"])
    assert failed["status"] == "failed"
    assert failed["error"].startswith("flag_locked_by_release: ")


def test_schedulers__two_on_one_database__a_due_stage_advances_once(
    database_url: str, started: SimulatedClock
) -> None:
    clock = started
    stores = [Store.open(database_url, migrate=False) for _ in range(2)]
    try:
        schedulers = [Scheduler(s, clock=clock) for s in stores]
        clock.advance(11)
        reports = [s.run_once() for s in schedulers] + [s.run_once() for s in schedulers]
        items = [i for r in reports if r is not None for i in r.items]
        assert [i["action"] for i in items] == ["advanced"]
        assert sum(r is None for r in reports) == 2  # the other one never ticked
        assert _stage(stores[0]) == ("rolling_out", 1)
    finally:
        for scheduler in schedulers:
            scheduler.leadership.release()
        for opened in stores:
            opened.close()
