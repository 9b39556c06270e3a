"""A project's public changelog: its settings (on or off, the categories shown) and the
release notes it shows — published notes whose audience is everyone, newest first,
paged. A project's changelog is on until someone turns it off: the page and its feeds
are public (no token) and show only what was published for everyone.

When the changelog is off, :func:`list_changelog_entries` raises ``NotFoundError``, and
the page and the feeds answer 404, as for a project that does not exist."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import and_, or_, select

from premiere.errors import NotFoundError, ValidationError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.feeds import ChangelogEntry
from premiere.services.communication.fields import CATEGORIES
from premiere.services.communication.markdown import render_markdown
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.changelog import ChangelogSettings
from premiere.store.communication import NoteEntry
from premiere.store.concurrency import require_current_version, require_version
from premiere.store.models import Project
from premiere.store.releases import Release
from premiere.store.types import utc_now

LIMIT_MAX = 100
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ChangelogSettingsView(TypedDict):
    project: str
    enabled: bool
    categories: list[str]
    version: int
    updated_at: str | None


class ChangelogPage(TypedDict):
    project: str
    title: str
    settings: ChangelogSettingsView
    updated: datetime
    """The settings' last change (a feed's date when it has no entry)."""
    entries: list[ChangelogEntry]
    next_cursor: str | None


def list_changelog_entries(
    store: Store, project: str, *, limit: int = 20, cursor: str | None = None
) -> ChangelogPage:
    """A page of the changelog, newest publication first: the project's published notes
    whose audience is everyone, of the categories its settings show. ``NotFoundError``
    when the project has no changelog (or is unknown); a bad ``cursor`` is refused."""
    if not 1 <= limit <= LIMIT_MAX:
        raise ValidationError.single("limit", "range", f"must be 1..{LIMIT_MAX}")
    after = _decode(cursor) if cursor is not None else None
    if cursor is not None and after is None:
        raise ValidationError.single("cursor", "invalid_cursor", "is not a cursor of this list")
    with store.read() as session:
        project_row = get_project_row(session, project)
        row = session.get(ChangelogSettings, project_row.id)
        settings = _view(project_row, row)
        require_changelog(settings)
        statement = (
            select(NoteEntry, Release)
            .join(Release, Release.id == NoteEntry.release_id)
            .where(
                NoteEntry.project_id == project_row.id,
                NoteEntry.state == "published",
                NoteEntry.audience.is_(None),
                NoteEntry.category.in_(settings["categories"]),
            )
        )
        if after is not None:
            at, note_id = after
            statement = statement.where(
                or_(
                    NoteEntry.published_at < at,
                    and_(NoteEntry.published_at == at, NoteEntry.id < note_id),
                )
            )
        order = (NoteEntry.published_at.desc(), NoteEntry.id.desc())
        rows = session.execute(statement.order_by(*order).limit(limit + 1)).all()
        entries = [map_note_row_to_entry(note, release) for note, release in rows[:limit]]
        more = len(rows) > limit
        return {
            "project": project,
            "title": f"{project_row.name} changelog",
            "settings": settings,
            "updated": row.updated_at if row is not None else project_row.created_at,
            "entries": entries,
            "next_cursor": _encode(entries[-1]) if more else None,
        }


def map_note_row_to_entry(note: NoteEntry, release: Release) -> ChangelogEntry:
    published = note.published_at or note.updated_at
    return {
        "id": note.id,
        "title": note.title,
        "body_html": render_markdown(note.body),
        "category": note.category,
        "release": release.key,
        "release_name": release.name,
        "links": [{"label": str(link["label"]), "url": str(link["url"])} for link in note.links],
        "image_url": note.image_url,
        "published_at": published,
        "updated_at": max(published, note.updated_at),
    }


def get_changelog_settings(store: Store, project: str) -> ChangelogSettingsView:
    """The settings; a project that never saved them: on, every category, version 0."""
    with store.read() as session:
        project_row = get_project_row(session, project)
        return _view(project_row, session.get(ChangelogSettings, project_row.id))


def update_changelog_settings(
    store: Store,
    actor: Actor,
    project: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> ChangelogSettingsView:
    """Change ``enabled`` and ``categories`` (at least one of ``CATEGORIES``), based on
    ``expected_version`` (0 for the first save). Audited as ``changelog.updated``."""
    expected = require_version(expected_version, "changelog", project)
    _check(data)
    with store.write() as session:
        project_row = get_project_row(session, project)
        # two first saves at once: the second waits, then finds the first's row
        session.refresh(project_row, with_for_update={"key_share": True})
        row = session.get(ChangelogSettings, project_row.id)
        before = _view(project_row, row)
        require_current_version("changelog", project, before["version"], expected)
        if row is None:
            row = ChangelogSettings(
                project_id=project_row.id, enabled=True, categories=list(CATEGORIES)
            )
            session.add(row)
        else:
            row.version, row.updated_at = row.version + 1, utc_now()
        if "enabled" in data:
            row.enabled = bool(data["enabled"])
        if "categories" in data:
            row.categories = [c for c in CATEGORIES if c in data["categories"]]
        session.flush()
        after = _view(project_row, row)
        record_audit_event(
            session,
            actor,
            "changelog.updated",
            project=project,
            resource_type="changelog",
            resource_key=project,
            before=before,
            after=after,
        )
        return after


def require_changelog(settings: ChangelogSettingsView) -> None:
    """``NotFoundError`` unless the changelog is on."""
    if not settings["enabled"]:
        raise NotFoundError(
            "changelog", settings["project"], f"project {settings['project']!r} has no changelog"
        )


def _check(data: Mapping[str, Any]) -> None:
    validator = Validator(data)
    validator.allowed(("enabled", "categories"))
    validator.boolean("enabled")
    categories = data.get("categories", list(CATEGORIES))
    if not isinstance(categories, list):
        validator.add("categories", "type", "must be a list of categories")
    elif not categories:
        validator.add("categories", "non_empty", "must name at least one category")
    else:
        for index, category in enumerate(categories):
            if category not in CATEGORIES:
                validator.add(
                    f"categories[{index}]", "enum", "must be one of " + ", ".join(CATEGORIES)
                )
    validator.raise_if_any()


def _view(project: Project, row: ChangelogSettings | None) -> ChangelogSettingsView:
    if row is None:
        return {
            "project": project.key,
            "enabled": True,
            "categories": list(CATEGORIES),
            "version": 0,
            "updated_at": None,
        }
    return {
        "project": project.key,
        "enabled": row.enabled,
        "categories": list(row.categories),
        "version": row.version,
        "updated_at": format_time(row.updated_at),
    }


def _encode(entry: ChangelogEntry) -> str:
    micros = (entry["published_at"] - EPOCH) // timedelta(microseconds=1)
    text = f"changelog:{micros}:{entry['id']}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int] | None:
    try:
        text = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    prefix, _, rest = text.partition(":")
    micros, _, note_id = rest.partition(":")
    numbers = (micros.lstrip("-"), note_id)
    if prefix != "changelog" or not all(n.isdigit() and len(n) <= 18 for n in numbers):
        return None
    try:
        return EPOCH + timedelta(microseconds=int(micros)), int(note_id)
    except OverflowError:
        return None
