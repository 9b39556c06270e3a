"""Each release action and each scheduled flag change is one transaction: the
release (or scheduled change) and every flag write commit together or not at all,
and give SDKs one new document version.

Failures are injected between two flag writes (or after the last one); a concurrent
action is made to arrive at that point from another thread."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from premiere.errors import InvalidStateError, VersionConflictError
from premiere.services.flags import scheduled_changes
from premiere.services.flags.definitions import get_flag_config
from premiere.services.releases import flags as release_flags
from premiere.services.releases import records as releases
from premiere.services.releases.guards import GuardVerdict
from premiere.store import Store
from premiere.store.models import AuditEvent, Change, Environment
from premiere.store.releases import ReleaseGuardDecision, ScheduledChange
from premiere.store.types import utc_now

from .conftest import CREATOR, deploy, release_data, run_meanwhile

FLAGS = ("checkout", "banner")
KEY = "new-checkout"


class Injected(RuntimeError):
    pass


def two_flag_release(store: Store, **more: Any) -> dict[str, Any]:
    deploy(store, features=list(FLAGS))
    data = release_data(
        features=[{"flag": flag, "variation": 0} for flag in FLAGS],
        plan={"stages": [{"percent": 10, "hold": "PT1H"}, {"percent": 50, "hold": "PT1H"}]},
        **more,
    )
    return releases.create_release(store, CREATOR, "demo", data)


def state(store: Store) -> dict[str, Any]:
    """Everything an action may change: the release, the flags, the document
    version, the change feed and the audit log."""
    view = releases.get_release(store, "demo", KEY)
    with store.read() as session:
        counts = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (AuditEvent, Change, ReleaseGuardDecision)
        }
        document = session.scalar(
            select(Environment.document_version).where(Environment.key == "production")
        )
    return {
        "release": (view["state"], view["stage"], view["version"]),
        "flags": {flag: get_flag_config(store, "demo", flag, "production") for flag in FLAGS},
        "document": document,
        **counts,
    }


@pytest.fixture
def between_flag_writes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[[], None]]]:
    """Callables appended here run after the first flag write of the next action."""
    hooks: list[Callable[[], None]] = []
    real = release_flags.write_flag_config
    calls = []

    def write(*args: Any, **kwargs: Any) -> dict[str, Any]:
        if hooks:  # counted from the first hook on
            calls.append(args[3])
            if len(calls) == 2:
                for hook in hooks:
                    hook()
        return real(*args, **kwargs)

    monkeypatch.setattr(release_flags, "write_flag_config", write)
    yield hooks


def fail() -> None:
    raise Injected("between two flag writes")


@pytest.mark.parametrize(
    ("started", "action"),
    [
        (False, releases.start_release),
        (True, releases.advance_release),
        (True, releases.rollback_release),
    ],
    ids=["start", "advance", "rollback"],
)
def test_action__failure_between_flag_writes__nothing_changes(
    store: Store,
    demo: str,
    between_flag_writes: list[Callable[[], None]],
    started: bool,
    action: Callable[..., Any],
) -> None:
    view = two_flag_release(store)
    if started:
        view = releases.start_release(store, CREATOR, demo, KEY, {}, view["version"])
    before = state(store)
    between_flag_writes.append(fail)
    with pytest.raises(Injected):
        action(store, CREATOR, demo, KEY, {}, view["version"])
    assert state(store) == before


def test_guard_regression__failure_during_its_rollback__decision_not_recorded(
    store: Store, demo: str, between_flag_writes: list[Callable[[], None]]
) -> None:
    guard = {"metric": "errors", "max_regression": 0.1, "action": "rollback"}
    view = two_flag_release(store, guards=[guard])
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"])
    before = state(store)
    between_flag_writes.append(fail)
    with pytest.raises(Injected):
        releases.record_guard_decision(store, demo, KEY, {"status": "regressed", "guard": 0})
    assert state(store) == before
    between_flag_writes.clear()
    after = releases.record_guard_decision(store, demo, KEY, {"status": "regressed", "guard": 0})
    assert after["state"] == "rolled_back"
    (decision,) = releases.list_guard_decisions(store, demo, KEY)
    assert decision["details"]["action"] == "rolled_back"


ROLLBACK_GUARD = {"metric": "errors", "max_regression": 0.1, "action": "rollback"}


def at_hold_end(status: str) -> Callable[[dict[str, Any], dict[str, Any]], GuardVerdict]:
    """A guard check answering ``status`` with one decision, as the scheduler's does."""

    def check(release: dict[str, Any], stage: dict[str, Any]) -> GuardVerdict:
        details = {"flag": FLAGS[0], "p": 0.001, "event_sources": ["sdk-server"],
                   "event_tokens": ["t" * 16]}  # fmt: skip
        decision = {"status": status, "stage": stage["index"], "guard": 0, "details": details}
        return GuardVerdict(status, (decision,))

    return check


