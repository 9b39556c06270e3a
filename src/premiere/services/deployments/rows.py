"""Inside a transaction: creating deployment rows, moving their status, and the view.

The public use cases (:mod:`.ledger`, :mod:`.promotion`, :mod:`.github`) open
the transaction; these helpers do the work in it, so that a status change, the
current-state row, the rolled-back mark and the audit event commit together.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from premiere.errors import ConflictError, NotFoundError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.lookups import get_environment_row, get_project_row
from premiere.services.validation import is_key
from premiere.store import lock_for_update
from premiere.store.deployments import (
    Deployment,
    DeploymentFeature,
    EnvironmentPolicy,
    EnvironmentServiceState,
    VerificationCheck,
)
from premiere.store.models import Environment, Project, Service
from premiere.store.types import utc_now


class Names:
    """Keys of the ids a deployment row refers to, for its view."""

    def __init__(self, project: Project, services: Mapping[int, str], envs: Mapping[int, str]):
        self.project = project
        self.services = dict(services)
        self.environments = dict(envs)
        self.service_has_checks: bool | None = None  # None: not known

    @classmethod
    def of(cls, project: Project, service: Service, environment: Environment) -> Names:
        """Just the keys one deployment's view needs (no query)."""
        return cls(project, {service.id: service.key}, {environment.id: environment.key})

    @classmethod
    def load(cls, session: Session, project: Project) -> Names:
        services = session.execute(
            select(Service.id, Service.key).where(Service.project_id == project.id)
        )
        envs = session.execute(
            select(Environment.id, Environment.key).where(Environment.project_id == project.id)
        )
        return cls(project, {i: k for i, k in services}, {i: k for i, k in envs})

    @classmethod
    def for_row(cls, session: Session, project: Project, row: Deployment) -> Names:
        """The keys of ``row``'s service and environment, and whether its service has
        verification checks, in one statement (all of the project's keys when ``row``
        rolls back another deployment)."""
        has_checks = exists().where(VerificationCheck.service_id == row.service_id)
        found = session.execute(
            select(Service.key, Environment.key, has_checks)
            .join(Environment, Environment.id == row.environment_id)
            .where(Service.id == row.service_id)
        ).one()
        if row.rollback_of_id is not None:
            names = cls.load(session, project)
        else:
            names = cls(project, {row.service_id: found[0]}, {row.environment_id: found[1]})
        names.service_has_checks = bool(found[2])
        return names


def get_service_row(session: Session, project: Project, key: str) -> Service:
    row = None
    if is_key(key):
        row = session.scalar(
            select(Service).where(Service.project_id == project.id, Service.key == key)
        )
    if row is None:
        raise NotFoundError(
            "service", key, f"service {key!r} does not exist in project {project.key!r}"
        )
    return row


def load_deployment(
    session: Session, project: str, deployment_id: int
) -> tuple[Project, Deployment]:
    """A project by key and one of its deployments, in one statement when both exist."""
    found = (
        session.execute(
            select(Project, Deployment)
            .join(Deployment, Deployment.project_id == Project.id)
            .where(Project.key == project, Deployment.id == deployment_id)
        ).first()
        if 0 < deployment_id < 2**63
        else None
    )
    if found is not None:
        return found[0], found[1]
    project_row = get_project_row(session, project)  # one by one, for the error
    return project_row, get_deployment_row(session, project_row, deployment_id)


def get_deployment_row(session: Session, project: Project, deployment_id: int) -> Deployment:
    row = session.get(Deployment, deployment_id) if 0 < deployment_id < 2**63 else None
    if row is None or row.project_id != project.id:
        raise NotFoundError(
            "deployment",
            str(deployment_id),
            f"deployment {deployment_id} does not exist in project {project.key!r}",
        )
    return row


def lock_slot(session: Session, service_id: int, environment_id: int) -> None:
    """Serialise writers of one service's deployments in one environment."""
    lock_for_update(session, f"premiere:deployments:{service_id}:{environment_id}")


