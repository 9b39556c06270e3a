"""The API view of a deployment row: its fields, the keys its ids refer to, and which
of the flag keys it carries name no flag of its project."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NotRequired, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services.deployments.rows import Names
from premiere.services.mappers import ActorView, format_time
from premiere.store.deployments import Deployment
from premiere.store.models import Flag, Project


class CommitView(TypedDict):
    sha: str
    message: str | None
    author: str | None


class CheckResultView(TypedDict):
    key: str
    kind: str
    status: str
    attempts: int
    duration_ms: int
    reason: str | None
    http_status: NotRequired[int | None]
    exit_code: NotRequired[int | None]


class VerificationView(TypedDict):
    status: str
    checks: list[CheckResultView]


class DeploymentView(TypedDict):
    id: int
    project: str
    service: str
    environment: str
    version: str
    commit_sha: str
    commit_time: str | None
    commits: list[CommitView]
    artifact: str | None
    pipeline_url: str | None
    status: str
    idempotency_key: str | None
    actor: ActorView
    log_excerpt: str
    log_truncated: bool
    reason: str | None
    duration_ms: int | None
    features: list[str]
    unknown_features: list[str]
    verified: bool
    verification: VerificationView
    promoted_from: int | None
    rollback_of: int | None
    fix: bool
    rolled_back_by: int | None
    time_to_restore_seconds: float | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    verified_at: str | None
    updated_at: str


class DeploymentPage(TypedDict):
    items: list[DeploymentView]
    next_cursor: str | None


def unknown_flags(session: Session, project: Project, keys: Iterable[str]) -> set[str]:
    wanted = set(keys)
    if not wanted:
        return set()
    known = session.scalars(
        select(Flag.key).where(Flag.project_id == project.id, Flag.key.in_(wanted))
    )
    return wanted - set(known)


def map_deployment_row_to_view(
    row: Deployment, names: Names, unknown: set[str] | None = None
) -> DeploymentView:
    restore = row.time_to_restore_ms
    return {
        "id": row.id,
        "project": names.project.key,
        "service": names.services[row.service_id],
        "environment": names.environments[row.environment_id],
        "version": row.version,
        "commit_sha": row.commit_sha,
        "commit_time": format_time(row.commit_time),
        "commits": list(row.commits),
        "artifact": row.artifact,
        "pipeline_url": row.pipeline_url,
        "status": row.status,
        "idempotency_key": row.idempotency_key,
        "actor": {"kind": row.actor_kind, "id": row.actor_id, "name": row.actor_name},
        "log_excerpt": row.log_excerpt,
        "log_truncated": row.log_truncated,
        "reason": row.reason,
        "duration_ms": row.duration_ms,
        "features": list(row.features),
        "unknown_features": sorted(set(row.features) & (unknown or set())),
        "verified": row.verified_at is not None,
        "verification": {"status": row.verification_status, "checks": list(row.checks)},
        "promoted_from": row.promoted_from_id,
        "rollback_of": row.rollback_of_id,
        "fix": row.fix,
        "rolled_back_by": row.rolled_back_by_id,
        "time_to_restore_seconds": None if restore is None else restore / 1000,
        "created_at": format_time(row.created_at),
        "started_at": format_time(row.started_at),
        "finished_at": format_time(row.finished_at),
        "verified_at": format_time(row.verified_at),
        "updated_at": format_time(row.updated_at),
    }


def view_of(session: Session, row: Deployment, names: Names) -> DeploymentView:
    return map_deployment_row_to_view(
        row, names, unknown_flags(session, names.project, row.features)
    )
