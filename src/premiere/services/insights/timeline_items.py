"""What a timeline item is: its category, its sentence and its link, from one audit event.

The category of an event follows its resource type (an incident's ``incident.*``
actions are of resource type ``incident``), with two exceptions: an approval
(``release.approved``) is an approval, and what a guard did to a release (the guard's
actor) is a guard decision.
:func:`category_clause` says the same in SQL, so that a filter by category selects
exactly the events :func:`categorize` puts in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from sqlalchemy import ColumnElement, and_, not_

from premiere.store.models import AuditEvent

CATEGORIES = ("deployment", "flag", "release", "guard", "approval", "note", "incident", "other")
RESOURCE_CATEGORIES = {
    "deployment": "deployment",
    "check": "deployment",
    "flag": "flag",
    "segment": "flag",
    "scheduled_change": "flag",
    "release": "release",
    "release_train": "release",
    "freeze_window": "release",
    "checklist_template": "release",
    "note": "note",
    "incident": "incident",
}
APPROVAL = "release.approved"
GUARD_ACTOR = ("system", "guard")
"""The actor (kind, id) of what guards do (services/releases/tick.py)."""


def categorize(action: str, resource_type: str, actor_kind: str, actor_id: str) -> str:
    """The category of an event (one of ``CATEGORIES``)."""
    if action == APPROVAL:
        return "approval"
    if resource_type == "release" and (actor_kind, actor_id) == GUARD_ACTOR:
        return "guard"
    return RESOURCE_CATEGORIES.get(resource_type, "other")


def category_clause(category: str) -> ColumnElement[bool]:
    """The events of ``category``, as a condition on ``audit_events``."""
    approval = AuditEvent.action == APPROVAL
    guard = and_(
        AuditEvent.resource_type == "release",
        AuditEvent.actor_kind == GUARD_ACTOR[0],
        AuditEvent.actor_id == GUARD_ACTOR[1],
    )
    if category == "approval":
        return approval
    if category == "guard":
        return and_(guard, not_(approval))
    if category == "other":
        return and_(not_(AuditEvent.resource_type.in_(sorted(RESOURCE_CATEGORIES))), not_(approval))
    types = sorted(t for t, c in RESOURCE_CATEGORIES.items() if c == category)
    if category != "release":  # only releases' events are approvals or guards' doing
        return AuditEvent.resource_type.in_(types)
    return and_(AuditEvent.resource_type.in_(types), not_(approval), not_(guard))


def describe(event: Mapping[str, Any], category: str, deployment: Mapping[str, Any] | None) -> str:
    """A sentence saying what happened: ``Flag checkout turned on in production``."""
    verb = event["action"].partition(".")[2].replace("_", " ")
    key, after = event["resource_key"], event["after"] if isinstance(event["after"], dict) else {}
    where = f" in {event['environment']}" if event["environment"] else ""
    if category == "deployment" and event["resource_type"] == "deployment":
        return _deployment_sentence(event["action"], after, deployment or after, key)
    if event["action"] == "flag_config.updated":
        before = event["before"] if isinstance(event["before"], dict) else {}
        if before.get("on") != after.get("on") and "on" in after:
            return f"Flag {key} turned {'on' if after['on'] else 'off'}{where}"
        return f"Flag {key} changed{where}"
    if category in ("release", "guard", "approval") and event["resource_type"] == "release":
        return _release_sentence(category, verb, after, key, event["actor"]["name"])
    if category == "note":
        return f"Release note “{after.get('title') or key}” {verb}"
    if category == "incident":
        return f"Incident {after.get('title') or key} {verb}"
    noun = event["resource_type"].replace("_", " ")
    return f"{noun[:1].upper()}{noun[1:]} {key} {verb}{where}"


def link_of(project: str, event: Mapping[str, Any]) -> str:
    """The console page of what an event is about; the audit log filtered to the
    resource when it has no page of its own."""
    base = f"/projects/{quote(project, safe='')}"
    resource, key = event["resource_type"], quote(event["resource_key"], safe="")
    after = event["after"] if isinstance(event["after"], dict) else {}
    if resource == "deployment":
        return f"{base}/deployments/{key}"
    if resource == "flag":
        return f"{base}/flags/{key}"
    if resource == "segment":
        return f"{base}/segments/{key}"
    if resource == "release":
        return f"{base}/releases/{key}"
    if resource == "note" and isinstance(after.get("release"), str):
        return f"{base}/releases/{quote(after['release'], safe='')}/notes/{key}"
    query = urlencode(
        {"resource_type": event["resource_type"], "resource_key": event["resource_key"]}
    )
    return f"{base}/audit?{query}"


def _deployment_sentence(
    action: str, after: Mapping[str, Any], deployment: Mapping[str, Any], key: str
) -> str:
    what = " ".join(str(deployment[f]) for f in ("service", "version") if deployment.get(f))
    place = f" to {deployment['environment']}" if deployment.get("environment") else ""
    name = f"Deployment of {what}{place}" if what else f"Deployment {key}{place}"
    status = str(after.get("status") or "").replace("_", " ")
    if action == "deployment.recorded":
        return f"{name} recorded ({status})" if status else f"{name} recorded"
    if action == "deployment.rolled_back":
        return f"{name} rolled back"
    if action == "deployment.status_changed":
        if status == "succeeded":
            return f"{name} verified: succeeded" if after.get("verified") else f"{name} succeeded"
        reason = f": {after['reason']}" if status == "failed" and after.get("reason") else ""
        return f"{name} {status}{reason}"
    return f"{name} {action.partition('.')[2].replace('_', ' ')}"


def _release_sentence(
    category: str, verb: str, after: Mapping[str, Any], key: str, actor: str
) -> str:
    name = after.get("name") or key
    if category == "approval":
        return f"Release {name} approved by {actor}"
    if category == "guard":
        return f"A guard {verb} release {name} after a regression"
    if verb == "advanced" and isinstance(after.get("stage"), int):
        return f"Release {name} advanced to stage {after['stage'] + 1}"
    return f"Release {name} {verb}"
