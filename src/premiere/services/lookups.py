"""Loading rows by key, or raising ``NotFoundError`` that names what is missing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.errors import NotFoundError
from premiere.services.validation import is_key
from premiere.store import lock_for_update
from premiere.store.models import Environment, Flag, Project, Segment


def get_project_row(session: Session, key: str) -> Project:
    row = session.scalar(select(Project).where(Project.key == key)) if is_key(key) else None
    if row is None:
        raise NotFoundError("project", key)
    return row


def get_environment_row(session: Session, project: Project, key: str) -> Environment:
    row = None
    if is_key(key):
        row = session.scalar(
            select(Environment).where(Environment.project_id == project.id, Environment.key == key)
        )
    if row is None:
        raise NotFoundError(
            "environment", key, f"environment {key!r} does not exist in project {project.key!r}"
        )
    return row


def list_environment_rows(session: Session, project: Project) -> list[Environment]:
    statement = (
        select(Environment)
        .where(Environment.project_id == project.id)
        .order_by(Environment.position, Environment.id)
    )
    return list(session.scalars(statement))


def get_flag_row(session: Session, project: Project, key: str) -> Flag:
    row = None
    if is_key(key):
        row = session.scalar(select(Flag).where(Flag.project_id == project.id, Flag.key == key))
    if row is None:
        raise NotFoundError("flag", key, f"flag {key!r} does not exist in project {project.key!r}")
    return row


def get_segment_row(session: Session, project: Project, key: str) -> Segment:
    row = None
    if is_key(key):
        row = session.scalar(
            select(Segment).where(Segment.project_id == project.id, Segment.key == key)
        )
    if row is None:
        raise NotFoundError(
            "segment", key, f"segment {key!r} does not exist in project {project.key!r}"
        )
    return row


def lock_project(session: Session, project: str) -> None:
    """Serialise writers that change what a project's flag documents hold (flags,
    configurations, segments, environments) until the transaction ends, so checks
    across rows (prerequisite cycles, segment use) cannot race."""
    lock_for_update(session, f"premiere:project:{project}")
