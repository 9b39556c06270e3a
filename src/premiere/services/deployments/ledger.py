"""The deployment ledger: record deployments and move their status (their history,
newest first, is :mod:`.history`).

A deployment is ``pending -> in_progress -> verifying -> succeeded | failed``; a
later rollback marks it ``rolled_back``. Reporting it done (``finish`` with outcome
``succeeded``, or status ``verifying``) starts its verification checks; with none
configured it succeeds, verified, at once. Checks run elsewhere (:mod:`.verification`),
and :func:`complete_verification` records their outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from premiere.errors import ConflictError
from premiere.services import Actor
from premiere.services.deployments.rows import (
    Names,
    add_deployment,
    enforce_environment_policy,
    get_deployment_row,
    get_env,
    get_service_row,
    load_deployment,
    load_target,
    lock_row,
    lock_slot,
    set_status,
)
from premiere.services.deployments.rules import (
    REPORTABLE,
    normalize_commits,
    parse_time,
    request_hash,
    truncate_log,
    unique_keys,
    validate_idempotency_key,
    validate_log,
    validate_reason,
    validate_record,
    validate_transition,
)
from premiere.services.deployments.views import (
    DeploymentView,
    view_of,
)
from premiere.services.lookups import get_project_row
from premiere.services.validation import Validator
from premiere.store import Store
from premiere.store.deployments import Deployment, EnvironmentPolicy, VerificationCheck
from premiere.store.models import Environment, Project


def record_deployment(
    store: Store,
    actor: Actor,
    project: str,
    data: Mapping[str, Any],
    *,
    idempotency_key: str | None = None,
) -> tuple[DeploymentView, bool]:
    """Record a deployment; returns its view and whether it was created now.

    The same idempotency key (``data["idempotency_key"]`` or the argument, e.g. the
    ``Idempotency-Key`` header) with the same data returns the deployment recorded
    first (``False``); with different data it is a ``ConflictError``.
    """
    validate_record(data)
    key = _idempotency_key(data, idempotency_key)
    fields = _normalize(data)
    fields["idempotency_key"] = key
    fields["request_hash"] = request_hash(fields) if key is not None else None
    try:
        with store.write() as session:
            target = load_target(session, project, fields["service"], fields["environment"])
            project_row = target[0] if target else get_project_row(session, project)
            existing = _find_by_key(session, project_row, key)
            if existing is not None:
                return _replay(session, project_row, existing, fields), False
            if target is None:  # one by one, for the error
                service = get_service_row(session, project_row, fields["service"])
                environment = get_env(session, project_row, fields["environment"])
                policy: EnvironmentPolicy | bool | None = True
            else:
                _, service, environment, policy = target
            lock_slot(session, service.id, environment.id)
            enforce_environment_policy(session, service, environment, fields["version"], policy)
            names = Names.of(project_row, service, environment)
            row = add_deployment(session, actor, names, service, environment, fields)
            return view_of(session, row, names), True
    except IntegrityError:
        with store.read() as session:
            project_row = get_project_row(session, project)
            existing = _find_by_key(session, project_row, key)
            if existing is None:
                raise
            return _replay(session, project_row, existing, fields), False


def get_deployment(store: Store, project: str, deployment_id: int) -> DeploymentView:
    with store.read() as session:
        project_row = get_project_row(session, project)
        row = get_deployment_row(session, project_row, deployment_id)
        return view_of(session, row, Names.load(session, project_row))


def change_deployment_status(
    store: Store, actor: Actor, project: str, deployment_id: int, data: Mapping[str, Any]
) -> DeploymentView:
    """Report a status (``in_progress``, ``verifying``, ``succeeded``, ``failed``).

    ``verifying`` starts the checks; ``succeeded`` reported directly skips them (the
    deployment is then not verified). Reporting the current status again changes
    nothing.
    """
    validator = Validator(data)
    validator.allowed(("status", "log_excerpt", "reason", "duration_ms"))
    if validator.required("status") and data["status"] not in REPORTABLE:
        validator.add("status", "enum", f"must be one of {', '.join(REPORTABLE)}")
    _validate_report(validator)
    return _report(store, actor, project, deployment_id, data, str(data["status"]))


def finish_deployment(
    store: Store, actor: Actor, project: str, deployment_id: int, data: Mapping[str, Any]
) -> DeploymentView:
    """The pipeline is done: ``outcome`` ``succeeded`` starts verification (status
    ``verifying``), ``failed`` fails the deployment."""
    validator = Validator(data)
    validator.allowed(("outcome", "log_excerpt", "reason", "duration_ms"))
    if validator.required("outcome") and data["outcome"] not in ("succeeded", "failed"):
        validator.add("outcome", "enum", "must be succeeded or failed")
    _validate_report(validator)
    status = "verifying" if data["outcome"] == "succeeded" else "failed"
    return _report(store, actor, project, deployment_id, data, status)


def verification_plan(store: Store, deployment_id: int) -> list[dict[str, Any]] | None:
    """The checks to run for a deployment that is verifying (None when it is not)."""
    with store.read() as session:
        row = session.get(Deployment, deployment_id)
        if row is None or row.status != "verifying":
            return None
        return [
            {"key": check.key, "kind": check.kind, **check.spec}
            for check in _checks_for(session, row.service_id, row.environment_id)
        ]


def complete_verification(
    store: Store, actor: Actor, deployment_id: int, results: list[dict[str, Any]]
) -> None:
    """Record the checks' results; all passed -> succeeded (verified), else failed.
    A deployment no longer verifying (reported otherwise meanwhile) keeps its status."""
    with store.write() as session:
        row = session.get(Deployment, deployment_id)
        if row is None or row.status != "verifying":
            return
        lock_row(session, row)
        if row.status != "verifying":
            return
        passed = all(result.get("status") == "passed" for result in results)
        row.checks = results
        row.verification_status = "passed" if passed else "failed"
        project_row = session.get(Project, row.project_id)
        assert project_row is not None
        names = Names.for_row(session, project_row, row)
        failed = [r["key"] for r in results if r.get("status") != "passed"]
        reason = None if passed else f"verification failed: {', '.join(failed)}"
        set_status(
            session,
            actor,
            names,
            row,
            "succeeded" if passed else "failed",
            reason=reason,
            verified=passed,
        )


def _report(
    store: Store,
    actor: Actor,
    project: str,
    deployment_id: int,
    data: Mapping[str, Any],
    status: str,
) -> DeploymentView:
    with store.write() as session:
        project_row, row = load_deployment(session, project, deployment_id)
        lock_row(session, row)
        names = Names.for_row(session, project_row, row)
        if _already(row.status, status):
            return view_of(session, row, names)
        validate_transition(row.id, row.status, status)
        _apply_report_fields(row, data)
        if status == "verifying":
            _begin_verification(session, actor, names, row, data.get("reason"))
        else:
            set_status(session, actor, names, row, status, reason=data.get("reason"))
        return view_of(session, row, names)


def _already(current: str, requested: str) -> bool:
    if current == requested:
        return True
    return requested == "verifying" and current in ("succeeded", "rolled_back")


def _begin_verification(
    session: Session, actor: Actor, names: Names, row: Deployment, reason: str | None
) -> None:
    checks = (
        _checks_for(session, row.service_id, row.environment_id)
        if names.service_has_checks is not False
        else []
    )
    row.checks = []
    row.verification_status = "running" if checks else "passed"
    set_status(session, actor, names, row, "verifying", reason=reason)
    if not checks:
        set_status(session, actor, names, row, "succeeded", verified=True)


def _checks_for(session: Session, service_id: int, environment_id: int) -> list[VerificationCheck]:
    env_key = select(Environment.key).where(Environment.id == environment_id).scalar_subquery()
    statement = (
        select(VerificationCheck)
        .where(
            VerificationCheck.service_id == service_id,
            or_(VerificationCheck.environment.is_(None), VerificationCheck.environment == env_key),
        )
        .order_by(VerificationCheck.key)
    )
    return list(session.scalars(statement))


def _apply_report_fields(row: Deployment, data: Mapping[str, Any]) -> None:
    if data.get("log_excerpt") is not None:
        row.log_excerpt, row.log_truncated = truncate_log(data["log_excerpt"])
    if data.get("duration_ms") is not None:
        row.duration_ms = int(data["duration_ms"])


def _validate_report(validator: Validator) -> None:
    validate_log(validator)
    validate_reason(validator)
    validator.integer("duration_ms", minimum=0, null=True)
    value = validator.data.get("duration_ms")
    if isinstance(value, int) and value >= 2**62:
        validator.add("duration_ms", "maximum", "must be less than 2**62")
    validator.raise_if_any()


def _idempotency_key(data: Mapping[str, Any], header: str | None) -> str | None:
    body_key = data.get("idempotency_key")
    if header is not None:
        validator = Validator({"idempotency_key": header})
        validate_idempotency_key(validator, header, "header.idempotency-key")
        if body_key is not None and body_key != header:
            validator.add(
                "idempotency_key", "not_allowed", "differs from the Idempotency-Key header"
            )
        validator.raise_if_any()
        return header
    return body_key if isinstance(body_key, str) else None


def _normalize(data: Mapping[str, Any]) -> dict[str, Any]:
    log, truncated = truncate_log(data.get("log_excerpt"))
    return {
        "service": data["service"],
        "environment": data["environment"],
        "version": data["version"],
        "commit_sha": str(data["commit_sha"]).lower(),
        "commit_time": parse_time(data.get("commit_time")),
        "commits": normalize_commits(data.get("commits")),
        "artifact": data.get("artifact"),
        "pipeline_url": data.get("pipeline_url"),
        "features": unique_keys(data.get("features")),
        "status": data.get("status") or "pending",
        "log_excerpt": log,
        "log_truncated": truncated,
        "fix": True if data.get("fix") else None,  # None: as before the mark existed
    }


def _find_by_key(session: Session, project: Project, key: str | None) -> Deployment | None:
    if key is None:
        return None
    return session.scalar(
        select(Deployment).where(
            Deployment.project_id == project.id, Deployment.idempotency_key == key
        )
    )


def _replay(
    session: Session, project: Project, row: Deployment, fields: Mapping[str, Any]
) -> DeploymentView:
    if row.request_hash != fields["request_hash"]:
        raise ConflictError(
            f"idempotency key {row.idempotency_key!r} was used for another deployment "
            f"({row.id}) with different data",
            {"resource": "deployment", "key": str(row.id), "idempotency_key": row.idempotency_key},
        )
    return view_of(session, row, Names.load(session, project))
