"""GuardWatcher against stored SDK event counts: arms, attribution, verdicts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from premiere.services.releases import records as releases
from premiere.services.releases.guards import GuardWatcher
from premiere.services.sdk.events import record_sdk_events
from premiere.store import Store
from simulation.system import (
    DEFAULT_GUARD,
    FLAG,
    PROJECT,
    RELEASE,
    SDK,
    START,
    set_up,
)

STAGE_5 = {"percent": 5, "hold_seconds": 3600, "advance": "auto", "index": 1}


def _send(store: Store, minute: int, flags: list[tuple[int | None, str, int]], custom: Any) -> None:
    at = START + timedelta(minutes=minute)
    payload = {
        "period_start": at.isoformat(),
        "flags": [{"key": FLAG, "variation": v, "reason": r, "count": n} for v, r, n in flags],
        "custom": [{"key": k, "count": n} for k, n in custom],
    }
    record_sdk_events(store, SDK, payload, now=at)


def _release(store: Store, **guard: Any) -> dict[str, Any]:
    set_up(store, guard={**DEFAULT_GUARD, **guard})
    view = releases.get_release(store, PROJECT, RELEASE)
    return {
        **view,
        "state": "rolling_out",
        "stage": 1,
        "started_at": START.isoformat(),
        "stage_started_at": START.isoformat(),
        "hold_until": (START + timedelta(hours=1)).isoformat(),
    }


def _watch(store: Store, release: dict[str, Any], minutes: int) -> tuple[str, GuardWatcher]:
    watcher = GuardWatcher(store, lambda: START + timedelta(minutes=minutes))
    return watcher(release, STAGE_5), watcher


def test_guard_watcher__doubled_errors_attributed_by_key__regressed(store: Store) -> None:
    release = _release(store)
    for minute in range(10):
        flags = [(0, "RULE_MATCH", 1000), (1, "RULE_MATCH", 19_000), (1, "OFF", 5000)]
        _send(store, minute, flags, [(f"error.{FLAG}.0", 20), (f"error.{FLAG}.1", 190)])
    status, watcher = _watch(store, release, 10)
    assert status == "regressed"
    (look,) = watcher.looks
    assert (look.result.treatment.n, look.result.treatment.total) == (10_000, 200)
    assert (look.result.control.n, look.result.control.total) == (190_000, 1900)  # no OFF
    (decision,) = [d for _, _, d in watcher.decisions()]
    assert decision["status"] == "regressed" and decision["details"]["regression"]["p_value"] < 0.05


def test_guard_watcher__same_error_rate__healthy_and_recorded_when_hold_ends(store: Store) -> None:
    release = _release(store)
    for minute in range(60):
        flags = [(0, "RULE_MATCH", 100), (1, "RULE_MATCH", 1900)]
        _send(store, minute, flags, [(f"error.{FLAG}.0", 1), (f"error.{FLAG}.1", 19)])
    status, watcher = _watch(store, release, 30)
    assert status == "healthy" and watcher.decisions() == []  # hold not over: nothing to record
    status, watcher = _watch(store, release, 61)
    assert status == "healthy"
    assert [d["status"] for _, _, d in watcher.decisions()] == ["healthy"]


def test_guard_watcher__unattributed_errors__not_counted(store: Store) -> None:
    release = _release(store)
    for minute in range(10):
        _send(store, minute, [(0, "RULE_MATCH", 1000), (1, "RULE_MATCH", 19_000)], [("error", 500)])
    status, watcher = _watch(store, release, 10)
    assert status == "healthy"
    assert watcher.looks[0].result.treatment.total == 0


def test_guard_watcher__too_few_evaluations__insufficient_and_hold_extension_said(
    store: Store,
) -> None:
    release = _release(store)
    _send(store, 0, [(0, "RULE_MATCH", 30), (1, "RULE_MATCH", 570)], [])
    status, watcher = _watch(store, release, 61)
    assert status == "insufficient"
    (decision,) = [d for _, _, d in watcher.decisions()]
    assert "hold extended: not enough data yet" in decision["details"]["reasons"]


def test_guard_watcher__split_off_plan__insufficient_with_sample_ratio_mismatch(
    store: Store,
) -> None:
    release = _release(store)
    for minute in range(30):  # 10 % in treatment where 5 % is planned
        _send(store, minute, [(0, "RULE_MATCH", 200), (1, "RULE_MATCH", 1800)], [])
    status, watcher = _watch(store, release, 30)
    assert status == "insufficient"
    (decision,) = [d for _, _, d in watcher.decisions()]
    assert decision["details"]["sample_ratio_mismatch"] is True


def test_guard_watcher__mean_metric_without_squares__insufficient_and_said(
    store: Store,
) -> None:
    release = _release(store, metric="event", event="latency", aggregate="mean")
    for minute in range(10):
        _send(store, minute, [(0, "RULE_MATCH", 1000), (1, "RULE_MATCH", 19_000)], [])
        _send_valued(store, minute, [(0, 1000, 120.0, None), (1, 19_000, 100.0, None)])
    status, watcher = _watch(store, release, 10)
    assert status == "insufficient"
    assert "value_sum_squares" in watcher.looks[0].result.reasons[0]


def _send_valued(
    store: Store, minute: int, rows: list[tuple[int, int, float, float | None]]
) -> None:
    """Latency events attributed by the SDK (flag/variation fields): (variation, n, mean,
    sd); an sd of None sends no sums of squares (as older SDKs)."""
    at = START + timedelta(minutes=minute)
    custom: list[dict[str, Any]] = []
    for v, n, mean, sd in rows:
        entry = {"key": "latency", "flag": FLAG, "variation": v, "count": n, "value_count": n,
                 "value_sum": n * mean}  # fmt: skip
        if sd is not None:
            entry["value_sum_squares"] = n * (mean * mean + sd * sd)
        custom.append(entry)
    payload = {"period_start": at.isoformat(), "flags": [], "custom": custom}
    record_sdk_events(store, SDK, payload, now=at)


@pytest.mark.parametrize(("treatment_mean", "expected"), [(110.0, "regressed"), (100.1, "healthy")])
def test_guard_watcher__mean_metric_attributed_by_sdk__tested_on_values(
    store: Store, treatment_mean: float, expected: str
) -> None:
    release = _release(store, metric="event", event="latency", aggregate="mean")
    for minute in range(10):
        _send(store, minute, [(0, "RULE_MATCH", 1000), (1, "RULE_MATCH", 19_000)], [])
        _send_valued(store, minute, [(0, 100, treatment_mean, 20.0), (1, 1900, 100.0, 20.0)])
    status, watcher = _watch(store, release, 10)
    assert status == expected
    assert watcher.looks[0].result.treatment.n == 1000  # the valued events are the units


def test_guard_watcher__errors_attributed_by_sdk_fields__counted(store: Store) -> None:
    release = _release(store)
    at = START
    for minute in range(10):
        at = START + timedelta(minutes=minute)
        custom = [
            {"key": "error", "flag": FLAG, "variation": 0, "count": 20},
            {"key": "error", "flag": FLAG, "variation": 1, "count": 190},
            {"key": "error", "flag": "other-flag", "variation": 0, "count": 999},
        ]
        flags = [
            {"key": FLAG, "variation": 0, "reason": "RULE_MATCH", "count": 1000},
            {"key": FLAG, "variation": 1, "reason": "RULE_MATCH", "count": 19_000},
        ]
        record_sdk_events(
            store, SDK, {"period_start": at.isoformat(), "flags": flags, "custom": custom}, now=at
        )
    status, watcher = _watch(store, release, 10)
    assert status == "regressed"
    assert watcher.looks[0].result.treatment.total == 200
    assert watcher.looks[0].result.control.total == 1900


def test_guard_watcher__release_without_guards__healthy(store: Store) -> None:
    release = {**_release(store), "guards": []}
    assert _watch(store, release, 10)[0] == "healthy"


@pytest.mark.parametrize("worse", ["higher", "lower"])
def test_guard_watcher__direction__only_the_worse_side_regresses(store: Store, worse: str) -> None:
    release = _release(store, worse=worse)
    for minute in range(10):  # the treatment has MORE events
        flags = [(0, "RULE_MATCH", 1000), (1, "RULE_MATCH", 19_000)]
        _send(store, minute, flags, [(f"error.{FLAG}.0", 20), (f"error.{FLAG}.1", 190)])
    status, watcher = _watch(store, release, 10)
    assert status == ("regressed" if worse == "higher" else "healthy")
    assert watcher.looks[0].result.regression is not None
    assert watcher.looks[0].result.regression.variance > 0


def test_guard_watcher__lower_is_worse_and_treatment_lower__regressed(store: Store) -> None:
    release = _release(store, metric="event", event="signup", worse="lower")
    for minute in range(10):  # sign-ups per evaluation: 1 % in treatment, 2 % in control
        flags = [(0, "RULE_MATCH", 1000), (1, "RULE_MATCH", 19_000)]
        _send(store, minute, flags, [(f"signup.{FLAG}.0", 10), (f"signup.{FLAG}.1", 380)])
    assert _watch(store, release, 10)[0] == "regressed"