def lock_row(session: Session, row: Deployment) -> None:
    """Take ``row``'s slot lock and see the row as the last writer left it. (SQLite
    writers hold the database's one write lock from their first statement already.)"""
    if session.get_bind().dialect.name == "postgresql":
        lock_slot(session, row.service_id, row.environment_id)
        session.refresh(row)


def add_deployment(
    session: Session,
    actor: Actor,
    names: Names,
    service: Service,
    environment: Environment,
    fields: Mapping[str, Any],
) -> Deployment:
    """Insert a deployment and the flags it carries; audit ``deployment.recorded``."""
    now = utc_now()
    status = fields.get("status") or "pending"
    row = Deployment(
        project_id=names.project.id,
        service_id=service.id,
        environment_id=environment.id,
        version=fields["version"],
        commit_sha=fields["commit_sha"].lower(),
        commit_time=fields.get("commit_time"),
        commits=list(fields.get("commits") or []),
        artifact=fields.get("artifact"),
        pipeline_url=fields.get("pipeline_url"),
        status=status,
        idempotency_key=fields.get("idempotency_key"),
        request_hash=fields.get("request_hash"),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        log_excerpt=fields.get("log_excerpt") or "",
        log_truncated=bool(fields.get("log_truncated")),
        features=list(fields.get("features") or []),
        checks=[],
        verification_status="none",
        promoted_from_id=fields.get("promoted_from_id"),
        rollback_of_id=fields.get("rollback_of_id"),
        fix=bool(fields.get("fix")),
        created_at=now,
        updated_at=now,
        started_at=now if status == "in_progress" else None,
    )
    session.add(row)
    session.flush()
    for key in row.features:
        session.add(
            DeploymentFeature(deployment_id=row.id, flag_key=key, project_id=row.project_id)
        )
    record_audit_event(
        session,
        actor,
        "deployment.recorded",
        project=names.project.key,
        resource_type="deployment",
        resource_key=str(row.id),
        environment=environment.key,
        after=summary(row, names),
        at=now,
    )
    return row


def set_status(
    session: Session,
    actor: Actor,
    names: Names,
    row: Deployment,
    status: str,
    *,
    reason: str | None = None,
    verified: bool = False,
) -> None:
    """Move ``row`` to ``status`` with its timestamps and consequences (checked before)."""
    now = utc_now()
    before = row.status
    row.status = status
    row.updated_at = now
    if reason is not None:
        row.reason = reason
    if status == "in_progress" and row.started_at is None:
        row.started_at = now
    if status in ("verifying", "succeeded", "failed") and row.finished_at is None:
        row.finished_at = now
    if status == "succeeded":
        if verified:
            row.verified_at = now
        if row.rollback_of_id is not None:
            _mark_rolled_back(session, actor, names, row, now)
    record_audit_event(
        session,
        actor,
        "deployment.status_changed",
        project=names.project.key,
        resource_type="deployment",
        resource_key=str(row.id),
        environment=names.environments.get(row.environment_id),
        before={"status": before},
        after={"status": status, "reason": row.reason, "verified": row.verified_at is not None},
        at=now,
    )
    if starts_running(before, status):  # last: its statement flushes the writes above
        _make_current(session, row, now)


def starts_running(before: str, status: str) -> bool:
    """Whether a deployment moving from ``before`` to ``status`` is what runs in its
    environment from now on: the one definition of "what runs" (the environment matrix,
    rollback of what runs, promotion, readiness and dark code read it). A deployment
    runs once its deploy step is done: from ``verifying`` (or ``succeeded`` reported
    directly), and it keeps running when its verification fails. A deployment that
    failed before verifying (its pipeline failed) leaves the one before it running; a
    rolled-back one is replaced by its rollback."""
    return status in ("verifying", "succeeded") or (status == "failed" and before == "verifying")


def _make_current(session: Session, row: Deployment, now: datetime) -> None:
    """Upsert the current-state row of ``row``'s service and environment (one statement);
    ``since`` stays when ``row`` runs there already (``verifying`` then ``succeeded``)."""
    table = EnvironmentServiceState.__table__
    assert isinstance(table, Table)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).values(
        service_id=row.service_id,
        environment_id=row.environment_id,
        project_id=row.project_id,
        deployment_id=row.id,
        since=now,
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["service_id", "environment_id"],
            set_={"deployment_id": insert.excluded.deployment_id, "since": insert.excluded.since},
            where=table.c.deployment_id != insert.excluded.deployment_id,
        )
    )


