"""Segments: reusable audiences of a project (staff, beta testers, ``country in [DE, FR]``).

A segment is part of every environment's flag document, so each change bumps them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from premiere import engine
from premiere.errors import AlreadyExistsError, ConflictError, ValidationError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.flags.defaults import with_rule_ids
from premiere.services.lookups import (
    get_project_row,
    get_segment_row,
    list_environment_rows,
    lock_project,
)
from premiere.services.mappers import SegmentView, map_segment_row_to_view
from premiere.services.validation import DESCRIPTION_MAX, Validator
from premiere.services.versioned_updates import update_audited
from premiere.store import Store
from premiere.store.concurrency import require_current_version, require_version
from premiere.store.feed import record_document_change
from premiere.store.models import Environment, Flag, FlagConfig, Project, Segment

EDITABLE = ("name", "description", "included", "excluded", "rules")


def create_segment(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> SegmentView:
    values = _values(data)
    key = data["key"]
    try:
        with store.write() as session:
            project_row = get_project_row(session, project)
            lock_project(session, project)
            if _find_segment_id(session, project_row, key) is not None:
                raise AlreadyExistsError("segment", key)
            row = Segment(project_id=project_row.id, key=key, **values)
            session.add(row)
            session.flush()
            _document_changed(session, project_row, key)
            view = map_segment_row_to_view(row, project)
            record_audit_event(
                session,
                actor,
                "segment.created",
                project=project,
                resource_type="segment",
                resource_key=key,
                after=view,
            )
    except IntegrityError:
        raise AlreadyExistsError("segment", key) from None
    return view


def list_segments(store: Store, project: str) -> list[SegmentView]:
    with store.read() as session:
        project_row = get_project_row(session, project)
        rows = session.scalars(
            select(Segment).where(Segment.project_id == project_row.id).order_by(Segment.key)
        )
        return [map_segment_row_to_view(row, project) for row in rows]


def get_segment(store: Store, project: str, key: str) -> SegmentView:
    with store.read() as session:
        row = get_segment_row(session, get_project_row(session, project), key)
        return map_segment_row_to_view(row, project)


def update_segment(
    store: Store,
    actor: Actor,
    project: str,
    key: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> SegmentView:
    """Replace the segment's fields (PUT): those not given take their defaults."""
    expected = require_version(expected_version, "segment", key)
    if isinstance(data, Mapping) and data.get("key", key) != key:
        raise ValidationError.single("key", "immutable", "a segment's key cannot change")
    values = _values({**data, "key": key})
    with store.write() as session:
        project_row = get_project_row(session, project)
        lock_project(session, project)
        row = get_segment_row(session, project_row, key)
        return update_audited(
            session, actor, row, expected, values, "segment.updated",
            partial(map_segment_row_to_view, project=project), project=project,
            then=partial(_document_changed, session, project_row, key),
        )  # fmt: skip


def delete_segment(
    store: Store, actor: Actor, project: str, key: str, expected_version: int | None
) -> None:
    """Delete a segment no flag configuration uses (archived flags included)."""
    expected = require_version(expected_version, "segment", key)
    with store.write() as session:
        project_row = get_project_row(session, project)
        lock_project(session, project)
        row = get_segment_row(session, project_row, key)
        require_current_version("segment", key, row.version, expected)
        users = _flags_using(session, project_row, key)
        if users:
            names = ", ".join(f"{u['flag']} in {u['environment']}" for u in users)
            raise ConflictError(
                f"segment {key!r} is used by {names}",
                {"resource": "segment", "key": key, "used_by": users},
            )
        before = map_segment_row_to_view(row, project)
        session.delete(row)
        session.flush()
        _document_changed(session, project_row, key)
        record_audit_event(
            session,
            actor,
            "segment.deleted",
            project=project,
            resource_type="segment",
            resource_key=key,
            before=before,
        )


def _values(data: Mapping[str, Any]) -> dict[str, Any]:
    validator = Validator(data)
    validator.allowed(("key", *EDITABLE))
    validator.key()
    validator.text("name", empty=False)
    validator.text("description", max_length=DESCRIPTION_MAX)
    rules = with_rule_ids(data.get("rules", []))
    segment = {
        "key": data.get("key"),
        "included": data.get("included", []),
        "excluded": data.get("excluded", []),
        "rules": rules,
    }
    validator.extend(v for v in engine.validate_segment(segment) if v.field != "key")
    validator.raise_if_any()
    return {
        "name": data.get("name") or data["key"],
        "description": data.get("description") or "",
        "included": list(dict.fromkeys(segment["included"])),
        "excluded": list(dict.fromkeys(segment["excluded"])),
        "rules": rules,
    }


def _find_segment_id(session: Session, project: Project, key: str) -> int | None:
    return session.scalar(
        select(Segment.id).where(Segment.project_id == project.id, Segment.key == key)
    )


def _flags_using(session: Session, project: Project, key: str) -> list[dict[str, str]]:
    statement = (
        select(Flag.key, Environment.key, FlagConfig.config)
        .join(FlagConfig, FlagConfig.flag_id == Flag.id)
        .join(Environment, Environment.id == FlagConfig.environment_id)
        .where(Flag.project_id == project.id)
        .order_by(Flag.key, Environment.position)
    )
    return [
        {"flag": flag, "environment": env}
        for flag, env, config in session.execute(statement)
        if key in engine.referenced_segments(config)
    ]


def _document_changed(session: Session, project: Project, key: str) -> None:
    environments = list_environment_rows(session, project)
    record_document_change(session, project.key, environments, kind="segment", key=key)
