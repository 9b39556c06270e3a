"""End users' feedback on published notes: a reaction from a fixed set and/or a short
comment, stored with what the user had (each linked feature's variation, evaluated by
the engine at that moment, and the release's state and stage); a release's summary and
its export.

A comment is stored as text, at most :data:`COMMENT_MAX` characters, and shown escaped
wherever it is shown. Feedback names the note by id; a note that is not published in
the caller's environment is refused (422, field ``note``, rule ``published``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from premiere import engine
from premiere.errors import ValidationError, Violation
from premiere.services.communication.views import release_features
from premiere.services.mappers import format_time
from premiere.services.releases.rows import load_release
from premiere.services.sdk.compiled import CompiledFlags
from premiere.store import Store
from premiere.store.communication import NoteEntry, NoteFeedback
from premiere.store.models import Project
from premiere.store.releases import Release
from premiere.store.types import utc_now

REACTIONS = ("like", "dislike", "love", "confused")
"""👍 👎 🎉 😕"""
COMMENT_MAX = 1000
EXPORT_MAX = 10_000
"""The newest feedback rows an export holds."""


def record_feedback(
    store: Store,
    flags: CompiledFlags,
    note_id: int,
    context: Mapping[str, Any],
    data: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Store one end user's reaction and/or comment on published note ``note_id``."""
    reaction, comment = _checked(data)
    key = context.get("key")
    if not isinstance(key, str):
        raise ValidationError([Violation("context.key", "required", "is required")])
    with store.write() as session:
        found = session.execute(
            select(NoteEntry, Release)
            .join(Release, Release.id == NoteEntry.release_id)
            .join(Project, Project.id == NoteEntry.project_id)
            .where(NoteEntry.id == note_id, Project.key == flags.project)
        ).first()
        if (
            found is None
            or found[0].state != "published"
            or found[1].environment != flags.environment
        ):
            message = f"note {note_id} is not published in environment {flags.environment!r}"
            raise ValidationError([Violation("note", "published", message)])
        note, release = found
        features = list(note.features) if note.features is not None else release_features(release)
        row = NoteFeedback(
            project_id=note.project_id,
            release_id=release.id,
            note_id=note.id,
            environment=flags.environment,
            context_key=key,
            reaction=reaction,
            comment=comment,
            variations={f: _variation(flags, f, context) for f in features},
            release_state=release.state,
            stage=release.stage,
            created_at=now or utc_now(),
        )
        session.add(row)
        session.flush()
        return map_feedback_row_to_view(release, row)


def summarize_release_feedback(store: Store, project: str, release: str) -> dict[str, Any]:
    """Counts of reactions and comments per stage of the release, and in all."""
    with store.read() as session:
        _, release_row = load_release(session, project, release)
        rows = session.execute(
            select(NoteFeedback.stage, NoteFeedback.reaction, NoteFeedback.comment).where(
                NoteFeedback.release_id == release_row.id
            )
        ).all()
        stages: dict[int | None, dict[str, Any]] = {}
        total = _counts(None, "all")
        for stage, reaction, comment in rows:
            counts = stages.setdefault(stage, _counts(stage, stage_label(release_row, stage)))
            for bucket in (counts, total):
                bucket["feedback"] += 1
                if reaction is not None:
                    bucket["reactions"][reaction] = bucket["reactions"].get(reaction, 0) + 1
                if comment:
                    bucket["comments"] += 1
        ordered = sorted(stages.values(), key=lambda c: -1 if c["stage"] is None else c["stage"])
        return {"project": project, "release": release, "stages": ordered, "total": total}


def list_release_feedback(store: Store, project: str, release: str) -> list[dict[str, Any]]:
    """The release's feedback, oldest first (at most the newest :data:`EXPORT_MAX`)."""
    with store.read() as session:
        _, release_row = load_release(session, project, release)
        rows = list(
            session.scalars(
                select(NoteFeedback)
                .where(NoteFeedback.release_id == release_row.id)
                .order_by(NoteFeedback.id.desc())
                .limit(EXPORT_MAX)
            )
        )
        return [map_feedback_row_to_view(release_row, row) for row in reversed(rows)]


def map_feedback_row_to_view(release: Release, row: NoteFeedback) -> dict[str, Any]:
    return {
        "id": row.id,
        "release": release.key,
        "note": row.note_id,
        "environment": row.environment,
        "context_key": row.context_key,
        "reaction": row.reaction,
        "comment": row.comment,
        "variations": dict(row.variations),
        "release_state": row.release_state,
        "stage": row.stage,
        "stage_label": stage_label(release, row.stage),
        "created_at": format_time(row.created_at),
    }


def stage_label(release: Release, stage: int | None) -> str:
    """``"2: 25 %"``, ``"1: segment staff"``, or ``"no stage"``."""
    stages = release.spec.get("plan", {}).get("stages", [])
    if stage is None or not 0 <= stage < len(stages):
        return "no stage"
    step = stages[stage]
    if step.get("segment") is not None:
        return f"{stage + 1}: segment {step['segment']}"
    return f"{stage + 1}: {float(step.get('percent') or 0):g} %"


def _counts(stage: int | None, label: str) -> dict[str, Any]:
    return {
        "stage": stage,
        "label": label,
        "feedback": 0,
        "reactions": dict.fromkeys(REACTIONS, 0),
        "comments": 0,
    }


def _checked(data: Mapping[str, Any]) -> tuple[str | None, str | None]:
    reaction, comment = data.get("reaction"), data.get("comment")
    problems = []
    if reaction is not None and reaction not in REACTIONS:
        problems.append(Violation("reaction", "enum", "must be one of " + ", ".join(REACTIONS)))
    if comment is not None and (not isinstance(comment, str) or len(comment) > COMMENT_MAX):
        message = f"must be a string of at most {COMMENT_MAX} characters"
        problems.append(Violation("comment", "max_length", message))
    if isinstance(comment, str) and not comment.strip():
        comment = None
    if not problems and reaction is None and comment is None:
        problems.append(Violation("reaction", "required", "give a reaction, a comment or both"))
    if problems:
        raise ValidationError(problems)
    return reaction, comment


def _variation(flags: CompiledFlags, key: str, context: Mapping[str, Any]) -> dict[str, Any]:
    result = engine.evaluate(flags.compiled, key, context, None)
    return {
        "variation": result.variation,
        "value": result.value,
        "on": engine.feature_on(flags.compiled, key, context, flags.off_variations.get(key)),
    }


CSV_COLUMNS = (
    "id",
    "created_at",
    "release",
    "note",
    "environment",
    "context_key",
    "reaction",
    "comment",
    "release_state",
    "stage",
    "stage_label",
    "variations",
)


def render_feedback_csv(rows: list[dict[str, Any]]) -> str:
    """The feedback as CSV (RFC 4180), one row each; a cell a spreadsheet would read as
    a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) starts with ``'``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = {**row, "variations": json.dumps(row["variations"], sort_keys=True)}
        writer.writerow([_cell(cells[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
