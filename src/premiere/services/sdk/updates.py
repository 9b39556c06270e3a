"""Reading what changed in a flag document: the change feed into a :class:`DocumentUpdate`.

Synchronous reads through the store, each in one snapshot; callers on an event loop run
them in a worker thread. What the update becomes, per audience, is
:mod:`premiere.services.sdk.patches`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services.communication.published import document_notes
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import (
    map_flag_rows_to_document_flag,
    map_segment_row_to_document_segment,
)
from premiere.services.sdk.documents import build_flag_document
from premiere.services.sdk.patches import DocumentUpdate, EnvironmentDocument, EnvironmentKey
from premiere.store import Store
from premiere.store.feed import changes_since
from premiere.store.models import Environment, Flag, FlagConfig, Project, Segment
from premiere.store.notifications import document_versions, latest_feed_position

FEED_PAGE = 500
"""Feed rows read per query."""


def load_environment_document(store: Store, key: EnvironmentKey) -> EnvironmentDocument:
    """The environment's whole document, with the feed position it is current at."""
    project, environment = key
    # Position first: feed rows after it that the document already holds are
    # filtered out by version when they are read.
    with store.read() as session:
        seq = latest_feed_position(session, project, environment)
    state = EnvironmentDocument(key)
    state.load(build_flag_document(store, project, environment), seq)
    return state


def read_document_versions(store: Store) -> dict[EnvironmentKey, int]:
    """Every environment's document version (one query, for pollers)."""
    with store.read() as session:
        return document_versions(session)


def read_update(store: Store, key: EnvironmentKey, version: int, seq: int) -> DocumentUpdate | None:
    """What changed after feed position ``seq`` in a document at ``version``: ``None``
    when the feed has no rows after ``seq``; an update at ``version`` with no flags or
    segments when the rows were already in the document (only the position moves)."""
    project, environment = key
    with store.read() as session:
        rows = []
        while True:
            page = changes_since(session, project, environment, seq, FEED_PAGE)
            rows.extend(page)
            if len(page) < FEED_PAGE:
                break
            seq = page[-1].seq
        if not rows:
            return None
        last_seq = rows[-1].seq
        fresh = [row for row in rows if row.document_version > version]
        if not fresh:  # already in the document loaded: only move the position on
            return DocumentUpdate(version, last_seq, {}, {})
        flag_keys = {row.key for row in fresh if row.kind == "flag"}
        segment_keys = {row.key for row in fresh if row.kind == "segment"}
        notes = None
        if any(row.kind == "notes" for row in fresh):
            notes = _document_notes(session, project, environment)
        return DocumentUpdate(
            version=max(row.document_version for row in fresh),
            seq=last_seq,
            flags=_document_flags(session, project, environment, flag_keys),
            segments=_document_segments(session, project, segment_keys),
            notes=notes,
        )


def _document_notes(session: Session, project: str, environment: str) -> list[Any]:
    project_row = get_project_row(session, project)
    return document_notes(
        session, project_row, get_environment_row(session, project_row, environment)
    )


def _document_flags(
    session: Session, project: str, environment: str, keys: set[str]
) -> dict[str, Any]:
    """The live flags among ``keys`` in document form; ``None`` for archived or gone ones."""
    out: dict[str, Any] = dict.fromkeys(keys)
    if not keys:
        return out
    statement = (
        select(Flag, FlagConfig)
        .join(FlagConfig, FlagConfig.flag_id == Flag.id)
        .join(Environment, Environment.id == FlagConfig.environment_id)
        .join(Project, Project.id == Flag.project_id)
        .where(
            Project.key == project,
            Environment.key == environment,
            Flag.key.in_(keys),
            Flag.archived.is_(False),
        )
    )
    for flag, config in session.execute(statement):
        out[flag.key] = map_flag_rows_to_document_flag(flag, config)
    return out


def _document_segments(session: Session, project: str, keys: set[str]) -> dict[str, Any]:
    """The segments among ``keys`` in document form; ``None`` for deleted ones."""
    out: dict[str, Any] = dict.fromkeys(keys)
    if not keys:
        return out
    statement = (
        select(Segment)
        .join(Project, Project.id == Segment.project_id)
        .where(Project.key == project, Segment.key.in_(keys))
    )
    for segment in session.scalars(statement):
        out[segment.key] = map_segment_row_to_document_segment(segment)
    return out
