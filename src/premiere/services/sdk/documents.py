"""Flag documents: what SDKs download (docs/flag-document.md), and server-side evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere import engine
from premiere.errors import NotFoundError
from premiere.services.communication.published import document_notes
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.mappers import (
    DocumentFlag,
    DocumentSegment,
    map_flag_rows_to_document_flag,
    map_segment_row_to_document_segment,
)
from premiere.services.validation import is_key
from premiere.store import Store
from premiere.store.models import Environment, Flag, FlagConfig, Project, Segment


class FlagDocument(TypedDict):
    project: str
    environment: str
    version: int
    flags: dict[str, DocumentFlag]
    segments: dict[str, DocumentSegment]
    notes: NotRequired[list[Any]]
    """The environment's published notes, newest first (only when there are some)."""


class EvaluationView(TypedDict):
    flag: str
    value: Any
    variation: int | None
    reason: dict[str, Any]


def build_flag_document(
    store: Store, project: str, environment: str, *, client_only: bool = False
) -> FlagDocument:
    """One environment's live flags and the project's segments, from one snapshot.

    Archived flags are left out. ``client_only`` keeps only ``client_visible`` flags
    and only the segments they use (segments may list who is staff, say).
    """
    with store.read() as session:
        project_row = get_project_row(session, project)
        env = get_environment_row(session, project_row, environment)
        return _document(session, project_row, env, client_only=client_only)


def document_version(store: Store, project: str, environment: str) -> int:
    """The environment's document version (one indexed lookup), for ETags and 304s."""
    statement = (
        select(Environment.document_version)
        .join(Project, Project.id == Environment.project_id)
        .where(Project.key == project, Environment.key == environment)
    )
    with store.read() as session:
        version = session.scalar(statement) if is_key(project) and is_key(environment) else None
        if version is None:
            get_environment_row(session, get_project_row(session, project), environment)
            raise NotFoundError("environment", environment)  # pragma: no cover - raised above
        return version


def evaluate_flag(
    store: Store, project: str, environment: str, flag_key: str, context: Mapping[str, Any]
) -> EvaluationView:
    """Evaluate one live flag for ``context`` as an SDK would: ``{"flag", "value",
    "variation", "reason"}``."""
    document = build_flag_document(store, project, environment)
    if flag_key not in document["flags"]:
        raise NotFoundError(
            "flag", flag_key, f"flag {flag_key!r} does not exist or is archived in {project!r}"
        )
    result = engine.evaluate(engine.compile_document(document), flag_key, context, None)
    detail = result.to_dict()
    return {
        "flag": flag_key,
        "value": detail["value"],
        "variation": detail["variation"],
        "reason": detail["reason"],
    }


def _document(
    session: Session, project: Project, environment: Environment, *, client_only: bool
) -> FlagDocument:
    statement = (
        select(Flag, FlagConfig)
        .join(FlagConfig, FlagConfig.flag_id == Flag.id)
        .where(
            Flag.project_id == project.id,
            FlagConfig.environment_id == environment.id,
            Flag.archived.is_(False),
        )
        .order_by(Flag.key)
    )
    if client_only:
        statement = statement.where(Flag.client_visible.is_(True))
    flags = {
        flag.key: map_flag_rows_to_document_flag(flag, config)
        for flag, config in session.execute(statement)
    }
    segments = session.scalars(
        select(Segment).where(Segment.project_id == project.id).order_by(Segment.key)
    )
    used: set[str] | None = None
    if client_only:
        used = set().union(*(engine.referenced_segments(f) for f in flags.values()))
    document: FlagDocument = {
        "project": project.key,
        "environment": environment.key,
        "version": environment.document_version,
        "flags": flags,
        "segments": {
            s.key: map_segment_row_to_document_segment(s)
            for s in segments
            if used is None or s.key in used
        },
    }
    notes = document_notes(session, project, environment)
    if notes:
        document["notes"] = notes
    return document
