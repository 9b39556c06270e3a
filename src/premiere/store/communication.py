"""The communication tables: a release's note entries, which of them end users have
seen, and their feedback.

A note entry belongs to one release; ``position`` orders a release's entries (the
first is what a release's ``notes`` shorthand reads and writes). ``state`` follows
the release's exposure (draft, scheduled, published, rolled_back); ``manual`` holds a
person's publish or unpublish that overrides it until the release rolls back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from premiere.store.models import KEY_LENGTH, Base
from premiere.store.types import big_id_type, json_type, utc_now

CONTEXT_KEY_LENGTH = 256
"""The longest end user's context key stored (seen notes, feedback)."""


class NoteEntry(Base):
    __tablename__ = "note_entries"
    __table_args__ = (
        Index("ix_note_entries_release_id", "release_id"),
        Index("ix_note_entries_project_id_state", "project_id", "state"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(16), default="new")
    audience: Mapped[str | None] = mapped_column(String(KEY_LENGTH), default=None)
    features: Mapped[list[str] | None] = mapped_column(json_type(), default=None)
    links: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    image_url: Mapped[str | None] = mapped_column(Text, default=None)
    internal: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="draft")
    manual: Mapped[str | None] = mapped_column(String(16), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[dict[str, Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class NoteSeen(Base):
    """A published note seen by one end user (a context key) in one environment: what
    the unseen count of what's new leaves out. One row per note and context key."""

    __tablename__ = "note_seen"
    __table_args__ = (
        UniqueConstraint("environment_id", "context_key", "note_id"),
        Index("ix_note_seen_note_id", "note_id"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    environment_id: Mapped[int] = mapped_column(ForeignKey("environments.id", ondelete="CASCADE"))
    context_key: Mapped[str] = mapped_column(String(CONTEXT_KEY_LENGTH))
    note_id: Mapped[int] = mapped_column(ForeignKey("note_entries.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(default=utc_now)


class NoteFeedback(Base):
    """An end user's reaction or comment on a published note, with what they had: the
    variation of each of the note's features (engine evaluation at that moment) and the
    release's state and stage."""

    __tablename__ = "note_feedback"
    __table_args__ = (
        Index("ix_note_feedback_release_id", "release_id"),
        Index("ix_note_feedback_note_id", "note_id"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    note_id: Mapped[int] = mapped_column(ForeignKey("note_entries.id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(KEY_LENGTH))
    context_key: Mapped[str] = mapped_column(String(CONTEXT_KEY_LENGTH))
    reaction: Mapped[str | None] = mapped_column(String(16), default=None)
    comment: Mapped[str | None] = mapped_column(Text, default=None)
    variations: Mapped[dict[str, Any]] = mapped_column(json_type())
    release_state: Mapped[str] = mapped_column(String(16))
    stage: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


def insert_seen_notes(
    session: Session, project_id: int, environment_id: int, context_key: str, note_ids: list[int]
) -> None:
    """Rows of ``note_seen`` for these notes, leaving those already there (an
    ``INSERT ... ON CONFLICT DO NOTHING``, on SQLite and PostgreSQL alike)."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utc_now()
    statement = insert(NoteSeen).values(
        [
            {
                "project_id": project_id,
                "environment_id": environment_id,
                "context_key": context_key,
                "note_id": note_id,
                "seen_at": now,
            }
            for note_id in note_ids
        ]
    )
    session.execute(statement.on_conflict_do_nothing())