def _mark_rolled_back(
    session: Session, actor: Actor, names: Names, rollback: Deployment, now: datetime
) -> None:
    assert rollback.rollback_of_id is not None
    target = session.get(Deployment, rollback.rollback_of_id)
    if target is None or target.status not in ("succeeded", "failed"):
        return
    broken_since = target.finished_at or target.created_at
    restore_ms = max(0, int((now - broken_since).total_seconds() * 1000))
    before = target.status
    target.status = "rolled_back"
    target.rolled_back_by_id = rollback.id
    target.time_to_restore_ms = restore_ms
    target.updated_at = now
    rollback.time_to_restore_ms = restore_ms
    record_audit_event(
        session,
        actor,
        "deployment.rolled_back",
        project=names.project.key,
        resource_type="deployment",
        resource_key=str(target.id),
        environment=names.environments.get(target.environment_id),
        before={"status": before},
        after={
            "status": "rolled_back",
            "rolled_back_by": rollback.id,
            "time_to_restore_seconds": restore_ms / 1000,
        },
        at=now,
    )


def load_target(
    session: Session, project: str, service: str, environment: str
) -> tuple[Project, Service, Environment, EnvironmentPolicy | None] | None:
    """A project, its service and environment by key and the environment's policy, in
    one statement; None when one of them does not exist (look them up one by one then,
    for the error)."""
    found = session.execute(
        select(Project, Service, Environment, EnvironmentPolicy)
        .join(Service, (Service.project_id == Project.id) & (Service.key == service))
        .join(
            Environment, (Environment.project_id == Project.id) & (Environment.key == environment)
        )
        .outerjoin(EnvironmentPolicy, EnvironmentPolicy.environment_id == Environment.id)
        .where(Project.key == project)
    ).first()
    return None if found is None else (found[0], found[1], found[2], found[3])


def enforce_environment_policy(
    session: Session,
    service: Service,
    environment: Environment,
    version: str,
    policy: EnvironmentPolicy | bool | None = True,
) -> None:
    """``require_verified_in_previous``: the version must have been verified (and not
    rolled back) in the environment before this one. ``policy`` is the environment's
    policy when already loaded (``True``: load it)."""
    if policy is True:
        policy = session.get(EnvironmentPolicy, environment.id)
    if not isinstance(policy, EnvironmentPolicy) or not policy.require_verified_in_previous:
        return
    previous = session.scalar(
        select(Environment)
        .where(
            Environment.project_id == environment.project_id,
            Environment.position < environment.position,
        )
        .order_by(Environment.position.desc(), Environment.id.desc())
        .limit(1)
    )
    if previous is None:
        return
    verified = session.scalar(
        select(Deployment.id)
        .where(
            Deployment.service_id == service.id,
            Deployment.environment_id == previous.id,
            Deployment.version == version,
            Deployment.status == "succeeded",
            Deployment.verified_at.is_not(None),
        )
        .limit(1)
    )
    if verified is None:
        raise ConflictError(
            f"environment {environment.key!r} requires versions verified in "
            f"{previous.key!r} first; {service.key} {version} has not been verified there",
            {
                "policy": "require_verified_in_previous",
                "resource": "deployment",
                "key": f"{service.key}/{environment.key}",
                "service": service.key,
                "version": version,
                "environment": environment.key,
                "previous_environment": previous.key,
            },
        )


def get_env(session: Session, project: Project, key: str) -> Environment:
    return get_environment_row(session, project, key)


def summary(row: Deployment, names: Names) -> dict[str, Any]:
    """The fields the audit log keeps of a new deployment."""
    return {
        "id": row.id,
        "service": names.services.get(row.service_id),
        "environment": names.environments.get(row.environment_id),
        "version": row.version,
        "commit_sha": row.commit_sha,
        "status": row.status,
        "features": list(row.features),
    }
