"""What's new for an end user: the published notes that apply to an evaluation context,
newest first, with what that user has not seen yet.

Which notes apply is the engine's rule (``premiere/engine/notes.py``): the note's
audience (everyone, or a segment the context is in) and every linked feature on for the
context, evaluated on the environment's flag document as an ``sdk-server`` SDK gets it,
so an SDK computing it locally answers the same. Seen notes are kept per environment and
context key (``note_seen``): at most one row per published note and key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere import engine
from premiere.errors import NotFoundError, ValidationError, Violation
from premiere.services.sdk.compiled import CompiledFlags
from premiere.store import Store
from premiere.store.communication import CONTEXT_KEY_LENGTH, NoteSeen, insert_seen_notes
from premiere.store.models import Environment, Project

SEEN_PER_REQUEST = 100
"""The most note ids one request may mark seen."""


class WhatsNew(TypedDict):
    notes: list[dict[str, Any]]
    unseen: int


def read_context(data: Any, *, key_required: bool = False) -> dict[str, Any]:
    """The evaluation context of a request body ``{"context": {...}}``: ``key`` (or
    OpenFeature's ``targetingKey``) is the context key, a string of at most
    :data:`CONTEXT_KEY_LENGTH` characters."""
    if not isinstance(data, Mapping):
        raise ValidationError([Violation("body", "type", "must be a JSON object")])
    context = data.get("context", {})
    if not isinstance(context, Mapping):
        raise ValidationError([Violation("context", "type", "must be an object")])
    out = {k: v for k, v in context.items() if k != "targetingKey"}
    key = context.get("key", context.get("targetingKey"))
    if key is None:
        if key_required:
            raise ValidationError([Violation("context.key", "required", "is required")])
        out.pop("key", None)
        return out
    if not isinstance(key, str) or not 0 < len(key) <= CONTEXT_KEY_LENGTH:
        message = f"must be a string of 1..{CONTEXT_KEY_LENGTH} characters"
        raise ValidationError([Violation("context.key", "type", message)])
    out["key"] = key
    return out


def applicable_notes(flags: CompiledFlags, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The document's published notes that apply to ``context``, newest first."""
    notes = flags.document.get("notes") or []
    if not notes:
        return []
    audiences = flags.audiences or engine.compile_document({})
    return engine.notes_for(notes, flags.compiled, audiences, context, flags.off_variations)


def list_whats_new(store: Store, flags: CompiledFlags, context: Mapping[str, Any]) -> WhatsNew:
    """What's new for ``context``: each note with ``seen``, and the unseen count."""
    notes = applicable_notes(flags, context)
    key = context.get("key")
    seen: set[int] = set()
    if notes and isinstance(key, str):
        with store.read() as session:
            environment = _environment(session, flags)
            seen = _seen(session, environment, key, [n["id"] for n in notes])
    for note in notes:
        note["seen"] = note["id"] in seen
    return {"notes": notes, "unseen": sum(1 for n in notes if not n["seen"])}


def mark_notes_seen(
    store: Store, flags: CompiledFlags, context: Mapping[str, Any], note_ids: Any
) -> WhatsNew:
    """Mark notes seen by the context's key: the ids given (``None``: every note in its
    what's new). Ids not in its what's new are left out; nothing else changes."""
    key = context.get("key")
    if not isinstance(key, str):
        raise ValidationError([Violation("context.key", "required", "is required")])
    wanted = _note_ids(note_ids)
    notes = applicable_notes(flags, context)
    ids = [n["id"] for n in notes if wanted is None or n["id"] in wanted]
    if ids:
        with store.write() as session:
            environment = _environment(session, flags)
            insert_seen_notes(session, environment.project_id, environment.id, key, ids)
    return list_whats_new(store, flags, context)


def _note_ids(value: Any) -> set[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > SEEN_PER_REQUEST:
        message = f"must be a list of at most {SEEN_PER_REQUEST} note ids"
        raise ValidationError([Violation("notes", "type", message)])
    bad = [
        Violation(f"notes[{i}]", "type", "must be a note id (an integer)")
        for i, item in enumerate(value)
        if type(item) is not int
    ]
    if bad:
        raise ValidationError(bad)
    return set(value)


def _environment(session: Session, flags: CompiledFlags) -> Environment:
    environment = session.scalar(
        select(Environment)
        .join(Project, Project.id == Environment.project_id)
        .where(Project.key == flags.project, Environment.key == flags.environment)
    )
    if environment is None:  # deleted since the document was built
        raise NotFoundError("environment", flags.environment)
    return environment


def _seen(session: Session, environment: Environment, key: str, ids: Sequence[int]) -> set[int]:
    return set(
        session.scalars(
            select(NoteSeen.note_id).where(
                NoteSeen.environment_id == environment.id,
                NoteSeen.context_key == key,
                NoteSeen.note_id.in_(ids),
            )
        )
    )
