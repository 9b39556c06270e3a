"""The event types a webhook subscribes to, and which audit actions mean each.

An audit event (services/audit.py) is announced under every event type whose rule
matches its action (and, for some, its actor or its ``after``): one audit event may
mean two types, e.g. a guard pausing a release is both ``release.paused`` and
``guard.decision``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from premiere.services import Actor

GUARD_ACTOR_ID = "guard"  # services/releases/tick.py's GUARD_ACTOR
PING = "ping"

Rule = Callable[[str, Actor, Any], bool]


def _action(*actions: str) -> Rule:
    return lambda action, _actor, _after: action in actions


def _status(status: str) -> Rule:
    def rule(action: str, _actor: Actor, after: Any) -> bool:
        return (
            action == "deployment.status_changed"
            and isinstance(after, dict)
            and after.get("status") == status
            and (status != "succeeded" or bool(after.get("verified")))
        )

    return rule


def _guard(action: str, actor: Actor, _after: Any) -> bool:
    if action == "release.hold_extended":
        return True
    return action in ("release.paused", "release.rolled_back") and actor.id == GUARD_ACTOR_ID


EVENT_TYPES: dict[str, tuple[Rule, str]] = {
    "deployment.recorded": (_action("deployment.recorded"), "deployment.recorded"),
    "deployment.verified": (
        _status("succeeded"),
        "deployment.status_changed to succeeded, verified",
    ),
    "deployment.failed": (_status("failed"), "deployment.status_changed to failed"),
    "release.started": (_action("release.started"), "release.started"),
    "release.advanced": (_action("release.advanced"), "release.advanced"),
    "release.paused": (_action("release.paused"), "release.paused"),
    "release.resumed": (_action("release.resumed"), "release.resumed"),
    "release.rolled_back": (_action("release.rolled_back"), "release.rolled_back"),
    "release.released": (_action("release.released"), "release.released"),
    "note.published": (_action("note.published"), "note.published"),
    "guard.decision": (
        _guard,
        "release.hold_extended; release.paused and release.rolled_back by the guards",
    ),
    "readiness.item_done": (_action("readiness.item_done"), "readiness.item_done"),
}
"""Each event type: its rule over (action, actor, after), and the audit actions it
means, in words (documented in docs/webhooks.md)."""


def event_types_of(action: str, actor: Actor, after: Any) -> list[str]:
    """The event types an audit event with this action, actor and ``after`` means."""
    return [name for name, (rule, _) in EVENT_TYPES.items() if rule(action, actor, after)]
