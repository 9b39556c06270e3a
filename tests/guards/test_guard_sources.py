"""Guards read counts from sdk-server tokens unless a guard opts in to client events
(sdk-client keys ship in browsers and apps: anyone can send counts with them), and
each decision records the sources and tokens it read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from premiere.errors import ValidationError
from premiere.scheduler import Scheduler
from premiere.scheduler.leadership import AlwaysLeader
from premiere.services.flags.definitions import get_flag, update_flag
from premiere.services.people.tokens import TokenInfo
from premiere.services.releases import records as releases
from premiere.services.sdk.batches import EventPolicy
from premiere.services.sdk.events import record_sdk_events
from premiere.store import Store
from simulation.system import (
    DEFAULT_GUARD,
    FLAG,
    OPERATOR,
    PROJECT,
    RELEASE,
    SDK,
    START,
    SimulatedClock,
    set_up,
)

CLIENT = TokenInfo(
    id="c" * 16, name="web", scope="sdk-client", project=PROJECT, environment="production"
)
ROOMY = EventPolicy(client_max_count=10**6)  # the guard, not the batch bound, is tested here


def _send(store: Store, token: TokenInfo, minute: int) -> None:
    """A regression: the treatment (1 %) errs four times as often as the control."""
    at = START + timedelta(minutes=minute)
    payload: dict[str, Any] = {
        "period_start": at.isoformat(),
        "flags": [
            {"key": FLAG, "variation": 0, "reason": "RULE_MATCH", "count": 200},
            {"key": FLAG, "variation": 1, "reason": "RULE_MATCH", "count": 19_800},
        ],
        "custom": [
            {"key": f"error.{FLAG}.0", "count": 8},
            {"key": f"error.{FLAG}.1", "count": 198},
        ],
    }
    record_sdk_events(store, token, payload, now=at, policy=ROOMY)


def _started(store: Store, **guard: Any) -> tuple[Scheduler, SimulatedClock]:
    view = set_up(store, guard={**DEFAULT_GUARD, **guard})
    flag = get_flag(store, PROJECT, FLAG)  # client SDKs receive it: they may count it
    update_flag(store, OPERATOR, PROJECT, FLAG, {"client_visible": True}, flag["version"])
    releases.start_release(store, OPERATOR, PROJECT, RELEASE, {}, view["version"], now=START)
    clock = SimulatedClock(START)
    return Scheduler(store, clock=clock, leadership=AlwaysLeader()), clock


def test_guard__regression_sent_with_client_key__ignored_release_keeps_rolling_out(
    store: Store,
) -> None:
    scheduler, clock = _started(store)
    for minute in range(10):
        _send(store, CLIENT, minute)
    clock.advance(10)

    report = scheduler.run_once()

    assert report is not None
    assert all(d["status"] != "regressed" for d in report.decisions)
    assert releases.get_release(store, PROJECT, RELEASE)["state"] == "rolling_out"


def test_guard__client_events_opted_in__regression_rolls_back_and_decision_names_sources(
    store: Store,
) -> None:
    scheduler, clock = _started(store, client_events=True)
    for minute in range(10):
        _send(store, CLIENT, minute)
    clock.advance(10)

    report = scheduler.run_once()

    assert report is not None
    assert releases.get_release(store, PROJECT, RELEASE)["state"] == "rolled_back"
    (decision,) = releases.list_guard_decisions(store, PROJECT, RELEASE)
    assert decision["status"] == "regressed"
    assert decision["details"]["event_sources"] == ["sdk-server", "sdk-client"]
    assert decision["details"]["event_tokens"] == [CLIENT.id]


def test_guard__server_key_regression__rolled_back_decision_names_server_token(
    store: Store,
) -> None:
    scheduler, clock = _started(store)
    for minute in range(10):
        _send(store, SDK, minute)
        _send(store, CLIENT, minute)  # read by no guard here: not in the tokens recorded
    clock.advance(10)

    scheduler.run_once()

    assert releases.get_release(store, PROJECT, RELEASE)["state"] == "rolled_back"
    (decision,) = releases.list_guard_decisions(store, PROJECT, RELEASE)
    assert decision["details"]["event_sources"] == ["sdk-server"]
    assert decision["details"]["event_tokens"] == [SDK.id]


def test_release_spec__client_events__defaults_false_and_shown(store: Store) -> None:
    view = set_up(store)
    assert [g["client_events"] for g in view["guards"]] == [False]


def test_release_spec__client_events_not_boolean__validation_error_names_field(
    store: Store,
) -> None:
    with pytest.raises(ValidationError) as caught:
        set_up(store, guard={**DEFAULT_GUARD, "client_events": "yes"})
    assert [(v.field, v.rule) for v in caught.value.violations] == [
        ("guards[0].client_events", "type")
    ]