def test_tick_guard_rollback__failure_between_flag_writes__no_verdict_and_nothing_changes(
    store: Store, demo: str, between_flag_writes: list[Callable[[], None]]
) -> None:
    view = two_flag_release(store, guards=[ROLLBACK_GUARD])
    started = utc_now()
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"], now=started)
    before = state(store)
    between_flag_writes.append(fail)
    hold_end = started + timedelta(hours=1, seconds=1)
    with pytest.raises(Injected):
        releases.tick_releases(store, hold_end, guard_watch=at_hold_end("regressed"))
    assert state(store) == before
    assert releases.list_guard_decisions(store, demo, KEY) == []


def test_tick_guard_rollback__succeeds__one_verdict_naming_it_and_flags_restored(
    store: Store, demo: str
) -> None:
    view = two_flag_release(store, guards=[ROLLBACK_GUARD])
    flags_before = state(store)["flags"]
    started = utc_now()
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"], now=started)
    hold_end = started + timedelta(hours=1, seconds=1)
    done = releases.tick_releases(store, hold_end, guard_watch=at_hold_end("regressed"))
    assert [item["action"] for item in done] == ["rolled_back"]
    (decision,) = releases.list_guard_decisions(store, demo, KEY)
    assert (decision["status"], decision["stage"]) == ("regressed", 0)
    assert decision["details"]["action"] == "rolled_back"
    assert decision["details"]["event_sources"] == ["sdk-server"]
    assert decision["details"]["event_tokens"] == ["t" * 16]
    after = state(store)
    assert after["release"][0] == "rolled_back"
    for flag in FLAGS:
        assert after["flags"][flag]["rules"] == flags_before[flag]["rules"]
        assert after["flags"][flag]["on"] == flags_before[flag]["on"]


def test_tick_guard_healthy__failure_between_flag_writes__no_verdict_and_nothing_changes(
    store: Store, demo: str, between_flag_writes: list[Callable[[], None]]
) -> None:
    view = two_flag_release(store, guards=[ROLLBACK_GUARD])
    started = utc_now()
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"], now=started)
    before = state(store)
    between_flag_writes.append(fail)
    hold_end = started + timedelta(hours=1, seconds=1)
    with pytest.raises(Injected):
        releases.tick_releases(store, hold_end, guard_watch=at_hold_end("healthy"))
    assert state(store) == before
    between_flag_writes.clear()
    done = releases.tick_releases(store, hold_end, guard_watch=at_hold_end("healthy"))
    assert [item["action"] for item in done] == ["advanced"]
    (decision,) = releases.list_guard_decisions(store, demo, KEY)
    assert (decision["status"], decision["stage"]) == ("healthy", 0)
    assert decision["details"]["action"] == "advanced"
    assert [percent_of(store, flag) for flag in FLAGS] == [50.0, 50.0]


def test_tick_guard_insufficient__hold_extended__verdict_names_it(store: Store, demo: str) -> None:
    view = two_flag_release(store, guards=[ROLLBACK_GUARD])
    started = utc_now()
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"], now=started)
    hold_end = started + timedelta(hours=1, seconds=1)
    done = releases.tick_releases(store, hold_end, guard_watch=at_hold_end("insufficient"))
    assert [item["action"] for item in done] == ["hold_extended"]
    (decision,) = releases.list_guard_decisions(store, demo, KEY)
    assert (decision["status"], decision["details"]["action"]) == ("insufficient", "hold_extended")
    assert releases.get_release(store, demo, KEY)["stage"] == 0


def test_record_guard_decision__healthy__recorded_naming_no_action(store: Store, demo: str) -> None:
    view = two_flag_release(store, guards=[ROLLBACK_GUARD])
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"])
    after = releases.record_guard_decision(store, demo, KEY, {"status": "healthy", "guard": 0})
    assert after["state"] == "rolling_out"
    (decision,) = releases.list_guard_decisions(store, demo, KEY)
    assert (decision["status"], decision["details"]["action"]) == ("healthy", None)


def test_start__two_flags__one_document_version_with_both(store: Store, demo: str) -> None:
    view = two_flag_release(store)
    before = state(store)
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"])
    after = state(store)
    assert after["document"] == before["document"] + 1
    with store.read() as session:
        feed = session.execute(
            select(Change.key, Change.document_version).where(Change.seq > 0)
        ).all()
    assert sorted(feed[-2:]) == [("banner", after["document"]), ("checkout", after["document"])]


