"""Projects: a product with its environments, services, flags and segments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from premiere.errors import AlreadyExistsError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_project_row
from premiere.services.mappers import ProjectView, map_project_row_to_view
from premiere.services.validation import DESCRIPTION_MAX, Validator
from premiere.services.versioned_updates import update_audited
from premiere.store import Store
from premiere.store.concurrency import require_version
from premiere.store.models import Project

EDITABLE = ("name", "description")


def create_project(store: Store, actor: Actor, data: Mapping[str, Any]) -> ProjectView:
    _check(data, creating=True)
    key = data["key"]
    try:
        with store.write() as session:
            if session.scalar(select(Project.id).where(Project.key == key)) is not None:
                raise AlreadyExistsError("project", key)
            row = Project(
                key=key,
                name=data.get("name") or key,
                description=data.get("description") or "",
            )
            session.add(row)
            session.flush()
            view = map_project_row_to_view(row)
            record_audit_event(
                session,
                actor,
                "project.created",
                project=key,
                resource_type="project",
                resource_key=key,
                after=view,
            )
    except IntegrityError:
        raise AlreadyExistsError("project", key) from None
    return view


def list_projects(store: Store) -> list[ProjectView]:
    with store.read() as session:
        rows = session.scalars(select(Project).order_by(Project.key))
        return [map_project_row_to_view(row) for row in rows]


def get_project(store: Store, key: str) -> ProjectView:
    with store.read() as session:
        return map_project_row_to_view(get_project_row(session, key))


def update_project(
    store: Store,
    actor: Actor,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> ProjectView:
    expected = require_version(expected_version, "project", key)
    _check(data, creating=False)
    with store.write() as session:
        row = get_project_row(session, key)
        changes = {field: data[field] for field in EDITABLE if field in data}
        return update_audited(
            session, actor, row, expected, changes, "project.updated", map_project_row_to_view,
            project=key,
        )  # fmt: skip


def _check(data: Mapping[str, Any], *, creating: bool) -> None:
    validator = Validator(data)
    validator.allowed(("key", *EDITABLE) if creating else EDITABLE)
    if creating:
        validator.key()
    validator.text("name", empty=False)
    validator.text("description", max_length=DESCRIPTION_MAX)
    validator.raise_if_any()
