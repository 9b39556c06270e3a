"""Which event types an audit event means: by its action, and for some by its actor
(the guards) or what it recorded after (a deployment's status)."""

from __future__ import annotations

from premiere.services import SYSTEM, Actor
from premiere.services.communication.events import event_types_of

USER = Actor(kind="user", id="u-1", name="Ada")
GUARD = Actor(kind="system", id="guard", name="premiere guard")


def test_release_paused__by_a_person__release_paused_only() -> None:
    assert event_types_of("release.paused", USER, {}) == ["release.paused"]


def test_release_paused__by_the_guards__also_a_guard_decision() -> None:
    assert event_types_of("release.paused", GUARD, {}) == ["release.paused", "guard.decision"]
    assert event_types_of("release.rolled_back", GUARD, {}) == [
        "release.rolled_back", "guard.decision"
    ]  # fmt: skip
    assert event_types_of("release.hold_extended", SYSTEM, {}) == ["guard.decision"]


def test_deployment_status__verified_or_failed__by_what_it_recorded() -> None:
    verified = {"status": "succeeded", "verified": True}
    assert event_types_of("deployment.status_changed", SYSTEM, verified) == ["deployment.verified"]
    unverified = {"status": "succeeded", "verified": False}
    assert event_types_of("deployment.status_changed", SYSTEM, unverified) == []
    failed = {"status": "failed", "verified": False}
    assert event_types_of("deployment.status_changed", SYSTEM, failed) == ["deployment.failed"]


def test_other_actions__no_event() -> None:
    assert event_types_of("flag_config.updated", USER, {}) == []
    assert event_types_of("webhook.created", USER, {}) == []


def test_checklist_item__done_not_undone__readiness_event() -> None:
    assert event_types_of("readiness.item_done", USER, {}) == ["readiness.item_done"]
    assert event_types_of("readiness.item_undone", USER, {}) == []
