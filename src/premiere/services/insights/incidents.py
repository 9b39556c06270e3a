"""Incidents: record one (by hand or from a monitoring tool's webhook), end it, list them.

An incident names what it is linked to: a deployment (by id), a release or a flag (by
key). How it ended (``resolution``) decides what it counts against in the insights: a
flag turned off makes it a failed release; otherwise a linked deployment is a failed
deployment. Audit events ``incident.recorded`` and ``incident.ended``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.deployments.rules import parse_time
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import DESCRIPTION_MAX, KEY_PATTERN, Validator
from premiere.store import Store
from premiere.store.deployments import Deployment
from premiere.store.incidents import Incident
from premiere.store.models import Flag, Project
from premiere.store.releases import Release
from premiere.store.types import utc_now

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
RESOLUTIONS = ("flag_off", "rollback", "fix", "other")
FIELDS = (
    "title", "description", "severity", "started_at", "ended_at",
    "deployment", "release", "flag", "resolution",
)  # fmt: skip
LIST_LIMIT = 500


def record_incident(
    store: Store,
    actor: Actor,
    project: str,
    data: Mapping[str, Any],
    *,
    source: str = "api",
    external_id: str | None = None,
) -> dict[str, Any]:
    validator = Validator(data)
    validator.allowed(FIELDS)
    if validator.required("title"):
        validator.text("title", empty=False)
    validator.text("description", max_length=DESCRIPTION_MAX)
    if validator.required("severity") and data["severity"] not in SEVERITIES:
        validator.add("severity", "enum", f"must be one of {', '.join(SEVERITIES)}")
    started = _time(validator, "started_at", required=True)
    ended = _time(validator, "ended_at", required=False)
    _validate_links(validator)
    _validate_resolution(validator)
    if started is not None and ended is not None and ended < started:
        validator.add("ended_at", "before_start", "must not be before started_at")
    validator.raise_if_any()
    assert started is not None
    with store.write() as session:
        project_row = get_project_row(session, project)
        _check_links(session, project_row, validator)
        now = utc_now()
        row = Incident(
            project_id=project_row.id,
            title=data["title"],
            description=data.get("description") or "",
            severity=data["severity"],
            started_at=started,
            ended_at=ended,
            deployment_id=data.get("deployment"),
            release=data.get("release"),
            flag=data.get("flag"),
            resolution=data.get("resolution"),
            source=source,
            external_id=external_id,
            created_by={"kind": actor.kind, "id": actor.id, "name": actor.name},
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        view = map_incident_row_to_view(row, project)
        _audit(session, actor, project, "incident.recorded", None, view)
        if ended is not None:
            _audit(session, actor, project, "incident.ended", None, view)
        return view


def end_incident(
    store: Store, actor: Actor, project: str, incident_id: int, data: Mapping[str, Any]
) -> dict[str, Any]:
    """Set ``ended_at`` (default now) and optionally ``resolution``; ending an incident
    already ended changes its end."""
    validator = Validator(data)
    validator.allowed(("ended_at", "resolution"))
    ended = _time(validator, "ended_at", required=False)
    _validate_resolution(validator)
    validator.raise_if_any()
    with store.write() as session:
        row = _get_row(session, get_project_row(session, project), incident_id)
        ended = ended or utc_now()
        if ended < row.started_at:
            validator.add("ended_at", "before_start", "must not be before started_at")
            validator.raise_if_any()
        before = map_incident_row_to_view(row, project)
        row.ended_at = ended
        if data.get("resolution") is not None:
            row.resolution = data["resolution"]
        row.updated_at = utc_now()
        session.flush()
        view = map_incident_row_to_view(row, project)
        _audit(session, actor, project, "incident.ended", before, view)
        return view


def get_incident(store: Store, project: str, incident_id: int) -> dict[str, Any]:
    with store.read() as session:
        return map_incident_row_to_view(
            _get_row(session, get_project_row(session, project), incident_id), project
        )


def list_incidents(
    store: Store, project: str, *, open_only: bool = False, limit: int = 100
) -> dict[str, Any]:
    """The project's incidents, newest first (by start)."""
    with store.read() as session:
        project_row = get_project_row(session, project)
        statement = select(Incident).where(Incident.project_id == project_row.id)
        if open_only:
            statement = statement.where(Incident.ended_at.is_(None))
        rows = session.scalars(
            statement.order_by(Incident.started_at.desc(), Incident.id.desc()).limit(
                max(1, min(limit, LIST_LIMIT))
            )
        )
        return {"items": [map_incident_row_to_view(row, project) for row in rows]}


