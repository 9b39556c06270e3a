"""The service catalog: the deployable units (an API, a worker, a web app) of a project."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from premiere.errors import AlreadyExistsError, NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_project_row
from premiere.services.mappers import ServiceView, map_service_row_to_view
from premiere.services.validation import DESCRIPTION_MAX, Validator, is_key
from premiere.services.versioned_updates import update_audited
from premiere.store import Store
from premiere.store.concurrency import require_version
from premiere.store.models import Project, Service

EDITABLE = ("name", "description", "repository")


def create_service(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> ServiceView:
    _check(data, creating=True)
    key = data["key"]
    try:
        with store.write() as session:
            project_row = get_project_row(session, project)
            if _find_service_row(session, project_row, key) is not None:
                raise AlreadyExistsError("service", key)
            row = Service(
                project_id=project_row.id,
                key=key,
                name=data.get("name") or key,
                description=data.get("description") or "",
                repository=data.get("repository"),
            )
            session.add(row)
            session.flush()
            view = map_service_row_to_view(row, project)
            record_audit_event(
                session,
                actor,
                "service.created",
                project=project,
                resource_type="service",
                resource_key=key,
                after=view,
            )
    except IntegrityError:
        raise AlreadyExistsError("service", key) from None
    return view


def list_services(store: Store, project: str) -> list[ServiceView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        rows = session.scalars(
            select(Service).where(Service.project_id == project_row.id).order_by(Service.key)
        )
        return [map_service_row_to_view(row, project) for row in rows]


def get_service(store: Store, project: str, key: str) -> ServiceView:
    with store.read() as session:
        row = _get_service_row(session, get_project_row(session, project), key)
        return map_service_row_to_view(row, project)


def update_service(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> ServiceView:
    expected = require_version(expected_version, "service", key)
    _check(data, creating=False)
    with store.write() as session:
        row = _get_service_row(session, get_project_row(session, project), key)
        changes = {field: data[field] for field in EDITABLE if field in data}
        view = partial(map_service_row_to_view, project=project)
        return update_audited(
            session, actor, row, expected, changes, "service.updated", view, project=project
        )


def _find_service_row(session: Session, project: Project, key: str) -> Service | None:
    if not is_key(key):
        return None
    return session.scalar(
        select(Service).where(Service.project_id == project.id, Service.key == key)
    )


def _get_service_row(session: Session, project: Project, key: str) -> Service:
    row = _find_service_row(session, project, key)
    if row is None:
        raise NotFoundError(
            "service", key, f"service {key!r} does not exist in project {project.key!r}"
        )
    return row


def _check(data: Mapping[str, Any], *, creating: bool) -> None:
    validator = Validator(data)
    validator.allowed(("key", *EDITABLE) if creating else EDITABLE)
    if creating:
        validator.key()
    validator.text("name", empty=False)
    validator.text("description", max_length=DESCRIPTION_MAX)
    validator.text("repository", max_length=500, null=True)
    validator.raise_if_any()
