"""The releases' tables: releases, their approvals and guard decisions, release
trains, scheduled flag changes, freeze windows, and the go-to-market checklist (its
template per project, its items per release).

A release keeps its definition (features, audience, notes, schedule, plan, guards,
required approvals) in one JSON ``spec``; the columns beside it are what the
scheduler queries (``state``, ``start_at``, ``hold_until``) and what the rollout
remembers (``stage``, ``snapshots`` of each flag's pre-release configuration).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from premiere.store.models import KEY_LENGTH, Base
from premiere.store.types import big_id_type, json_type, utc_now


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("project_id", "key"),
        Index("ix_releases_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    environment: Mapped[str] = mapped_column(String(KEY_LENGTH))
    spec: Mapped[dict[str, Any]] = mapped_column(json_type())
    state: Mapped[str] = mapped_column(String(16), default="draft")
    stage: Mapped[int | None] = mapped_column(Integer, default=None)
    stage_started_at: Mapped[datetime | None] = mapped_column(default=None)
    hold_until: Mapped[datetime | None] = mapped_column(default=None)
    start_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    snapshots: Mapped[dict[str, Any]] = mapped_column(json_type())
    digest: Mapped[str] = mapped_column(String(80))
    created_by: Mapped[dict[str, Any]] = mapped_column(json_type())
    last_transition: Mapped[dict[str, Any] | None] = mapped_column(json_type(), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class ReleaseApproval(Base):
    __tablename__ = "release_approvals"
    __table_args__ = (Index("ix_release_approvals_release_id", "release_id"),)

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(80))
    approver: Mapped[dict[str, Any]] = mapped_column(json_type())
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utc_now)
    void: Mapped[bool] = mapped_column(Boolean, default=False)


class ReleaseGuardDecision(Base):
    __tablename__ = "release_guard_decisions"
    __table_args__ = (Index("ix_release_guard_decisions_release_id", "release_id"),)

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utc_now)
    stage: Mapped[int | None] = mapped_column(Integer, default=None)
    status: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(json_type())


class ReleaseTrain(Base):
    __tablename__ = "release_trains"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    name: Mapped[str] = mapped_column(String(200))
    environment: Mapped[str | None] = mapped_column(String(KEY_LENGTH), default=None)
    cadence: Mapped[dict[str, Any]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class ScheduledChange(Base):
    __tablename__ = "scheduled_changes"
    __table_args__ = (Index("ix_scheduled_changes_status_at", "status", "at"),)

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(String(KEY_LENGTH))
    environment: Mapped[str] = mapped_column(String(KEY_LENGTH))
    patch: Mapped[dict[str, Any]] = mapped_column(json_type())
    at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="pending")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[dict[str, Any]] = mapped_column(json_type())
    applied_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class FreezeWindow(Base):
    __tablename__ = "freeze_windows"
    __table_args__ = (Index("ix_freeze_windows_project_id", "project_id"),)

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    environment: Mapped[str] = mapped_column(String(KEY_LENGTH))
    start: Mapped[datetime] = mapped_column()
    end: Mapped[datetime] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class ChecklistTemplate(Base):
    """A project's go-to-market checklist template: a JSON list of items (key, title,
    owner, required, due_days_before), copied into each new release."""

    __tablename__ = "checklist_templates"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True
    )
    items: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class ChecklistItem(Base):
    """One go-to-market item of a release. Its due date is ``due_at`` when set, else
    ``due_days_before`` days before the release's planned start (when it has one)."""

    __tablename__ = "release_checklist_items"
    __table_args__ = (UniqueConstraint("release_id", "key"),)

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("releases.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(KEY_LENGTH))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    due_days_before: Mapped[int | None] = mapped_column(Integer, default=None)
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    done_by: Mapped[dict[str, Any] | None] = mapped_column(json_type(), default=None)
