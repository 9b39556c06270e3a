"""Where a flag's code is deployed, and the dark-code inventory.

Dark code is a flag whose code runs, verified, in production but is released to no
one there. Production is the first environment marked ``production`` (by position),
else the last one. "Released to no one" means, from the flag's production
configuration: the flag is off; or no target, rule or fallthrough can serve a
variation other than the dormant one (the off-variation; for a boolean flag without
one, its ``false`` variation). A rollout counts only its variations with a weight
above zero. A key that no flag has (never created) or whose flag is archived is dark
too, since evaluation answers the caller's default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from premiere.errors import NotFoundError
from premiere.services.lookups import get_project_row, list_environment_rows
from premiere.services.mappers import format_time
from premiere.services.validation import is_key
from premiere.store import Store
from premiere.store.deployments import Deployment, DeploymentFeature, EnvironmentServiceState
from premiere.store.models import Environment, Flag, FlagConfig, Project, Service
from premiere.store.types import utc_now

HISTORY_LIMIT = 50
SECONDS_PER_DAY = 86_400


class FlagDeployment(TypedDict):
    id: int
    service: str
    environment: str
    version: str
    status: str
    verified: bool
    created_at: str


class FlagEnvironment(TypedDict):
    environment: str
    services: list[dict[str, Any]]


class FlagDeploymentsView(TypedDict):
    project: str
    flag: str
    exists: bool
    environments: list[FlagEnvironment]
    deployments: list[FlagDeployment]


class DormantFlag(TypedDict):
    flag: str
    reason: str
    services: list[str]
    dormant_since: str | None
    days_dormant: int


class DarkCodeView(TypedDict):
    project: str
    environment: str | None
    items: list[DormantFlag]


def list_flag_deployments(store: Store, project: str, flag: str) -> FlagDeploymentsView:
    """Where ``flag``'s code runs now (per environment, per service) and the latest
    deployments that carried it."""
    with store.read() as session:
        project_row = get_project_row(session, project)
        exists = (
            is_key(flag)
            and session.scalar(
                select(Flag.id).where(Flag.project_id == project_row.id, Flag.key == flag)
            )
            is not None
        )
        history = _history(session, project_row, flag) if is_key(flag) else []
        if not exists and not history:
            raise NotFoundError(
                "flag",
                flag,
                f"flag {flag!r} does not exist in project {project!r} and no deployment carries it",
            )
        running = _running(session, project_row, [flag]).get(flag, [])
        by_env: dict[int, list[dict[str, Any]]] = {}
        for item in running:
            by_env.setdefault(item.pop("env_id"), []).append(item)
        environments: list[FlagEnvironment] = [
            {"environment": env.key, "services": by_env.get(env.id, [])}
            for env in list_environment_rows(session, project_row)
        ]
    return {
        "project": project,
        "flag": flag,
        "exists": exists,
        "environments": environments,
        "deployments": history,
    }


def list_dark_code(store: Store, project: str, now: datetime | None = None) -> DarkCodeView:
    now = now or utc_now()
    with store.read() as session:
        project_row = get_project_row(session, project)
        production = _production(list_environment_rows(session, project_row))
        if production is None:
            return {"project": project, "environment": None, "items": []}
        carried = _carried_in(session, production)
        flags = _flags(session, project_row, production, carried)
        since = _first_verified(session, project_row, production, carried)
        items: list[DormantFlag] = []
        for key, services in sorted(carried.items()):
            reason = dormant_reason(*flags.get(key, (None, None)))
            if reason is None:
                continue
            started = since.get(key)
            items.append(
                {
                    "flag": key,
                    "reason": reason,
                    "services": sorted(services),
                    "dormant_since": format_time(started),
                    "days_dormant": int((now - started).total_seconds() // SECONDS_PER_DAY)
                    if started
                    else 0,
                }
            )
    items.sort(key=lambda item: (-item["days_dormant"], item["flag"]))
    return {"project": project, "environment": production.key, "items": items}


def dormant_reason(flag: Flag | None, config: Mapping[str, Any] | None) -> str | None:
    """Why a flag serves its code to no one in an environment, or None if it does."""
    if flag is None:
        return "flag_missing"
    if flag.archived:
        return "archived"
    if config is None or not config.get("on"):
        return "off"
    dormant = config.get("off_variation")
    if dormant is None and flag.kind == "boolean":
        dormant = next(
            (
                i
                for i, v in enumerate(flag.variations)
                if isinstance(v, Mapping) and v.get("value") is False
            ),
            None,
        )
    served = set(_served(config))
    if dormant is not None and served <= {dormant}:
        return "serves_off_variation"
    return None


def _served(config: Mapping[str, Any]) -> Iterable[Any]:
    for target in config.get("targets") or []:
        if isinstance(target, Mapping) and target.get("values"):
            yield target.get("variation")
    for rule in config.get("rules") or []:
        if isinstance(rule, Mapping):
            yield from _serve(rule.get("serve"))
    yield from _serve(config.get("fallthrough"))


def _serve(serve: Any) -> Iterable[Any]:
    if not isinstance(serve, Mapping):
        return
    if "variation" in serve:
        yield serve["variation"]
        return
    rollout = serve.get("rollout")
    if isinstance(rollout, Mapping):
        for part in rollout.get("variations") or []:
            if isinstance(part, Mapping) and (part.get("weight") or 0) > 0:
                yield part.get("variation")


def _production(environments: list[Environment]) -> Environment | None:
    marked = [env for env in environments if env.production]
    if marked:
        return marked[0]
    return environments[-1] if environments else None


def _carried_in(session: Session, environment: Environment) -> dict[str, set[str]]:
    """Flag keys carried by verified deployments running in ``environment``, with the
    services that carry them."""
    rows = session.execute(
        select(DeploymentFeature.flag_key, Service.key)
        .join(Deployment, Deployment.id == DeploymentFeature.deployment_id)
        .join(EnvironmentServiceState, EnvironmentServiceState.deployment_id == Deployment.id)
        .join(Service, Service.id == Deployment.service_id)
        .where(
            EnvironmentServiceState.environment_id == environment.id,
            Deployment.verified_at.is_not(None),
        )
    )
    carried: dict[str, set[str]] = {}
    for flag_key, service in rows:
        carried.setdefault(flag_key, set()).add(service)
    return carried


def _flags(
    session: Session, project: Project, environment: Environment, keys: Iterable[str]
) -> dict[str, tuple[Flag, dict[str, Any] | None]]:
    wanted = list(keys)
    if not wanted:
        return {}
    rows = session.execute(
        select(Flag, FlagConfig.config)
        .outerjoin(
            FlagConfig,
            (FlagConfig.flag_id == Flag.id) & (FlagConfig.environment_id == environment.id),
        )
        .where(Flag.project_id == project.id, Flag.key.in_(wanted))
    )
    return {flag.key: (flag, config) for flag, config in rows}


def _first_verified(
    session: Session, project: Project, environment: Environment, keys: Iterable[str]
) -> dict[str, datetime]:
    wanted = list(keys)
    if not wanted:
        return {}
    rows = session.execute(
        select(DeploymentFeature.flag_key, func.min(Deployment.verified_at))
        .join(Deployment, Deployment.id == DeploymentFeature.deployment_id)
        .where(
            DeploymentFeature.project_id == project.id,
            DeploymentFeature.flag_key.in_(wanted),
            Deployment.environment_id == environment.id,
            Deployment.verified_at.is_not(None),
        )
        .group_by(DeploymentFeature.flag_key)
    )
    return {key: at for key, at in rows if at is not None}


def _running(
    session: Session, project: Project, keys: list[str]
) -> dict[str, list[dict[str, Any]]]:
    rows = session.execute(
        select(DeploymentFeature.flag_key, Deployment, Service.key, EnvironmentServiceState.since)
        .join(Deployment, Deployment.id == DeploymentFeature.deployment_id)
        .join(EnvironmentServiceState, EnvironmentServiceState.deployment_id == Deployment.id)
        .join(Service, Service.id == Deployment.service_id)
        .where(DeploymentFeature.project_id == project.id, DeploymentFeature.flag_key.in_(keys))
        .order_by(Service.key)
    )
    running: dict[str, list[dict[str, Any]]] = {}
    for key, row, service, since in rows:
        running.setdefault(key, []).append(
            {
                "env_id": row.environment_id,
                "service": service,
                "version": row.version,
                "deployment_id": row.id,
                "verified": row.verified_at is not None,
                "since": format_time(since),
            }
        )
    return running


def _history(session: Session, project: Project, flag: str) -> list[FlagDeployment]:
    rows = session.execute(
        select(Deployment, Service.key, Environment.key)
        .join(DeploymentFeature, DeploymentFeature.deployment_id == Deployment.id)
        .join(Service, Service.id == Deployment.service_id)
        .join(Environment, Environment.id == Deployment.environment_id)
        .where(DeploymentFeature.project_id == project.id, DeploymentFeature.flag_key == flag)
        .order_by(DeploymentFeature.deployment_id.desc())
        .limit(HISTORY_LIMIT)
    )
    return [
        {
            "id": row.id,
            "service": service,
            "environment": environment,
            "version": row.version,
            "status": row.status,
            "verified": row.verified_at is not None,
            "created_at": format_time(row.created_at),
        }
        for row, service, environment in rows
    ]
