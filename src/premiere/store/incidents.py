"""Incidents: periods of degraded service, linked to a deployment, a release or a flag.

They feed the delivery insights (``services/insights``): a deployment an incident
names counts as a failed deployment; an incident resolved by turning a flag off
counts as a failed release instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from premiere.store.models import KEY_LENGTH, Base
from premiere.store.types import big_id_type, json_type, utc_now


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_project_started", "project_id", "started_at"),
        Index("ix_incidents_deployment_id", "deployment_id"),
    )

    id: Mapped[int] = mapped_column(big_id_type(), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    deployment_id: Mapped[int | None] = mapped_column(BigInteger, default=None)
    release: Mapped[str | None] = mapped_column(String(KEY_LENGTH), default=None)
    flag: Mapped[str | None] = mapped_column(String(KEY_LENGTH), default=None)
    resolution: Mapped[str | None] = mapped_column(String(32), default=None)
    source: Mapped[str] = mapped_column(String(16), default="api")
    external_id: Mapped[str | None] = mapped_column(String(200), default=None)
    created_by: Mapped[dict[str, Any]] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)
