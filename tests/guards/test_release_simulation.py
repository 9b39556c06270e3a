"""Whole-system simulations (slow): SDK traffic through the event service, the real
releases tick and the scheduler's guards, on a simulated clock."""

from __future__ import annotations

import random

import pytest

from premiere.services.audit import list_audit_events
from premiere.services.releases import records as releases
from premiere.store import Store
from simulation.system import PROJECT, RELEASE, run_release, set_up

pytestmark = pytest.mark.slow


def test_release__healthy_canary__walks_every_stage_and_is_released(store: Store) -> None:
    set_up(store)
    run = run_release(store, random.Random(1))
    assert run.state == "released"
    assert [i["action"] for i in run.items] == [
        "advanced",
        "advanced",
        "advanced",
        "advanced",
        "released",
    ]
    decisions = releases.list_guard_decisions(store, PROJECT, RELEASE)
    assert [d["status"] for d in decisions] == ["healthy"] * 5


def test_release__doubled_error_rate__rolled_back_within_two_stages(store: Store) -> None:
    set_up(store)
    run = run_release(store, random.Random(2), treatment_rate=0.02)
    assert run.state == "rolled_back"
    assert run.stage is not None and run.stage <= 1
    decisions = releases.list_guard_decisions(store, PROJECT, RELEASE)
    regressed = [d for d in decisions if d["status"] == "regressed"]
    assert len(regressed) == 1
    assert regressed[0]["details"]["regression"]["p_value"] < 0.05
    events = list_audit_events(store, project=PROJECT, action="release.rolled_back")["items"]
    assert len(events) == 1 and events[0]["actor"]["id"] == "guard"


def test_release__too_little_traffic__hold_extended_and_said(store: Store) -> None:
    set_up(store)
    run = run_release(store, random.Random(3), users=5, max_minutes=3 * 60 + 5)
    assert run.state == "rolling_out" and run.stage == 0
    assert [i["action"] for i in run.items] == ["hold_extended"] * 3
    decisions = releases.list_guard_decisions(store, PROJECT, RELEASE)
    assert len(decisions) == 3
    assert all("hold extended" in d["details"]["reasons"][-1] for d in decisions)
