"""Trains, freeze windows, scheduled flag changes and the scheduler's tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from premiere.errors import InvalidStateError, ValidationError
from premiere.services.flags import scheduled_changes
from premiere.services.flags.definitions import get_flag_config
from premiere.services.releases import records as releases
from premiere.services.releases import schedules
from premiere.store import Store
from premiere.store.types import utc_now

from .conftest import APPROVER, CREATOR, deploy, later, release_data

BERLIN_TUESDAYS = {
    "interval_weeks": 2,
    "weekday": "tuesday",
    "time": "10:00",
    "timezone": "Europe/Berlin",
    "anchor": "2026-03-03",
}


def test_next_departures__across_dst__same_wall_clock_time() -> None:
    after = datetime(2026, 3, 1, tzinfo=UTC)
    departures = schedules.next_departures(BERLIN_TUESDAYS, after, 3)
    assert departures == [
        datetime(2026, 3, 3, 9, 0, tzinfo=UTC),  # CET, UTC+1
        datetime(2026, 3, 17, 9, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 8, 0, tzinfo=UTC),  # CEST (from 29 March), UTC+2
    ]
    autumn = schedules.next_departures(BERLIN_TUESDAYS, datetime(2026, 10, 12, tzinfo=UTC), 2)
    assert autumn == [
        datetime(2026, 10, 13, 8, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 9, 0, tzinfo=UTC),  # CET again after 25 October
    ]


def test_next_departures__exactly_at_a_departure__the_one_after() -> None:
    at = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    assert schedules.next_departures(BERLIN_TUESDAYS, at, 1) == [
        datetime(2026, 3, 31, 8, 0, tzinfo=UTC)
    ]


@pytest.mark.parametrize(
    ("now", "anchor"),
    [
        (datetime(2026, 3, 1, 12, 0, tzinfo=UTC), "2026-03-03"),  # Sunday: that Tuesday
        (datetime(2026, 3, 3, 8, 59, tzinfo=UTC), "2026-03-03"),  # Tuesday, before 10:00
        (datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "2026-03-10"),  # at 10:00: a week later
    ],
)
def test_train_create__no_anchor__next_matching_date(
    store: Store, demo: str, now: datetime, anchor: str
) -> None:
    cadence = {k: v for k, v in BERLIN_TUESDAYS.items() if k != "anchor"}
    view = schedules.create_release_train(
        store, CREATOR, demo, {"key": "fortnightly", "cadence": cadence}, now=now
    )
    assert view["cadence"] == {**cadence, "anchor": anchor}
    departures = schedules.list_departures(store, demo, "fortnightly", count=1, after=now)
    assert departures["departures"][0].startswith(anchor)


def test_train_create__no_anchor_and_bad_weekday__names_the_weekday(
    store: Store, demo: str
) -> None:
    cadence = {"weekday": "someday", "time": "10:00"}
    with pytest.raises(ValidationError) as error:
        schedules.create_release_train(store, CREATOR, demo, {"key": "t", "cadence": cadence})
    assert [v.field for v in error.value.violations] == ["cadence.weekday"]


def test_train__release_scheduled__starts_at_next_departure(store: Store, demo: str) -> None:
    schedules.create_release_train(
        store, CREATOR, demo, {"key": "fortnightly", "cadence": BERLIN_TUESDAYS}
    )
    view = releases.create_release(
        store, CREATOR, demo, release_data(schedule={"train": "fortnightly"})
    )
    view = releases.schedule_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    expected = schedules.next_departures(BERLIN_TUESDAYS, utc_now(), 1)[0]
    assert view["schedule"]["start_at"] == expected.isoformat().replace("+00:00", ".000000Z")


def test_freeze_window__start_and_advance__blocked_unless_overridden(
    store: Store, demo: str
) -> None:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, demo, release_data())
    window = {
        "environment": "production",
        "start": later(-60).isoformat(),
        "end": later(3600).isoformat(),
        "reason": "black friday",
    }
    schedules.create_freeze_window(store, CREATOR, demo, window)
    with pytest.raises(InvalidStateError) as error:
        releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert [item["kind"] for item in error.value.details["missing"]] == ["freeze"]
    with pytest.raises(ValidationError):
        releases.start_release(
            store, CREATOR, demo, "new-checkout", {"override_freeze": True}, view["version"]
        )
    view = releases.start_release(
        store,
        CREATOR,
        demo,
        "new-checkout",
        {"override_freeze": True, "reason": "hotfix"},
        view["version"],
    )
    assert view["state"] == "rolling_out"
    assert view["last_transition"]["freeze_override"] is True
    with pytest.raises(InvalidStateError):
        releases.advance_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert releases.tick_releases(store, utc_now() + timedelta(minutes=20)) == [
        {
            "kind": "release",
            "project": "demo",
            "key": "new-checkout",
            "action": "frozen",
            "stage": 0,
        }
    ]
    view = releases.advance_release(
        store,
        CREATOR,
        demo,
        "new-checkout",
        {"override_freeze": True, "reason": "go"},
        view["version"],
    )
    assert view["stage"] == 1


def test_tick__stages_with_holds__one_step_per_tick_and_idempotent(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    view = releases.create_release(store, CREATOR, demo, release_data())
    t0 = utc_now()
    releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"], now=t0)
    assert releases.tick_releases(store, t0 + timedelta(seconds=599)) == []
    late = t0 + timedelta(days=7)  # the scheduler was down for a week
    first = releases.tick_releases(store, late)
    assert [(i["action"], i["stage"]) for i in first] == [("advanced", 1)]
    assert releases.tick_releases(store, late) == []
    actions = []
    for hours in (2, 4, 6):
        actions += releases.tick_releases(store, late + timedelta(hours=hours))
    assert [(i["action"], i["stage"]) for i in actions] == [
        ("advanced", 2),
        ("advanced", 3),
        ("released", 3),
    ]
    assert releases.get_release(store, demo, "new-checkout")["state"] == "released"


def test_tick__guards_without_data__hold_extended_and_recorded(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    guard = {"metric": "errors", "max_regression": 0.01, "min_sample": 500}
    view = releases.create_release(store, CREATOR, demo, release_data(guards=[guard]))
    t0 = utc_now()
    releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"], now=t0)
    done = releases.tick_releases(store, t0 + timedelta(seconds=601))
    assert [i["action"] for i in done] == ["hold_extended"]
    view = releases.get_release(store, demo, "new-checkout")
    assert view["stage"] == 0 and view["last_transition"]["action"] == "hold_extended"


def test_tick__guard_watch_regressed__rollback_action_restores(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    guard = {"metric": "errors", "max_regression": 0.01, "action": "rollback"}
    view = releases.create_release(store, CREATOR, demo, release_data(guards=[guard]))
    t0 = utc_now()
    releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"], now=t0)
    seen: list[Any] = []

    def check(release: dict[str, Any], stage: dict[str, Any]) -> str:
        seen.append((release["key"], stage["index"]))
        return "regressed"

    done = releases.tick_releases(store, t0 + timedelta(seconds=601), guard_watch=check)
    assert seen == [("new-checkout", 0)]
    assert [i["action"] for i in done] == ["rolled_back"]
    assert get_flag_config(store, demo, "checkout", "production")["rules"] == []


def test_record_guard_decision__regressed_pause_guard__paused(store: Store, demo: str) -> None:
    deploy(store, features=["checkout"])
    guard = {"metric": "event", "event": "purchase", "aggregate": "mean", "max_regression": 0.1}
    view = releases.create_release(store, CREATOR, demo, release_data(guards=[guard]))
    releases.start_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    view = releases.record_guard_decision(
        store, demo, "new-checkout", {"status": "regressed", "guard": 0, "details": {"p": 0.001}}
    )
    assert view["state"] == "paused"
    decisions = releases.list_guard_decisions(store, demo, "new-checkout")
    assert [(d["status"], d["stage"], d["details"]["p"]) for d in decisions] == [
        ("regressed", 0, 0.001)
    ]


def test_scheduled_change__due__applied_once_by_tick(store: Store, demo: str) -> None:
    at = later(3600)
    change = scheduled_changes.create_scheduled_change(
        store,
        CREATOR,
        demo,
        {
            "flag": "banner",
            "environment": "production",
            "patch": {"on": True},
            "at": at.isoformat(),
        },
    )
    assert releases.tick_releases(store, utc_now()) == []
    done = releases.tick_releases(store, at + timedelta(hours=5))
    assert done == [
        {"kind": "scheduled_change", "project": "demo", "id": change["id"], "action": "applied"}
    ]
    assert releases.tick_releases(store, at + timedelta(hours=6)) == []
    assert get_flag_config(store, demo, "banner", "production")["on"] is True


def test_scheduled_change__in_the_past__in_past(store: Store, demo: str) -> None:
    with pytest.raises(ValidationError) as error:
        scheduled_changes.create_scheduled_change(
            store,
            CREATOR,
            demo,
            {
                "flag": "banner",
                "environment": "production",
                "patch": {"on": True},
                "at": "2026-01-01T09:00:00",
                "timezone": "Europe/Berlin",
            },
        )
    assert [(v.field, v.rule) for v in error.value.violations] == [("at", "in_past")]


def test_train__not_ready_at_departure__waits_for_the_next(store: Store, demo: str) -> None:
    schedules.create_release_train(
        store, CREATOR, demo, {"key": "fortnightly", "cadence": BERLIN_TUESDAYS}
    )
    data = release_data(schedule={"train": "fortnightly"}, required_approvals=1)
    view = releases.create_release(store, CREATOR, demo, data)
    view = releases.schedule_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    first = schedules.next_departures(BERLIN_TUESDAYS, utc_now(), 2)
    missed = releases.tick_releases(store, first[0] + timedelta(minutes=1))
    assert [i["action"] for i in missed] == ["missed_train"]
    view = releases.get_release(store, demo, "new-checkout")
    assert view["schedule"]["start_at"] == first[1].isoformat().replace("+00:00", ".000000Z")
    deploy(store, features=["checkout"])
    releases.approve_release(store, APPROVER, demo, "new-checkout", {})
    assert [i["action"] for i in releases.tick_releases(store, first[1] - timedelta(hours=1))] == [
        "ready"
    ]
    started = releases.tick_releases(store, first[1] + timedelta(seconds=5))
    assert [i["action"] for i in started] == ["started"]


def test_tick__ready_then_code_rolled_back__unready(store: Store, demo: str) -> None:
    deploy(store, "api", "2.0.0")
    feature = {"flag": "checkout", "variation": 0, "min_versions": {"api": "2.0.0"}}
    start = later(7200)
    data = release_data(features=[feature], schedule={"start_at": start.isoformat()})
    view = releases.create_release(store, CREATOR, demo, data)
    releases.schedule_release(store, CREATOR, demo, "new-checkout", {}, view["version"])
    assert [i["action"] for i in releases.tick_releases(store, utc_now())] == ["ready"]
    deploy(store, "api", "1.9.0")
    assert [i["action"] for i in releases.tick_releases(store, utc_now())] == ["unready"]
    assert releases.tick_releases(store, start + timedelta(minutes=1)) == []
    assert releases.get_release(store, demo, "new-checkout")["state"] == "scheduled"