def find_incident_by_external_id(store: Store, project: str, external_id: str) -> int | None:
    with store.read() as session:
        project_row = get_project_row(session, project)
        return session.scalar(
            select(Incident.id).where(
                Incident.project_id == project_row.id, Incident.external_id == external_id
            )
        )


def map_incident_row_to_view(row: Incident, project: str) -> dict[str, Any]:
    ended = row.ended_at
    return {
        "id": row.id,
        "project": project,
        "title": row.title,
        "description": row.description,
        "severity": row.severity,
        "started_at": format_time(row.started_at),
        "ended_at": format_time(ended),
        "duration_seconds": None if ended is None else (ended - row.started_at).total_seconds(),
        "deployment": row.deployment_id,
        "release": row.release,
        "flag": row.flag,
        "resolution": row.resolution,
        "source": row.source,
        "external_id": row.external_id,
        "created_by": dict(row.created_by),
        "created_at": format_time(row.created_at),
        "updated_at": format_time(row.updated_at),
    }


def _time(validator: Validator, field: str, *, required: bool) -> datetime | None:
    value = validator.data.get(field)
    if value is None:
        if required:
            validator.required(field)
        return None
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None:
        validator.add(field, "datetime", "must be an RFC 3339 date-time, e.g. 2026-01-31T12:00:00Z")
    return moment


def _validate_links(validator: Validator) -> None:
    validator.integer("deployment", minimum=1, null=True)
    for field in ("release", "flag"):
        value = validator.data.get(field)
        if value is not None and (not isinstance(value, str) or not KEY_PATTERN.fullmatch(value)):
            validator.add(field, "key_pattern", "must match [A-Za-z0-9._-]{1,128}")


def _validate_resolution(validator: Validator) -> None:
    value = validator.data.get("resolution")
    if value is not None and value not in RESOLUTIONS:
        validator.add("resolution", "enum", f"must be one of {', '.join(RESOLUTIONS)}")


def _check_links(session: Session, project: Project, validator: Validator) -> None:
    data = validator.data
    if (
        data.get("deployment") is not None
        and session.scalar(
            select(Deployment.id).where(
                Deployment.project_id == project.id, Deployment.id == data["deployment"]
            )
        )
        is None
    ):
        validator.add("deployment", "unknown_deployment", "no such deployment in the project")
    if (
        data.get("release") is not None
        and session.scalar(
            select(Release.id).where(
                Release.project_id == project.id, Release.key == data["release"]
            )
        )
        is None
    ):
        validator.add("release", "unknown_release", "no such release in the project")
    if (
        data.get("flag") is not None
        and session.scalar(
            select(Flag.id).where(Flag.project_id == project.id, Flag.key == data["flag"])
        )
        is None
    ):
        validator.add("flag", "unknown_flag", "no such flag in the project")
    validator.raise_if_any()


def _get_row(session: Session, project: Project, incident_id: int) -> Incident:
    row = session.scalar(
        select(Incident).where(Incident.project_id == project.id, Incident.id == incident_id)
    )
    if row is None:
        raise NotFoundError("incident", str(incident_id))
    return row


def _audit(
    session: Session,
    actor: Actor,
    project: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    record_audit_event(
        session,
        actor,
        action,
        project=project,
        resource_type="incident",
        resource_key=str(after["id"]),
        before=before,
        after=after,
    )
