"""When a release's notes are public: the announcement point and the notes' states.

A note's state follows its release's exposure:

- ``draft`` while the release is a draft;
- ``scheduled`` once the release is scheduled, ready or rolling out but has not yet
  reached its announcement point;
- ``published`` when it reaches it (``published_at`` records when), and while it is
  paused or released after that;
- ``rolled_back`` when the release rolls back (dropped from anything public); a
  restart places the notes again, stage by stage.

The announcement point is the release's ``announce`` setting: ``first_public`` (the
first stage that is a percentage of everyone rather than a segment such as staff;
the default), ``percent`` (the first percentage stage at or above ``percent``) or
``released`` (the release completed, 100 %). A person's publish or unpublish
(``manual``) holds until the release rolls back.

:func:`sync_release_notes` runs inside the transaction of every release transition
(``services/releases/rows.py``), so a note's state never lags its release's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.communication.published import record_notes_change
from premiere.services.communication.views import map_note_row_to_view
from premiere.store.communication import NoteEntry
from premiere.store.releases import Release

NOTE_STATES = ("draft", "scheduled", "published", "rolled_back")
DEFAULT_ANNOUNCE: dict[str, Any] = {"at": "first_public", "percent": None}


def announce_of(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The release's announcement point (releases made before it existed: the default)."""
    return dict(spec.get("announce") or DEFAULT_ANNOUNCE)


def announcement_stage(spec: Mapping[str, Any]) -> int | None:
    """The index of the plan's stage at which the notes are published: the first stage
    of everyone (not a segment) at or above the announcement's percentage (any for
    ``first_public``); None for ``released``, or when no stage reaches it (then the
    notes are published when the release completes)."""
    announce = announce_of(spec)
    if announce["at"] == "released":
        return None
    threshold = float(announce["percent"] or 0) if announce["at"] == "percent" else 0.0
    for index, stage in enumerate(spec["plan"]["stages"]):
        if stage.get("segment") is None and float(stage.get("percent") or 0) >= max(
            threshold, 1e-9
        ):
            return index
    return None


def announcement_reached(release: Release) -> bool:
    """Whether the release's exposure has reached its announcement point."""
    if release.state == "released":
        return True
    if release.state not in ("rolling_out", "paused") or release.stage is None:
        return False
    stage = announcement_stage(release.spec)
    return stage is not None and release.stage >= stage


def exposure_state(release: Release) -> str:
    """The state the release's notes have by its exposure alone."""
    if release.state == "draft":
        return "draft"
    if release.state == "rolled_back":
        return "rolled_back"
    return "published" if announcement_reached(release) else "scheduled"


def note_state(release: Release, manual: str | None) -> str:
    """A note's state: its release's exposure, unless a person published or
    unpublished it (a rollback overrides both)."""
    state = exposure_state(release)
    if state == "rolled_back" or manual is None:
        return state
    if manual == "published":
        return "published"
    return "draft" if release.state == "draft" else "scheduled"


def sync_release_notes(
    session: Session, actor: Actor, project: str, release: Release, now: datetime
) -> None:
    """Place every note of ``release`` in the state its exposure gives it, with an
    audit event ``note.published`` / ``note.rolled_back`` / ``note.unpublished`` for
    each note whose public state changes."""
    rows = session.scalars(
        select(NoteEntry).where(NoteEntry.release_id == release.id).order_by(NoteEntry.id)
    )
    for row in rows:
        if release.state == "rolled_back":
            row.manual = None
        set_note_state(session, actor, project, release, row, note_state(release, row.manual), now)


def set_note_state(
    session: Session,
    actor: Actor,
    project: str,
    release: Release,
    row: NoteEntry,
    state: str,
    now: datetime,
    *,
    action: str | None = None,
) -> None:
    """Move ``row`` to ``state`` (audited when it changes, or when ``action`` is given)."""
    if row.state == state and action is None:
        return
    before = map_note_row_to_view(project, release, row)
    was_public = row.state == "published"
    row.state = state
    if state == "published" and not was_public:
        row.published_at = now
    row.version += 1
    row.updated_at = now
    session.flush()
    if was_public != (state == "published"):
        record_notes_change(session, release, row.id)
    if action is None:
        action = _action_of(was_public, state)
    if action is None:
        return
    record_audit_event(
        session,
        actor,
        f"note.{action}",
        project=project,
        resource_type="note",
        resource_key=str(row.id),
        environment=release.environment,
        before=before,
        after=map_note_row_to_view(project, release, row),
        at=now,
    )


def _action_of(was_public: bool, state: str) -> str | None:
    if state == "rolled_back":
        return "rolled_back"
    if state == "published" and not was_public:
        return "published"
    if was_public:
        return "unpublished"
    return None
