"""Promotion, rollback and the environment policy that guards them.

Promoting a service from environment A to B records a new, pending deployment in B of
exactly what runs (verified) in A: version, commit, artifact, commits and features.
Rolling a deployment back records a new, pending deployment of the version that ran
before it in the same environment; when that one succeeds, the rolled-back deployment
is marked ``rolled_back`` and the time to restore is known.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from premiere.errors import ConflictError, InvalidStateError
from premiere.services import Actor
from premiere.services.audit import record_audit_event
from premiere.services.deployments.rows import (
    Names,
    add_deployment,
    enforce_environment_policy,
    get_deployment_row,
    get_env,
    get_service_row,
    lock_slot,
)
from premiere.services.deployments.rules import (
    request_hash,
    validate_idempotency_key,
    validate_reason,
)
from premiere.services.deployments.views import DeploymentView, view_of
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.concurrency import require_current_version, require_version
from premiere.store.deployments import Deployment, EnvironmentPolicy, EnvironmentServiceState
from premiere.store.models import Environment, Project
from premiere.store.types import utc_now


class PolicyView(TypedDict):
    project: str
    environment: str
    require_verified_in_previous: bool
    version: int
    updated_at: str


def promote_deployment(
    store: Store, actor: Actor, project: str, data: Mapping[str, Any]
) -> tuple[DeploymentView, bool]:
    """Record in ``to`` the deployment of what runs, verified, in ``from``.

    Returns the new deployment's view and whether it was created now (an
    ``idempotency_key`` seen before returns the first one).
    """
    validator = Validator(data)
    validator.allowed(("service", "from", "to", "idempotency_key"))
    for field in ("service", "from", "to"):
        validator.key(field)
    if data.get("from") is not None and data.get("from") == data.get("to"):
        validator.add("to", "not_allowed", "must name another environment than 'from'")
    validate_idempotency_key(validator, data.get("idempotency_key"))
    validator.raise_if_any()
    key = data.get("idempotency_key")
    fingerprint = request_hash({"promote": dict(data)})
    try:
        with store.write() as session:
            project_row = get_project_row(session, project)
            replay = _replay(session, project_row, key, fingerprint)
            if replay is not None:
                return replay, False
            service = get_service_row(session, project_row, data["service"])
            source_env = get_env(session, project_row, data["from"])
            target_env = get_env(session, project_row, data["to"])
            source = _verified_current(session, service.id, source_env, data["service"])
            lock_slot(session, service.id, target_env.id)
            enforce_environment_policy(session, service, target_env, source.version)
            names = Names.of(project_row, service, target_env)
            fields = _copy(source) | {
                "promoted_from_id": source.id,
                "idempotency_key": key,
                "request_hash": fingerprint if key else None,
            }
            row = add_deployment(session, actor, names, service, target_env, fields)
            return view_of(session, row, names), True
    except IntegrityError:
        with store.read() as session:
            replay = _replay(session, get_project_row(session, project), key, fingerprint)
            if replay is None:
                raise
            return replay, False


def rollback_deployment(
    store: Store, actor: Actor, project: str, deployment_id: int, data: Mapping[str, Any]
) -> tuple[DeploymentView, bool]:
    """Record the redeploy of the version that ran before ``deployment_id`` (which must
    be succeeded or failed) in its environment; no policy applies to a rollback."""
    validator = Validator(data)
    validator.allowed(("idempotency_key", "reason"))
    validate_idempotency_key(validator, data.get("idempotency_key"))
    validate_reason(validator)
    validator.raise_if_any()
    key = data.get("idempotency_key")
    fingerprint = request_hash({"rollback": deployment_id, **data})
    try:
        with store.write() as session:
            project_row = get_project_row(session, project)
            replay = _replay(session, project_row, key, fingerprint)
            if replay is not None:
                return replay, False
            target = get_deployment_row(session, project_row, deployment_id)
            lock_slot(session, target.service_id, target.environment_id)
            session.refresh(target)
            previous = _previous_version(session, target)
            names = Names.load(session, project_row)
            service = get_service_row(session, project_row, names.services[target.service_id])
            env = get_env(session, project_row, names.environments[target.environment_id])
            fields = _copy(previous) | {
                "rollback_of_id": target.id,
                "idempotency_key": key,
                "request_hash": fingerprint if key else None,
            }
            row = add_deployment(session, actor, names, service, env, fields)
            if data.get("reason"):
                row.reason = data["reason"]
            return view_of(session, row, names), True
    except IntegrityError:
        with store.read() as session:
            replay = _replay(session, get_project_row(session, project), key, fingerprint)
            if replay is None:
                raise
            return replay, False


def get_environment_policy(store: Store, project: str, environment: str) -> PolicyView:
    with store.read() as session:
        env = get_env(session, get_project_row(session, project), environment)
        return _policy_view(session.get(EnvironmentPolicy, env.id), project, env)


def update_environment_policy(
    store: Store,
    actor: Actor,
    project: str,
    environment: str,
    data: Mapping[str, Any],
    expected_version: int | None,
) -> PolicyView:
    """Set ``require_verified_in_previous``; a policy never set is at version 1."""
    expected = require_version(expected_version, "environment_policy", environment)
    validator = Validator(data)
    validator.allowed(("require_verified_in_previous",))
    validator.required("require_verified_in_previous")
    validator.boolean("require_verified_in_previous")
    validator.raise_if_any()
    with store.write() as session:
        env = get_env(session, get_project_row(session, project), environment)
        row = session.get(EnvironmentPolicy, env.id)
        if row is None:
            row = EnvironmentPolicy(
                environment_id=env.id, require_verified_in_previous=False, version=1
            )
            session.add(row)
            session.flush()
        require_current_version("environment_policy", environment, row.version, expected)
        before = _policy_view(row, project, env)
        row.require_verified_in_previous = bool(data["require_verified_in_previous"])
        row.version += 1
        row.updated_at = utc_now()
        after = _policy_view(row, project, env)
        record_audit_event(
            session,
            actor,
            "environment_policy.updated",
            project=project,
            resource_type="environment",
            resource_key=environment,
            environment=environment,
            before=before,
            after=after,
        )
    return after


def _policy_view(row: EnvironmentPolicy | None, project: str, env: Environment) -> PolicyView:
    return {
        "project": project,
        "environment": env.key,
        "require_verified_in_previous": bool(row and row.require_verified_in_previous),
        "version": row.version if row else 1,
        "updated_at": format_time(row.updated_at if row else env.created_at),
    }


def _verified_current(
    session: Session, service_id: int, environment: Environment, service: str
) -> Deployment:
    state = session.get(EnvironmentServiceState, (service_id, environment.id))
    row = session.get(Deployment, state.deployment_id) if state else None
    if row is None or row.verified_at is None or row.status != "succeeded":
        raise InvalidStateError(
            f"no verified deployment of {service!r} runs in {environment.key!r} to promote",
            {"resource": "deployment", "key": f"{service}/{environment.key}"},
        )
    return row


def _previous_version(session: Session, target: Deployment) -> Deployment:
    if target.status not in ("succeeded", "failed"):
        raise InvalidStateError(
            f"deployment {target.id} is {target.status}; only a succeeded or failed "
            "deployment can be rolled back",
            {"resource": "deployment", "key": str(target.id), "status": target.status},
        )
    previous = session.scalar(
        select(Deployment)
        .where(
            Deployment.service_id == target.service_id,
            Deployment.environment_id == target.environment_id,
            Deployment.id < target.id,
            Deployment.status == "succeeded",
            Deployment.version != target.version,
        )
        .order_by(Deployment.id.desc())
        .limit(1)
    )
    if previous is None:
        raise InvalidStateError(
            f"deployment {target.id} has no earlier succeeded version to roll back to",
            {"resource": "deployment", "key": str(target.id), "status": target.status},
        )
    return previous


def _copy(source: Deployment) -> dict[str, Any]:
    return {
        "version": source.version,
        "commit_sha": source.commit_sha,
        "commit_time": source.commit_time,
        "commits": list(source.commits),
        "artifact": source.artifact,
        "pipeline_url": None,
        "features": list(source.features),
        "status": "pending",
    }


def _replay(
    session: Session, project: Project, key: Any, fingerprint: str
) -> DeploymentView | None:
    if not isinstance(key, str):
        return None
    row = session.scalar(
        select(Deployment).where(
            Deployment.project_id == project.id, Deployment.idempotency_key == key
        )
    )
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise ConflictError(
            f"idempotency key {key!r} was used for another deployment ({row.id})",
            {"resource": "deployment", "key": str(row.id), "idempotency_key": key},
        )
    return view_of(session, row, Names.load(session, project))
