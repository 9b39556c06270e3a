"""Whether a release may start, and exactly what is missing when it may not.

A feature's code is there when, in the release's environment, the running and
verified deployment of each service named in its ``min_versions`` has at least
that version; a feature without minimum versions needs its flag key among the
features carried by a running verified deployment. Approvals must be complete
(valid ones, bound to the current digest), the required items of the go-to-market
checklist must be done, and no freeze window may be open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from premiere.services.deployments.matrix import semver_key
from premiere.services.lookups import get_project_row
from premiere.services.mappers import format_time
from premiere.services.releases.checklist import checklist_missing
from premiere.services.releases.plan import previous_variation
from premiere.services.releases.rows import get_release_row
from premiere.services.releases.schedules import active_freeze
from premiere.store import Store
from premiere.store.deployments import Deployment, DeploymentFeature, EnvironmentServiceState
from premiere.store.models import Environment, Flag, FlagConfig, Project, Service
from premiere.store.releases import Release, ReleaseApproval
from premiere.store.types import utc_now


class MissingItem(TypedDict):
    kind: str
    flag: str | None
    service: str | None
    needed: Any
    found: Any


class ReadinessView(TypedDict):
    release: str
    ready: bool
    missing: list[MissingItem]


def get_release_readiness(
    store: Store, project: str, key: str, *, now: datetime | None = None
) -> ReadinessView:
    with store.read() as session:
        project_row = get_project_row(session, project)
        row = get_release_row(session, project_row, key)
        missing = missing_items(session, project_row, row, now or utc_now())
    return {"release": key, "ready": not missing, "missing": missing}


def missing_items(
    session: Session, project: Project, row: Release, now: datetime, *, freeze: bool = True
) -> list[MissingItem]:
    environment = session.scalar(
        select(Environment).where(
            Environment.project_id == project.id, Environment.key == row.environment
        )
    )
    if environment is None:
        return [_item("environment", None, None, row.environment, "missing")]
    missing = deployment_items(session, project, environment, row.spec["features"])
    missing += flag_items(session, project, environment, row.spec["features"])
    valid = count_valid_approvals(session, row)
    required = int(row.spec["required_approvals"])
    if valid < required:
        missing.append(_item("approvals", None, None, required, valid))
    for item in checklist_missing(session, row):
        missing.append(_item("checklist", None, None, item, "not done"))
    if freeze:
        window = active_freeze(session, project.id, row.environment, now)
        if window is not None:
            missing.append(
                _item(
                    "freeze",
                    None,
                    None,
                    "no freeze window",
                    f"frozen until {format_time(window.end)}: {window.reason}",
                )
            )
    return missing


def deployment_items(
    session: Session, project: Project, environment: Environment, features: list[dict[str, Any]]
) -> list[MissingItem]:
    """A deployment that runs but is not verified is named in ``found`` (service,
    version, status, verification, id), so the reader knows which one to verify."""
    running = _running(session, environment)
    carrying = _carrying(session, environment)
    missing: list[MissingItem] = []
    for feature in features:
        flag = feature["flag"]
        minimums = feature.get("min_versions") or {}
        if not minimums:
            carriers = carrying.get(flag, [])
            if not any(d.verified_at is not None for _, d in carriers):
                found = deployment_found(*carriers[0]) if carriers else None
                needed = "a verified deployment carrying it"
                missing.append(_item("deployment", flag, None, needed, found))
            continue
        for service, minimum in sorted(minimums.items()):
            deployment = running.get(service)
            needed = f">= {minimum}, verified"
            if deployment is None:
                missing.append(_item("deployment", flag, service, needed, None))
            elif deployment.verified_at is None:
                found = deployment_found(service, deployment)
                missing.append(_item("deployment", flag, service, needed, found))
            elif not _at_least(deployment.version, minimum):
                missing.append(_item("deployment", flag, service, needed, deployment.version))
    return missing


def deployment_found(service: str, deployment: Deployment) -> dict[str, Any]:
    """The running deployment that does not yet count, as readiness names it."""
    return {
        "id": deployment.id,
        "service": service,
        "version": deployment.version,
        "status": deployment.status,
        "verification": deployment.verification_status,
    }


def flag_items(
    session: Session, project: Project, environment: Environment, features: list[dict[str, Any]]
) -> list[MissingItem]:
    """Flags archived meanwhile, and flags with no previous variation to keep serving."""
    keys = [feature["flag"] for feature in features]
    rows = {
        flag.key: (flag, config)
        for flag, config in session.execute(
            select(Flag, FlagConfig.config)
            .join(FlagConfig, FlagConfig.flag_id == Flag.id)
            .where(
                Flag.project_id == project.id,
                Flag.key.in_(keys),
                FlagConfig.environment_id == environment.id,
            )
        )
    }
    missing = []
    for key in keys:
        if key not in rows or rows[key][0].archived:
            missing.append(_item("flag", key, None, "a live flag", "archived or missing"))
        elif previous_variation(rows[key][1]) is None:
            missing.append(
                _item("flag", key, None, "an off-variation or fallthrough variation", None)
            )
    return missing


def count_valid_approvals(session: Session, row: Release) -> int:
    approvals = session.scalars(
        select(ReleaseApproval).where(
            ReleaseApproval.release_id == row.id,
            ReleaseApproval.void.is_(False),
            ReleaseApproval.digest == row.digest,
        )
    )
    return len({(a.approver["kind"], a.approver["id"]) for a in approvals})


def _running(session: Session, environment: Environment) -> dict[str, Deployment]:
    rows = session.execute(
        select(Service.key, Deployment)
        .join(EnvironmentServiceState, EnvironmentServiceState.service_id == Service.id)
        .join(Deployment, Deployment.id == EnvironmentServiceState.deployment_id)
        .where(EnvironmentServiceState.environment_id == environment.id)
    )
    return {service: deployment for service, deployment in rows}


def _carrying(
    session: Session, environment: Environment
) -> dict[str, list[tuple[str, Deployment]]]:
    """Per flag key, the running deployments (with their service) carrying it."""
    rows = session.execute(
        select(DeploymentFeature.flag_key, Service.key, Deployment)
        .join(Deployment, Deployment.id == DeploymentFeature.deployment_id)
        .join(EnvironmentServiceState, EnvironmentServiceState.deployment_id == Deployment.id)
        .join(Service, Service.id == EnvironmentServiceState.service_id)
        .where(EnvironmentServiceState.environment_id == environment.id)
        .order_by(Service.key)
    )
    carrying: dict[str, list[tuple[str, Deployment]]] = {}
    for flag, service, deployment in rows:
        carrying.setdefault(flag, []).append((service, deployment))
    return carrying


def _at_least(version: str, minimum: str) -> bool:
    found, needed = semver_key(version), semver_key(minimum)
    return found is not None and needed is not None and found >= needed


def _item(kind: str, flag: str | None, service: str | None, needed: Any, found: Any) -> MissingItem:
    return {"kind": kind, "flag": flag, "service": service, "needed": needed, "found": found}
