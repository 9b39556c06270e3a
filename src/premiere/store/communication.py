"""The communication tables: a release's note entries.

A note entry belongs to one release; ``position`` orders a release's entries (the
first is what a release's ``notes`` shorthand reads and writes). ``state`` follows
the release's exposure (draft, scheduled, published, rolled_back); ``manual`` holds a
person's publish or unpublish that overrides it until the release rolls back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from premiere.store.models import KEY_LENGTH, Base
from premiere.store.types import json_type, utc_now


class NoteEntry(Base):
    __tablename__ = "note_entries"
    __table_args__ = (
        Index("ix_note_entries_release_id", "release_id"),
        Index("ix_note_entries_project_id_state", "project_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
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