def percent_of(store: Store, flag: str) -> float | None:
    rules = get_flag_config(store, "demo", flag, "production")["rules"]
    for rule in rules:
        if rule["id"] == f"release-{KEY}":
            return float(rule["serve"]["rollout"]["variations"][0]["weight"]) / 1000
    return None


def test_advance__pause_arrives_between_flag_writes__release_and_flags_agree(
    store: Store, demo: str, between_flag_writes: list[Callable[[], None]]
) -> None:
    view = two_flag_release(store)
    view = releases.start_release(store, CREATOR, demo, KEY, {}, view["version"])
    pauses: list[Callable[[], Any]] = []
    between_flag_writes.append(
        lambda: pauses.append(
            run_meanwhile(
                store,
                lambda: releases.pause_release(store, CREATOR, demo, KEY, {}, view["version"]),
            )
        )
    )
    advanced = releases.advance_release(store, CREATOR, demo, KEY, {}, view["version"])
    paused = pauses[0]()
    # The advance committed as a whole; the pause, based on the version before it, lost
    assert isinstance(paused, VersionConflictError)
    final = releases.get_release(store, demo, KEY)
    assert (final["state"], final["stage"], final["version"]) == (
        "rolling_out",
        1,
        advanced["version"],
    )
    assert [percent_of(store, flag) for flag in FLAGS] == [50.0, 50.0]


def schedule(store: Store) -> dict[str, Any]:
    return scheduled_changes.create_scheduled_change(
        store,
        CREATOR,
        "demo",
        {
            "flag": "checkout",
            "environment": "production",
            "patch": {"on": True},
            "at": (utc_now() + timedelta(hours=1)).isoformat(),
        },
    )


def test_scheduled_change__failure_after_flag_write__stays_pending(
    store: Store, demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    change = schedule(store)
    before = get_flag_config(store, demo, "checkout", "production")
    real = scheduled_changes.write_flag_config

    def write_then_fail(*args: Any, **kwargs: Any) -> dict[str, Any]:
        real(*args, **kwargs)
        raise Injected("after the flag write")

    monkeypatch.setattr(scheduled_changes, "write_flag_config", write_then_fail)
    with pytest.raises(Injected):
        releases.tick_releases(store, utc_now() + timedelta(hours=2))
    assert get_flag_config(store, demo, "checkout", "production") == before
    assert scheduled_changes.get_scheduled_change(store, demo, change["id"])["status"] == "pending"


def test_scheduled_change__cancel_arrives_while_applied__not_cancelled_with_flag_changed(
    store: Store, demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    change = schedule(store)
    real = scheduled_changes.write_flag_config
    cancels: list[Callable[[], Any]] = []

    def write_then_cancel(*args: Any, **kwargs: Any) -> dict[str, Any]:
        written = real(*args, **kwargs)
        cancels.append(
            run_meanwhile(
                store,
                lambda: scheduled_changes.cancel_scheduled_change(
                    store, CREATOR, demo, change["id"]
                ),
            )
        )
        return written

    monkeypatch.setattr(scheduled_changes, "write_flag_config", write_then_cancel)
    done = releases.tick_releases(store, utc_now() + timedelta(hours=2))
    cancelled = cancels[0]()
    assert isinstance(cancelled, InvalidStateError)
    assert [item["action"] for item in done] == ["applied"]
    with store.read() as session:
        status = session.get(ScheduledChange, change["id"])
        assert status is not None and status.status == "applied"
    assert get_flag_config(store, demo, "checkout", "production")["on"] is True


def test_tick_guard_regression__pause_guard_regressed__paused_not_rolled_back(
    store: Store, demo: str
) -> None:
    # Given a pause guard (0) and a rollback guard (1), only the pause guard regressing
    pause_guard = {**ROLLBACK_GUARD, "action": "pause"}
    view = two_flag_release(store, guards=[pause_guard, ROLLBACK_GUARD])
    started = utc_now()
    releases.start_release(store, CREATOR, demo, KEY, {}, view["version"], now=started)
    hold_end = started + timedelta(hours=1, seconds=1)
    done = releases.tick_releases(store, hold_end, guard_watch=at_hold_end("regressed"))
    # Then the tick applies that guard's action, as the watch between hold ends would
    assert [item["action"] for item in done] == ["paused"]
    (decision,) = releases.list_guard_decisions(store, demo, KEY)
    assert (decision["details"]["guard"], decision["details"]["action"]) == (0, "paused")
    assert [percent_of(store, flag) for flag in FLAGS] == [10.0, 10.0]
