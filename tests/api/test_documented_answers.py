"""The answers of the release routes and of SDK events have the documented shapes.

The response models (api/releases/views.py, api/sdk/models.py) are what /openapi.json says
these routes answer; here the real answers, over the demo project with an approval, a
scheduled start, a guard decision and a release train, are read strictly against them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter

from premiere.api.releases.views import (
    ApprovalView,
    DeparturesView,
    FreezeWindowView,
    GuardDecisionView,
    ReadinessView,
    ScheduledChangeView,
    TrainView,
    TransitionView,
)
from premiere.api.sdk.models import EventsCounted
from premiere.services.releases.tick import record_guard_decision

from .support import Api

PROJECT = "/api/v1/projects/demo"
RELEASE = "/api/v1/projects/demo/releases/recommendations-v2"
TRAINS = "/api/v1/projects/demo/release-trains"


def conforms(shape: Any, body: Any) -> Any:
    """``body`` read strictly (no coercion) as ``shape``; returns what was read."""
    return TypeAdapter(shape).validate_python(body, strict=True)


def test_release_routes__answers__have_the_documented_shapes(acme: Api) -> None:
    approval = acme.ok(acme.post(f"{RELEASE}/approvals", {"comment": "ok"}), 201)
    assert conforms(ApprovalView, approval).comment == "ok"
    assert len(conforms(list[ApprovalView], acme.ok(acme.get(f"{RELEASE}/approvals")))) == 1
    record_guard_decision(
        acme.store, "demo", "recommendations-v2", {"status": "healthy", "guard": "errors"}
    )
    decisions = conforms(list[GuardDecisionView], acme.ok(acme.get(f"{RELEASE}/guard-decisions")))
    assert [d.status for d in decisions] == ["healthy"]
    readiness = conforms(ReadinessView, acme.ok(acme.get(f"{RELEASE}/readiness")))
    assert readiness.ready is False and readiness.missing
    start_at = (datetime.now(UTC) + timedelta(days=30)).isoformat().replace("+00:00", "Z")
    version = acme.ok(acme.get(RELEASE))["version"]
    acme.ok(acme.post(f"{RELEASE}/schedule", {"start_at": start_at, "version": version}))
    history = conforms(list[TransitionView], acme.ok(acme.get(f"{RELEASE}/history")))
    assert [(t.from_, t.to) for t in history] == [("draft", "scheduled")]


def test_release_trains__answers__have_the_documented_shapes(acme: Api) -> None:
    cadence = {"weekday": "monday", "time": "09:00", "anchor": "2026-01-05"}
    created = acme.ok(acme.post(TRAINS, {"key": "weekly", "cadence": cadence}), 201)
    assert len(conforms(TrainView, created).next_departures) == 3
    assert [t.key for t in conforms(list[TrainView], acme.ok(acme.get(TRAINS)))] == ["weekly"]
    conforms(TrainView, acme.ok(acme.get(f"{TRAINS}/weekly")))
    edited = acme.ok(acme.patch(f"{TRAINS}/weekly", {"name": "Weekly", "version": 1}))
    assert conforms(TrainView, edited).name == "Weekly"
    departures = acme.ok(acme.get(f"{TRAINS}/weekly/departures", params={"count": 2}))
    assert len(conforms(DeparturesView, departures).departures) == 2


def test_scheduled_changes_and_freeze_windows__answers__name_their_creator(acme: Api) -> None:
    later = datetime.now(UTC) + timedelta(days=30)
    at, end = later.isoformat(), (later + timedelta(hours=2)).isoformat()
    change = {"flag": "new-checkout", "environment": "production", "patch": {"on": True}}
    created = acme.ok(acme.post(f"{PROJECT}/scheduled-changes", {**change, "at": at}), 201)
    assert conforms(ScheduledChangeView, created).created_by.kind == "token"
    conforms(list[ScheduledChangeView], acme.ok(acme.get(f"{PROJECT}/scheduled-changes")))
    window = {"environment": "production", "start": at, "end": end}
    created = acme.ok(acme.post(f"{PROJECT}/freeze-windows", window), 201)
    assert conforms(FreezeWindowView, created).created_by.kind == "token"
    conforms(list[FreezeWindowView], acme.ok(acme.get(f"{PROJECT}/freeze-windows")))


def test_sdk_events__202__has_the_documented_shape(acme: Api) -> None:
    token = acme.token("sdk-server", "demo", "production")
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    batch = {
        "period_start": start.isoformat().replace("+00:00", "Z"),
        "period_end": (start + timedelta(seconds=30)).isoformat().replace("+00:00", "Z"),
        "flags": [{"key": "new-checkout", "variation": 0, "reason": "FALLTHROUGH", "count": 5}],
        "custom": [{"key": "purchase", "count": 3}],
    }
    answer = acme.request("POST", "/api/v1/sdk/events", token, json=batch)
    counted = conforms(EventsCounted, acme.ok(answer, 202))
    assert (counted.flag_evaluations, counted.custom_events, counted.dropped) == (5, 3, 0)
