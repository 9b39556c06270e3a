"""One timeline of a project: every change it went through, newest first.

Deployments and their verification, flag changes, release stages and actions, guard
decisions, approvals, published notes and incidents are all audit events (each
change is recorded in its own transaction, services/audit.py), so the timeline is a
reading of the audit log: one indexed statement per page (``project``, ``id``
descending, with the filters), plus one for the deployments the page names. Each
item says what happened as a sentence and links to its page in the console
(services/insights/timeline_items.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import String, cast, or_, select
from sqlalchemy.orm import Session

from premiere.errors import ValidationError, Violation
from premiere.services.audit import parse_time
from premiere.services.insights.timeline_items import (
    CATEGORIES,
    categorize,
    category_clause,
    describe,
    link_of,
)
from premiere.services.lookups import get_project_row
from premiere.services.mappers import ActorView, format_time
from premiere.services.validation import decode_cursor, encode_cursor
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.models import AuditEvent, Environment, Service

MAX_LIMIT = 200
CURSOR_KIND = "timeline"
FILTER_MAX = 200


class TimelineItem(TypedDict):
    id: int
    at: str
    category: str
    action: str
    title: str
    actor: ActorView
    environment: str | None
    resource_type: str
    resource_key: str
    link: str


class TimelinePage(TypedDict):
    items: list[TimelineItem]
    next_cursor: str | None


def list_timeline(
    store: Store,
    project: str,
    *,
    categories: Sequence[str] = (),
    environment: str | None = None,
    service: str | None = None,
    actor: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> TimelinePage:
    """A page of ``project``'s timeline, newest first. Filters combine with AND;
    several ``categories`` combine with OR. ``actor`` matches the actor's id or name;
    ``service`` keeps what concerns the service (its deployments, their verification,
    its checks, the service itself); ``since`` is inclusive and ``until`` exclusive."""
    since, until = _validate(categories, (environment, service, actor), (since, until), limit)
    statement = select(AuditEvent).where(AuditEvent.project == project)
    statement = statement.order_by(AuditEvent.id.desc()).limit(limit + 1)
    if categories:
        statement = statement.where(or_(*(category_clause(c) for c in dict.fromkeys(categories))))
    if environment is not None:
        statement = statement.where(AuditEvent.environment == environment)
    if actor is not None:
        statement = statement.where(
            or_(AuditEvent.actor_id == actor, AuditEvent.actor_name == actor)
        )
    if since is not None:
        statement = statement.where(AuditEvent.at >= since)
    if until is not None:
        statement = statement.where(AuditEvent.at < until)
    if cursor is not None:
        statement = statement.where(AuditEvent.id < decode_cursor(CURSOR_KIND, cursor))
    with store.read() as session:
        project_row = get_project_row(session, project)
        if service is not None:
            statement = statement.where(_service_clause(session, project_row.id, service))
        rows = list(session.scalars(statement))
        more = len(rows) > limit
        rows = rows[:limit]
        deployments = _deployments(session, rows)
    return {
        "items": [_item(project, row, deployments) for row in rows],
        "next_cursor": encode_cursor(CURSOR_KIND, rows[-1].id) if more else None,
    }


def _validate(
    categories: Sequence[str],
    texts: tuple[str | None, str | None, str | None],
    times: tuple[datetime | str | None, datetime | str | None],
    limit: int,
) -> tuple[datetime | None, datetime | None]:
    """Every filter's violations at once; the times in UTC."""
    violations = []
    if any(category not in CATEGORIES for category in categories):
        message = f"each must be one of {', '.join(CATEGORIES)}"
        violations.append(Violation("category", "enum", message))
    for name, value in zip(("environment", "service", "actor"), texts, strict=True):
        if value is not None and (not isinstance(value, str) or len(value) > FILTER_MAX):
            violations.append(Violation(name, "type", f"must be text of at most {FILTER_MAX}"))
    parsed: list[datetime | None] = []
    for name, given in zip(("since", "until"), times, strict=True):
        try:
            parsed.append(None if given is None else parse_time(name, given))
        except ValidationError as exc:
            violations += exc.violations
            parsed.append(None)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        violations.append(Violation("limit", "range", f"must be between 1 and {MAX_LIMIT}"))
    if violations:
        raise ValidationError(violations)
    return parsed[0], parsed[1]


def _service_clause(session: Session, project_id: int, service: str) -> Any:
    """Events about ``service``: its deployments (by id), its checks, itself."""
    found = session.scalar(
        select(Service.id).where(Service.project_id == project_id, Service.key == service)
    )
    ids = select(cast(Deployment.id, String)).where(Deployment.service_id == found)
    return or_(
        (AuditEvent.resource_type == "deployment") & AuditEvent.resource_key.in_(ids),
        (AuditEvent.resource_type == "check") & AuditEvent.resource_key.startswith(f"{service}/"),
        (AuditEvent.resource_type == "service") & (AuditEvent.resource_key == service),
    )


def _deployments(session: Session, rows: Iterable[AuditEvent]) -> dict[str, dict[str, Any]]:
    """Service, version and environment of the deployments the events name."""
    ids = {
        int(row.resource_key)
        for row in rows
        if row.resource_type == "deployment" and row.resource_key.isdigit()
    }
    if not ids:
        return {}
    found = session.execute(
        select(Deployment.id, Service.key, Deployment.version, Environment.key)
        .join(Service, Service.id == Deployment.service_id)
        .join(Environment, Environment.id == Deployment.environment_id)
        .where(Deployment.id.in_(sorted(ids)))
    )
    return {
        str(id_): {"service": service, "version": version, "environment": environment}
        for id_, service, version, environment in found
    }


def _item(project: str, row: AuditEvent, deployments: dict[str, dict[str, Any]]) -> TimelineItem:
    category = categorize(row.action, row.resource_type, row.actor_kind, row.actor_id)
    actor: ActorView = {"kind": row.actor_kind, "id": row.actor_id, "name": row.actor_name}
    event = {
        "action": row.action,
        "resource_type": row.resource_type,
        "resource_key": row.resource_key,
        "environment": row.environment,
        "before": row.before,
        "after": row.after,
        "actor": actor,
    }
    deployment = deployments.get(row.resource_key) if row.resource_type == "deployment" else None
    return {
        "id": row.id,
        "at": format_time(row.at),
        "category": category,
        "action": row.action,
        "title": describe(event, category, deployment),
        "actor": actor,
        "environment": row.environment,
        "resource_type": row.resource_type,
        "resource_key": row.resource_key,
        "link": link_of(project, event),
    }
