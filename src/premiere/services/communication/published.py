"""Published notes in the flag document: what SDKs and the widget read to tell a
user what's new.

The document of an environment carries the published notes of the releases that
target it (newest first, at most :data:`NOTES_IN_DOCUMENT`), in their public form:
never the internal notes nor who wrote them. A note that becomes public, stops being
public, or changes while public changes the document: its environment's version moves
and its SDK streams get a patch (``kind`` ``notes`` in the change feed).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services.communication.markdown import render_markdown
from premiere.services.communication.views import release_features
from premiere.services.mappers import format_time
from premiere.store.communication import NoteEntry
from premiere.store.feed import record_document_change
from premiere.store.models import Environment, Project
from premiere.store.releases import Release

NOTES_IN_DOCUMENT = 50
"""The newest published notes a document carries."""


def document_notes(session: Session, project: Project, environment: Environment) -> list[Any]:
    """The published notes of ``environment``'s releases, newest first, as in the document."""
    rows = session.execute(
        select(NoteEntry, Release)
        .join(Release, Release.id == NoteEntry.release_id)
        .where(
            NoteEntry.project_id == project.id,
            NoteEntry.state == "published",
            Release.environment == environment.key,
        )
        .order_by(NoteEntry.published_at.desc(), NoteEntry.id.desc())
        .limit(NOTES_IN_DOCUMENT)
    )
    return [map_note_row_to_document(release, note) for note, release in rows]


def map_note_row_to_document(release: Release, row: NoteEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "release": release.key,
        "title": row.title,
        "body_html": render_markdown(row.body),
        "category": row.category,
        "audience": row.audience,
        "features": list(row.features) if row.features is not None else release_features(release),
        "published_at": format_time(row.published_at),
    }


def record_notes_change(session: Session, release: Release, note_id: int) -> None:
    """The document of the release's environment changed by note ``note_id``."""
    found = session.execute(
        select(Project.key, Environment)
        .join(Environment, Environment.project_id == Project.id)
        .where(Project.id == release.project_id, Environment.key == release.environment)
    ).first()
    if found is not None:
        record_document_change(session, found[0], [found[1]], kind="notes", key=str(note_id))
