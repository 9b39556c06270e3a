"""Response shapes of the releases API: releases, readiness, approvals, history,
guard decisions, release trains, scheduled changes and freeze windows. For the
OpenAPI description, like :mod:`premiere.api.models`."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from premiere.api.models import ActorView, View, optional


class MissingItem(View):
    kind: str = Field(description="environment, deployment, flag, approvals, checklist or freeze.")
    flag: str | None = Field(description="The feature's flag, for deployment and flag items.")
    service: str | None = Field(description="The service whose deployment is missing.")
    needed: Any = Field(
        description='What is needed, e.g. ">= 2.1.0, verified", 2 approvals, or a checklist '
        "item to be done (item, title, owner, due_at)."
    )
    found: Any = Field(
        description="What there is instead: a version, or the running deployment that does "
        "not count yet (id, service, version, status, verification); null when nothing."
    )


class ReadinessView(View):
    release: str
    ready: bool = Field(description="True when nothing is missing.")
    missing: list[MissingItem]


class ApprovalView(View):
    id: int
    release: str
    approver: ActorView
    digest: str = Field(description="The digest of what was approved (the release's `digest`).")
    comment: str
    at: str = Field(description="RFC 3339, UTC.")
    void: bool = Field(description="True once the release changed after the approval.")


class TransitionView(View):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    at: str = Field(description="RFC 3339, UTC.")
    from_: str = Field(alias="from", description="The state left.")
    to: str = Field(description="The state entered.")
    stage: int | None = Field(description="Index of the rollout stage after the transition.")
    action: str = Field(description="scheduled, started, advanced, paused, rolled_back, ...")
    actor: ActorView
    reason: str = Field(description="Empty when none was given.")
    freeze_override: bool = optional("Started or advanced overriding a freeze: whether one was on.")
    verdict: str = optional("A guard's verdict that held the stage.")
    guard: int | None = Field(
        default=None, description="The index of the guard that paused or rolled back."
    )


class GuardDecisionView(View):
    at: str = Field(description="RFC 3339, UTC.")
    stage: int | None
    status: str = Field(description="healthy, regressed or insufficient.")
    details: dict[str, Any] = Field(description="The guard and what it measured.")


class TrainView(View):
    key: str
    project: str
    name: str
    environment: str | None = Field(description="null: any environment.")
    cadence: dict[str, Any] = Field(
        description="interval_weeks, weekday, time (HH:MM), timezone, anchor (a date; when "
        "not given, the date of the next departure)."
    )
    next_departures: list[str] = Field(description="The next three departures, RFC 3339, UTC.")
    version: int = Field(description="Grows by one with every change; the ETag of a GET.")
    created_at: str
    updated_at: str


class DeparturesView(View):
    train: str
    departures: list[str] = Field(description="RFC 3339, UTC, soonest first.")


class ReleaseView(View):
    key: str
    project: str
    name: str
    description: str | None
    environment: str | None = Field(description="The target environment.")
    features: list[Any] = Field(description="The flags the release opens.")
    audience: dict[str, Any] = Field(description='{"segment": null or a segment key}.')
    notes: dict[str, Any] | None = Field(
        description="The release's first note entry: title, body, category (null: none)."
    )
    announce: dict[str, Any] = Field(
        description='When its notes are published: {"at": "first_public" | "percent" | '
        '"released", "percent": a number with "percent", else null}.'
    )
    schedule: dict[str, Any] = Field(description="start_at, timezone, train.")
    plan: dict[str, Any] = Field(description="The rollout stages.")
    guards: list[dict[str, Any]]
    required_approvals: int
    state: str = Field(description="draft, scheduled, ready, rolling_out, paused, released, ...")
    stage: int | None = Field(description="Index of the current rollout stage.")
    stage_started_at: str | None
    hold_until: str | None = Field(description="The current stage holds until then.")
    digest: str = Field(description="Of what an approval approves; changes with the release.")
    approvals: dict[str, Any] = Field(description="required, valid and void approvals.")
    created_by: ActorView
    started_at: str | None
    finished_at: str | None
    last_transition: TransitionView | None
    version: int = Field(description="Grows by one with every change; the ETag of a GET.")
    created_at: str
    updated_at: str


class ScheduledChangeView(View):
    id: int
    project: str
    flag: str
    environment: str
    patch: dict[str, Any] = Field(description="The configuration change to apply.")
    at: str = Field(description="RFC 3339, UTC: when it applies.")
    status: str = Field(description="pending, applied, cancelled or failed.")
    error: str | None
    reason: str | None
    created_by: ActorView = Field(description="Who created it.")
    applied_at: str | None
    created_at: str
    updated_at: str


class FreezeWindowView(View):
    id: int
    project: str
    environment: str | None = Field(description="None: every environment.")
    start: str
    end: str
    reason: str | None
    created_by: ActorView = Field(description="Who created it.")
    created_at: str
