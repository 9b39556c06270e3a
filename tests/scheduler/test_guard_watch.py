"""The scheduler watches guards between hold ends: a regression stops the rollout at
once; decisions are recorded once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from premiere.scheduler import Scheduler
from premiere.scheduler.leadership import AlwaysLeader
from premiere.services.releases import records as releases
from premiere.services.sdk.events import record_sdk_events
from premiere.store import Store
from simulation.system import (
    FLAG,
    OPERATOR,
    PROJECT,
    RELEASE,
    SDK,
    START,
    SimulatedClock,
    set_up,
)


def _send(store: Store, minute: int, treatment: tuple[int, int], control: tuple[int, int]) -> None:
    at = START + timedelta(minutes=minute)
    payload: dict[str, Any] = {
        "period_start": at.isoformat(),
        "flags": [
            {"key": FLAG, "variation": 0, "reason": "RULE_MATCH", "count": treatment[0]},
            {"key": FLAG, "variation": 1, "reason": "RULE_MATCH", "count": control[0]},
        ],
        "custom": [
            {"key": f"error.{FLAG}.0", "count": treatment[1]},
            {"key": f"error.{FLAG}.1", "count": control[1]},
        ],
    }
    record_sdk_events(store, SDK, payload, now=at)


def _started(store: Store, action: str) -> tuple[Scheduler, SimulatedClock]:
    guard = {"metric": "errors", "aggregate": "rate", "max_regression": 0.0, "alpha": 0.05,
             "min_sample": 1000, "action": action}  # fmt: skip
    view = set_up(store, guard=guard)
    releases.start_release(store, OPERATOR, PROJECT, RELEASE, {}, view["version"], now=START)
    clock = SimulatedClock(START)
    return Scheduler(store, clock=clock, leadership=AlwaysLeader()), clock


def test_scheduler__regression_mid_hold__rolled_back_at_once_and_recorded_once(
    store: Store,
) -> None:
    scheduler, clock = _started(store, "rollback")
    for minute in range(10):  # 1 % stage, but a tenth of the traffic, errors x4
        _send(store, minute, (200, 8), (19_800, 198))
    clock.advance(10)  # the hold (60 minutes) is far from over
    report = scheduler.run_once()
    assert report is not None and report.items == []
    assert [d["status"] for d in report.decisions] == ["regressed"]
    assert releases.get_release(store, PROJECT, RELEASE)["state"] == "rolled_back"
    clock.advance(1)
    again = scheduler.run_once()
    assert again is not None and again.decisions == []
    assert len(releases.list_guard_decisions(store, PROJECT, RELEASE)) == 1


def test_scheduler__regression_with_pause_action__paused(store: Store) -> None:
    scheduler, clock = _started(store, "pause")
    for minute in range(10):
        _send(store, minute, (200, 8), (19_800, 198))
    clock.advance(10)
    scheduler.run_once()
    assert releases.get_release(store, PROJECT, RELEASE)["state"] == "paused"


def test_scheduler__sample_ratio_mismatch__recorded_once_per_hold(store: Store) -> None:
    scheduler, clock = _started(store, "rollback")
    for minute in range(1, 20):  # 3 % in treatment where 1 % is planned; equal error rates
        _send(store, minute, (600, 6), (19_400, 194))
    for _ in range(20):
        clock.advance(1)
        scheduler.run_once()
    decisions = releases.list_guard_decisions(store, PROJECT, RELEASE)
    assert [d["details"]["sample_ratio_mismatch"] for d in decisions] == [True]
    assert releases.get_release(store, PROJECT, RELEASE)["state"] == "rolling_out"


class RecorderDown(RuntimeError):
    pass


def _recorder_down(*args: Any) -> None:
    raise RecorderDown("the decision could not be recorded")


def test_scheduler__regression_at_hold_end__verdict_committed_with_its_rollback(
    store: Store,
) -> None:
    _, clock = _started(store, "rollback")
    # the watch's recorder fails: the end of the hold must not depend on it
    scheduler = Scheduler(store, clock=clock, leadership=AlwaysLeader(), record=_recorder_down)
    for minute in range(60):  # errors x4 in treatment, all seen first at the hold's end
        _send(store, minute, (200, 8), (19_800, 198))
    clock.advance(61)
    report = scheduler.run_once()
    assert report is not None
    assert [(i["action"], i["stage"]) for i in report.items] == [("rolled_back", 0)]
    assert [(d["status"], d["details"]["action"]) for d in report.decisions] == [
        ("regressed", "rolled_back")
    ]
    assert releases.get_release(store, PROJECT, RELEASE)["state"] == "rolled_back"
    (decision,) = releases.list_guard_decisions(store, PROJECT, RELEASE)
    assert (decision["status"], decision["stage"]) == ("regressed", 0)
    assert decision["details"]["action"] == "rolled_back"
    assert decision["details"]["event_sources"] == ["sdk-server"]
    assert decision["details"]["event_tokens"] == [SDK.id]
    clock.advance(1)
    again = scheduler.run_once()
    assert again is not None and again.items == [] and again.decisions == []
    assert len(releases.list_guard_decisions(store, PROJECT, RELEASE)) == 1


def test_scheduler__healthy_at_hold_end__verdict_committed_with_the_advance(
    store: Store,
) -> None:
    _, clock = _started(store, "rollback")
    scheduler = Scheduler(store, clock=clock, leadership=AlwaysLeader(), record=_recorder_down)
    for minute in range(60):  # the planned 1 %, equal error rates
        _send(store, minute, (200, 2), (19_800, 198))
    clock.advance(61)
    report = scheduler.run_once()
    assert report is not None
    assert [(i["action"], i["stage"]) for i in report.items] == [("advanced", 1)]
    (decision,) = releases.list_guard_decisions(store, PROJECT, RELEASE)
    assert (decision["status"], decision["stage"]) == ("healthy", 0)
    assert decision["details"]["action"] == "advanced"
    assert releases.get_release(store, PROJECT, RELEASE)["stage"] == 1
