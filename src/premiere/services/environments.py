"""Environments: the ordered stages of a project, each with its own flag configuration."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from premiere.errors import AlreadyExistsError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.flags.defaults import default_config
from premiere.services.lookups import (
    get_environment_row,
    get_project_row,
    list_environment_rows,
    lock_project,
)
from premiere.services.mappers import EnvironmentView, map_environment_row_to_view
from premiere.services.people.permissions import ROLES
from premiere.services.validation import Validator
from premiere.services.versioned_updates import update_audited
from premiere.store import Store
from premiere.store.concurrency import require_version
from premiere.store.models import Environment, Flag, FlagConfig, Project

EDITABLE = ("name", "production", "position", "flag_role")


def create_environment(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> EnvironmentView:
    """Append an environment; every flag of the project gets an ``off`` configuration."""
    _check(data, creating=True)
    key = data["key"]
    try:
        with store.write() as session:
            project_row = get_project_row(session, project)
            lock_project(session, project)
            environments = list_environment_rows(session, project_row)
            if any(env.key == key for env in environments):
                raise AlreadyExistsError("environment", key)
            row = Environment(
                project_id=project_row.id,
                key=key,
                name=data.get("name") or key,
                production=data.get("production", False),
                position=len(environments),
                flag_role=data.get("flag_role"),
            )
            session.add(row)
            session.flush()
            _add_flag_configs(session, project_row, row)
            if "position" in data:
                _move(session, [*environments, row], row, data["position"])
                session.refresh(row)
            view = map_environment_row_to_view(row, project)
            record_audit_event(
                session,
                actor,
                "environment.created",
                project=project,
                resource_type="environment",
                resource_key=key,
                environment=key,
                after=view,
            )
    except IntegrityError:
        raise AlreadyExistsError("environment", key) from None
    return view


def list_environments(store: Store, project: str) -> list[EnvironmentView]:
    with store.read() as session:
        rows = list_environment_rows(session, get_project_row(session, project))
        return [map_environment_row_to_view(row, project) for row in rows]


def get_environment(store: Store, project: str, key: str) -> EnvironmentView:
    with store.read() as session:
        row = get_environment_row(session, get_project_row(session, project), key)
        return map_environment_row_to_view(row, project)


def update_environment(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> EnvironmentView:
    """Rename, mark as production, set the role that changes its flags (``flag_role``;
    null: the default), or move to ``position`` (the others shift)."""
    expected = require_version(expected_version, "environment", key)
    _check(data, creating=False)
    with store.write() as session:
        project_row = get_project_row(session, project)
        lock_project(session, project)
        row = get_environment_row(session, project_row, key)
        changes = {
            field: data[field] for field in ("name", "production", "flag_role") if field in data
        }

        def move() -> None:
            if "position" in data and data["position"] != row.position:
                _move(session, list_environment_rows(session, project_row), row, data["position"])
                session.refresh(row)

        return update_audited(
            session, actor, row, expected, changes, "environment.updated",
            partial(map_environment_row_to_view, project=project), project=project,
            environment=key, then=move,
        )  # fmt: skip


def _move(session: Session, ordered: list[Environment], row: Environment, position: int) -> None:
    """Put ``row`` at ``position`` (clamped to the end) and renumber 0..n-1.

    Every environment whose position changes gets a new version, as its view changed.
    """
    others = [env for env in ordered if env.id != row.id]
    others.insert(min(position, len(others)), row)
    for index, env in enumerate(others):
        if env.position != index:
            bump = 0 if env.id == row.id else 1
            session.execute(
                update(Environment)
                .where(Environment.id == env.id)
                .values(position=index, version=Environment.version + bump)
                .execution_options(synchronize_session=False)
            )


def _add_flag_configs(session: Session, project: Project, environment: Environment) -> None:
    flags = session.scalars(select(Flag).where(Flag.project_id == project.id))
    for flag in flags:
        session.add(
            FlagConfig(
                flag_id=flag.id,
                environment_id=environment.id,
                config=default_config(on_variation=0, off_variation=len(flag.variations) - 1),
            )
        )


def _check(data: Mapping[str, Any], *, creating: bool) -> None:
    validator = Validator(data)
    validator.allowed(("key", *EDITABLE) if creating else EDITABLE)
    if creating:
        validator.key()
    validator.text("name", empty=False)
    validator.boolean("production")
    validator.integer("position", minimum=0)
    if data.get("flag_role") is not None and data["flag_role"] not in ROLES:
        validator.add("flag_role", "enum", f"must be one of {', '.join(ROLES)}, or null")
    validator.raise_if_any()
