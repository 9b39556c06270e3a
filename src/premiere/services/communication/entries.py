"""A release's note entries: create, read, edit, delete, publish and unpublish.

Every change is one transaction with its audit event (``note.created``,
``note.updated``, ``note.deleted``, ``note.published``, ``note.unpublished``); the
release row is locked meanwhile, so a note written while the release moves takes the
state the move gives it. Edits are versioned like every resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from premiere.errors import InvalidStateError, NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.exposure import note_state, set_note_state
from premiere.services.communication.fields import check_references, normalize_note
from premiere.services.communication.published import record_notes_change
from premiere.services.communication.views import NoteView, map_note_row_to_view
from premiere.services.releases.rows import actor_view, load_release
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.communication import NoteEntry
from premiere.store.concurrency import require_current_version, require_version, update_versioned
from premiere.store.models import Project
from premiere.store.releases import Release
from premiere.store.types import utc_now


def list_release_notes(store: Store, project: str, release: str) -> list[NoteView]:
    """The release's notes in order (the first is the release's ``notes``)."""
    with store.read() as session:
        _, release_row = load_release(session, project, release)
        rows = session.scalars(
            select(NoteEntry)
            .where(NoteEntry.release_id == release_row.id)
            .order_by(NoteEntry.position, NoteEntry.id)
        )
        return [map_note_row_to_view(project, release_row, row) for row in rows]


def get_note(store: Store, project: str, release: str, note_id: int) -> NoteView:
    with store.read() as session:
        _, release_row = load_release(session, project, release)
        return map_note_row_to_view(project, release_row, _note_row(session, release_row, note_id))


def create_note(
    store: Store,
    actor: Actor,
    project: str,
    release: str,
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> NoteView:
    """A new entry after the release's others; its state is the release's exposure
    (a note added to a release already announced is published at once)."""
    validator = Validator(data)
    values = normalize_note(validator, data, creating=True)
    validator.raise_if_any()
    with store.write() as session:
        project_row, release_row = _locked_release(session, project, release)
        return add_note_within(session, actor, project_row, release_row, values, now or utc_now())


def update_note(
    store: Store,
    actor: Actor,
    project: str,
    release: str,
    note_id: int,
    data: Mapping[str, Any],
    expected_version: int | None,
    *,
    now: datetime | None = None,
) -> NoteView:
    expected = require_version(expected_version, "note", str(note_id))
    validator = Validator(data)
    values = normalize_note(validator, data, creating=False)
    validator.raise_if_any()
    with store.write() as session:
        project_row, release_row = _locked_release(session, project, release)
        row = _note_row(session, release_row, note_id)
        require_current_version("note", str(note_id), row.version, expected)
        return edit_note_within(
            session, actor, project_row, release_row, row, values, now or utc_now()
        )


def delete_note(
    store: Store,
    actor: Actor,
    project: str,
    release: str,
    note_id: int,
    expected_version: int | None = None,
) -> None:
    with store.write() as session:
        _, release_row = _locked_release(session, project, release)
        row = _note_row(session, release_row, note_id)
        if expected_version is not None:
            require_current_version("note", str(note_id), row.version, expected_version)
        delete_note_within(session, actor, project, release_row, row)


def publish_note(
    store: Store,
    actor: Actor,
    project: str,
    release: str,
    note_id: int,
    expected_version: int | None = None,
    *,
    now: datetime | None = None,
) -> NoteView:
    """Publish now, whatever the release's exposure (until the release rolls back)."""
    return _manual(store, actor, project, release, note_id, expected_version, "published", now)


def unpublish_note(
    store: Store,
    actor: Actor,
    project: str,
    release: str,
    note_id: int,
    expected_version: int | None = None,
    *,
    now: datetime | None = None,
) -> NoteView:
    """Withdraw from anything public; the release's exposure no longer publishes it
    (a publish does, and a rollback clears the choice)."""
    return _manual(store, actor, project, release, note_id, expected_version, "unpublished", now)


