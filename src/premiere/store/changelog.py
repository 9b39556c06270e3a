"""A project's public changelog settings: whether its changelog page and feeds are
served, and which categories of release notes they show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from premiere.store.models import Base
from premiere.store.types import json_type, utc_now


class ChangelogSettings(Base):
    """One row per project that saved its settings; a project without one has the
    changelog off. ``categories`` lists the note categories shown."""

    __tablename__ = "changelog_settings"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    categories: Mapped[list[str]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
