"""The insights' response models and bodies: the timeline (the shapes of
services/insights/timeline.py), the DORA and release-aware measures, incidents."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StrictStr

from premiere.api.models import ActorView, Body, Description, Key, Name, View, optional


class TimelineItem(View):
    id: int = Field(description="The audit event's id.")
    at: str
    category: str = Field(
        description="deployment, flag, release, guard, approval, note, incident or other."
    )
    action: str = Field(description="The audit event's action, e.g. deployment.recorded.")
    title: str = Field(description="What happened, as a sentence.")
    actor: ActorView
    environment: str | None
    resource_type: str
    resource_key: str
    link: str = Field(description="The console page of what the item is about.")


class TimelinePage(View):
    items: list[TimelineItem]
    next_cursor: str | None = Field(description="Pass back as ?cursor= for the next page.")


Severity = Literal["sev1", "sev2", "sev3", "sev4"]
Resolution = Literal["flag_off", "rollback", "fix", "other"]


class Measure(View):
    band: str | None = Field(description="elite, high, medium or low (null: no band).")
    series: list[dict[str, Any]] = Field(description="One entry per bucket of the period.")


Number = float | int


class Frequency(Measure):
    total: int = Field(description="Verified production deployments in the period.")
    per_day: Number
    days_deployed: int
    four_keys: str | None = Field(description="daily, weekly, monthly or yearly (Four Keys).")


class LeadTime(Measure):
    count: int
    median_seconds: Number | None
    p90_seconds: Number | None
    distribution: list[dict[str, Any]] = Field(description="{range, count} per range.")


class FailureRate(Measure):
    deployments: int
    failures: int
    rate: Number | None


class RecoveryTime(Measure):
    count: int
    median_seconds: Number | None
    unrestored: int = Field(description="Failures not followed by a good deployment yet.")


class ReworkRate(Measure):
    deployments: int
    rework: int
    rate: Number | None


class DoraView(View):
    project: str
    environments: list[str]
    service: str | None
    period: dict[str, str] = Field(description="from, to (RFC 3339, UTC) and grain.")
    deployment_frequency: Frequency
    lead_time: LeadTime
    change_failure_rate: FailureRate
    recovery_time: RecoveryTime
    rework_rate: ReworkRate


class ReleaseMeasuresView(View):
    project: str
    environments: list[str]
    service: str | None
    period: dict[str, str]
    release_lead_time: dict[str, Any]
    exposure_lead_time: dict[str, Any]
    dark_code_age: dict[str, Any]
    failed_releases: dict[str, Any]
    guard_reaction: dict[str, Any]


class IncidentView(View):
    id: int
    project: str
    title: str
    severity: str = Field(description="sev1 (worst) to sev4.")
    started_at: str
    ended_at: str | None
    duration_seconds: float | None
    deployment: int | None
    release: str | None
    flag: str | None
    resolution: str | None = Field(description="flag_off, rollback, fix or other.")
    source: str = Field(description="api or webhook.")
    external_id: str | None = Field(description="The monitoring tool's id (webhook).")
    description: str
    created_by: ActorView
    created_at: str
    updated_at: str


class IncidentPage(View):
    items: list[IncidentView]


class IncidentRecord(Body):
    title: Name
    severity: Severity
    started_at: StrictStr = Field(description="RFC 3339.")
    ended_at: StrictStr | None = None
    description: Description = optional()
    deployment: Annotated[StrictInt, Field(ge=1)] | None = None
    release: Key | None = None
    flag: Key | None = None
    resolution: Resolution | None = None


class IncidentEnd(Body):
    ended_at: StrictStr | None = Field(default=None, description="RFC 3339; default now.")
    resolution: Resolution | None = None


class IncidentWebhook(Body):
    id: Annotated[str, Field(strict=True, min_length=1, max_length=200)] = Field(
        description="The monitoring tool's id of the incident."
    )
    status: Literal["open", "resolved"] = "open"
    title: Name = optional()
    severity: Severity = optional()
    started_at: StrictStr | None = None
    ended_at: StrictStr | None = None
    description: Description = optional()
    deployment: Annotated[StrictInt, Field(ge=1)] | None = None
    release: Key | None = None
    flag: Key | None = None
    resolution: Resolution | None = None


class WebhookAnswer(View):
    result: str = Field(description="recorded, ended or unchanged.")
    incident: IncidentView
