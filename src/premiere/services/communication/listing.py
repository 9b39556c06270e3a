"""Notes across a project's releases, for changelogs and feeds: filtered by state,
category and release, newest entry first, paged by an opaque cursor."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import select

from premiere.services.communication.exposure import NOTE_STATES
from premiere.services.communication.fields import CATEGORIES
from premiere.services.communication.views import map_note_row_to_view, map_note_view_to_public
from premiere.services.lookups import get_project_row
from premiere.services.validation import Validator, encode_cursor, find_cursor
from premiere.store import Store
from premiere.store.communication import NoteEntry
from premiere.store.releases import Release

LIMIT_MAX = 200


class NotePage(TypedDict):
    items: list[Any]
    next_cursor: str | None


def list_project_notes(
    store: Store,
    project: str,
    *,
    state: str | None = None,
    category: str | None = None,
    release: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    public: bool = False,
) -> NotePage:
    """A page of notes; ``public``: published notes only, in their public view (no
    internal notes)."""
    after = _validate(state, category, limit, cursor, public)
    with store.read() as session:
        project_row = get_project_row(session, project)
        statement = (
            select(NoteEntry, Release)
            .join(Release, Release.id == NoteEntry.release_id)
            .where(NoteEntry.project_id == project_row.id)
        )
        if public:
            state = "published"
        if state is not None:
            statement = statement.where(NoteEntry.state == state)
        if category is not None:
            statement = statement.where(NoteEntry.category == category)
        if release is not None:
            statement = statement.where(Release.key == release)
        if after is not None:
            statement = statement.where(NoteEntry.id < after)
        rows = session.execute(statement.order_by(NoteEntry.id.desc()).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        views = [map_note_row_to_view(project, rel, row) for row, rel in rows]
        items: list[Any] = [map_note_view_to_public(v) for v in views] if public else list(views)
        return {
            "items": items,
            "next_cursor": encode_cursor("notes", rows[-1][0].id) if more else None,
        }


def _validate(
    state: str | None, category: str | None, limit: int, cursor: str | None, public: bool
) -> int | None:
    validator = Validator({})
    if state is not None and state not in NOTE_STATES:
        validator.add("state", "enum", "must be one of " + ", ".join(NOTE_STATES))
    if public and state not in (None, "published"):
        validator.add("state", "not_allowed", "public lists published notes only")
    if category is not None and category not in CATEGORIES:
        validator.add("category", "enum", "must be one of " + ", ".join(CATEGORIES))
    if not 1 <= limit <= LIMIT_MAX:
        validator.add("limit", "range", f"must be 1..{LIMIT_MAX}")
    after = find_cursor("notes", cursor) if cursor is not None else None
    if cursor is not None and after is None:
        validator.add("cursor", "invalid_cursor", "is not a cursor from this list")
    validator.raise_if_any()
    return after