def add_note_within(
    session: Session,
    actor: Actor,
    project_row: Project,
    release_row: Release,
    values: Mapping[str, Any],
    now: datetime,
) -> NoteView:
    validator = Validator({})
    check_references(session, validator, project_row, values)
    validator.raise_if_any()
    last = session.scalar(
        select(func.max(NoteEntry.position)).where(NoteEntry.release_id == release_row.id)
    )
    row = NoteEntry(
        project_id=project_row.id,
        release_id=release_row.id,
        position=0 if last is None else last + 1,
        title=values["title"],
        body=values.get("body", ""),
        category=values.get("category", "new"),
        audience=values.get("audience"),
        features=values.get("features"),
        links=values.get("links", []),
        image_url=values.get("image_url"),
        internal=values.get("internal", ""),
        state="draft",
        created_by=actor_view(actor),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    project = project_row.key
    _audit(session, actor, project, release_row, "created", None, row, now)
    set_note_state(session, actor, project, release_row, row, note_state(release_row, None), now)
    return map_note_row_to_view(project, release_row, row)


def edit_note_within(
    session: Session,
    actor: Actor,
    project_row: Project,
    release_row: Release,
    row: NoteEntry,
    values: Mapping[str, Any],
    now: datetime,
) -> NoteView:
    validator = Validator({})
    check_references(session, validator, project_row, values)
    validator.raise_if_any()
    project = project_row.key
    before = map_note_row_to_view(project, release_row, row)
    update_versioned(
        session,
        NoteEntry,
        row.id,
        row.version,
        dict(values),
        resource="note",
        key=str(row.id),
    )
    session.refresh(row)
    if row.state == "published":
        record_notes_change(session, release_row, row.id)
    _audit(session, actor, project, release_row, "updated", before, row, now)
    return map_note_row_to_view(project, release_row, row)


def delete_note_within(
    session: Session, actor: Actor, project: str, release_row: Release, row: NoteEntry
) -> None:
    before = map_note_row_to_view(project, release_row, row)
    session.delete(row)
    session.flush()
    if before["state"] == "published":
        record_notes_change(session, release_row, before["id"])
    record_audit_event(
        session,
        actor,
        "note.deleted",
        project=project,
        resource_type="note",
        resource_key=str(before["id"]),
        environment=release_row.environment,
        before=before,
    )


def first_note_row(session: Session, release_row: Release) -> NoteEntry | None:
    return session.scalar(
        select(NoteEntry)
        .where(NoteEntry.release_id == release_row.id)
        .order_by(NoteEntry.position, NoteEntry.id)
        .limit(1)
    )


def _manual(
    store: Store,
    actor: Actor,
    project: str,
    release: str,
    note_id: int,
    expected_version: int | None,
    choice: str,
    now: datetime | None,
) -> NoteView:
    now = now or utc_now()
    with store.write() as session:
        _, release_row = _locked_release(session, project, release)
        row = _note_row(session, release_row, note_id)
        if expected_version is not None:
            require_current_version("note", str(note_id), row.version, expected_version)
        if release_row.state == "rolled_back":
            raise InvalidStateError(
                f"release {release!r} was rolled back: its notes are not public",
                {"state": release_row.state},
            )
        row.manual = choice
        state = note_state(release_row, choice)
        set_note_state(session, actor, project, release_row, row, state, now, action=choice)
        return map_note_row_to_view(project, release_row, row)


def _locked_release(session: Session, project: str, release: str) -> tuple[Project, Release]:
    """The release, locked until the transaction ends (its transitions wait)."""
    project_row, release_row = load_release(session, project, release)
    session.refresh(release_row, with_for_update={"key_share": True})
    return project_row, release_row


def _note_row(session: Session, release_row: Release, note_id: int) -> NoteEntry:
    row = session.scalar(
        select(NoteEntry).where(NoteEntry.release_id == release_row.id, NoteEntry.id == note_id)
    )
    if row is None:
        raise NotFoundError(
            "note", str(note_id), f"note {note_id} does not exist in release {release_row.key!r}"
        )
    return row


def _audit(
    session: Session,
    actor: Actor,
    project: str,
    release_row: Release,
    action: str,
    before: NoteView | None,
    row: NoteEntry,
    now: datetime,
) -> None:
    record_audit_event(
        session,
        actor,
        f"note.{action}",
        project=project,
        resource_type="note",
        resource_key=str(row.id),
        environment=release_row.environment,
        before=before,
        after=map_note_row_to_view(project, release_row, row),
        at=now,
    )


def write_first_note(
    session: Session,
    actor: Actor,
    project_row: Project,
    release_row: Release,
    shorthand: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    """A release's ``notes`` shorthand (title, body, category): creates or edits the
    release's first entry; null deletes it."""
    row = first_note_row(session, release_row)
    if shorthand is None:
        if row is not None:
            delete_note_within(session, actor, project_row.key, release_row, row)
        return
    values = {key: shorthand[key] for key in ("title", "body", "category") if key in shorthand}
    if row is None:
        add_note_within(session, actor, project_row, release_row, values, now)
    else:
        edit_note_within(session, actor, project_row, release_row, row, values, now)
