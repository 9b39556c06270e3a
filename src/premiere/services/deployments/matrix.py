"""The environment matrix: which version of each service runs in each environment.

What runs is the deployment whose deploy step finished last (:func:`.rows.starts_running`:
verifying, succeeded, or failed in verification; a rolled-back one never is), read from
``environment_service_state``, which status changes keep current, so the matrix reads
one row per service and environment instead of scanning the ledger. Each environment
is compared with the one before it (by position): how many deployments and versions
it is behind, and for how long. Versions that parse as semantic versions are compared
as such (a newer deployment of an older version does not count as "ahead").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from itertools import pairwise
from typing import Any, TypedDict

from sqlalchemy import Integer, func, select, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.types import TypeEngine

from premiere.services.deployments.rows import get_service_row
from premiere.services.lookups import get_project_row, list_environment_rows
from premiere.services.mappers import format_time
from premiere.store import Store
from premiere.store.deployments import (
    SEMVER,
    Deployment,
    EnvironmentServiceState,
    version_order,
)
from premiere.store.models import Service
from premiere.store.types import UTCDateTime, utc_now

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


class MatrixCell(TypedDict):
    deployment_id: int
    version: str
    commit_sha: str
    status: str
    since: str
    verified: bool
    verified_at: str | None
    features: list[str]


class MatrixRow(TypedDict):
    service: str
    environments: dict[str, MatrixCell | None]
    behind: list[dict[str, Any]]


class MatrixView(TypedDict):
    project: str
    environments: list[str]
    services: list[MatrixRow]


def get_environment_matrix(store: Store, project: str, *, service: str | None = None) -> MatrixView:
    now = utc_now()
    with store.read() as session:
        project_row = get_project_row(session, project)
        environments = list_environment_rows(session, project_row)
        if service is not None:
            services = [get_service_row(session, project_row, service)]
        else:
            services = list(
                session.scalars(
                    select(Service)
                    .where(Service.project_id == project_row.id)
                    .order_by(Service.key)
                )
            )
        current = _current(session, project_row.id)
        behind = {
            (previous.id, env.id): _behind_pair(
                session, [s.id for s in services], previous.id, env.id, current, now
            )
            for previous, env in pairwise(environments)
        }
        items: list[MatrixRow] = []
        for service_row in services:
            cells = {env.key: current.get((service_row.id, env.id)) for env in environments}
            items.append(
                {
                    "service": service_row.key,
                    "environments": {
                        key: _cell(cell) if cell else None for key, cell in cells.items()
                    },
                    "behind": [
                        behind[(previous.id, env.id)][service_row.id]
                        | {"environment": env.key, "previous": previous.key}
                        for previous, env in pairwise(environments)
                    ],
                }
            )
    return {
        "project": project,
        "environments": [env.key for env in environments],
        "services": items,
    }


@lru_cache(maxsize=4096)
def semver_key(version: str) -> SemverKey | None:
    """A sort key for a semantic version (``1.2.3-rc.1``, a leading ``v`` allowed)."""
    match = SEMVER.match(version)
    if match is None:
        return None
    major, minor, patch, pre = match.groups()
    identifiers = (
        tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in (pre or "").split(".")
        )
        if pre
        else ()
    )
    return (int(major), int(minor), int(patch), 0 if pre else 1, identifiers)


def _current(
    session: Session, project_id: int
) -> dict[tuple[int, int], tuple[Deployment, datetime]]:
    rows = session.execute(
        select(Deployment, EnvironmentServiceState.since)
        .join(EnvironmentServiceState, EnvironmentServiceState.deployment_id == Deployment.id)
        .where(EnvironmentServiceState.project_id == project_id)
    )
    return {(row.service_id, row.environment_id): (row, since) for row, since in rows}


def _cell(cell: tuple[Deployment, datetime]) -> MatrixCell:
    row, since = cell
    return {
        "deployment_id": row.id,
        "version": row.version,
        "commit_sha": row.commit_sha,
        "status": row.status,
        "since": format_time(since),
        "verified": row.verified_at is not None,
        "verified_at": format_time(row.verified_at),
        "features": list(row.features),
    }


def _behind_pair(
    session: Session,
    services: list[int],
    previous_env: int,
    env: int,
    current: Mapping[tuple[int, int], tuple[Deployment, datetime]],
    now: datetime,
) -> dict[int, dict[str, Any]]:
    """For each service, how far ``env`` lags what ran in ``previous_env`` since the
    version ``env`` runs last succeeded there (or, when it never did, since ``env``'s
    deployment was recorded). Two statements per pair of environments, whatever the
    number of services."""
    result: dict[int, dict[str, Any]] = {}
    bounds: dict[int, int] = {}  # service -> count the deployments with a greater id
    references = _references(session, services, previous_env, env)
    for service in services:
        previous, here = current.get((service, previous_env)), current.get((service, env))
        semver = None not in (
            semver_key(here[0].version) if here else None,
            semver_key(previous[0].version) if previous else None,
        )
        result[service] = {"deployments": 0, "versions": 0, "seconds": 0, "semver": semver}
        if previous is None or (here is not None and here[0].version == previous[0].version):
            continue
        if here is None:
            bounds[service] = 0
        else:  # its version never succeeded there: count from its own recording
            bounds[service] = references.get(service, here[0].id)
    floors = {service: _floor(current.get((service, env))) for service in bounds}
    for service, count, versions, first in _newer(session, previous_env, bounds, floors):
        entry = result[service]
        entry["deployments"], entry["versions"] = int(count), int(versions)
        if first is not None:
            entry["seconds"] = max(entry["seconds"], max(0.0, (now - first).total_seconds()))
    return result


def _floor(here: tuple[Deployment, datetime] | None) -> str | None:
    """The version order below which (inclusive) newer deployments do not count."""
    return None if here is None else version_order(here[0].version)


def _references(
    session: Session, services: list[int], previous_env: int, env: int
) -> dict[int, int]:
    """Per service, the newest succeeded deployment in ``previous_env`` of the version
    that runs in ``env``."""
    current = aliased(Deployment)
    rows = session.execute(
        select(EnvironmentServiceState.service_id, func.max(Deployment.id))
        .join(current, current.id == EnvironmentServiceState.deployment_id)
        .join(
            Deployment,
            (Deployment.service_id == EnvironmentServiceState.service_id)
            & (Deployment.environment_id == previous_env)
            & (Deployment.version == current.version)
            & (Deployment.status == "succeeded"),
        )
        .where(
            EnvironmentServiceState.environment_id == env,
            EnvironmentServiceState.service_id.in_(services),
        )
        .group_by(EnvironmentServiceState.service_id)
    )
    return {service: int(reference) for service, reference in rows if reference is not None}


def _newer(
    session: Session,
    previous_env: int,
    bounds: Mapping[int, int],
    floors: Mapping[int, str | None],
) -> list[tuple[int, int, int, datetime | None]]:
    """(service, deployments, versions, first finish) of the succeeded deployments in
    ``previous_env`` after each service's bound whose version is not semantically at or
    below the service's floor (both semantic versions), in one statement that returns
    one row per service however many versions wait."""
    if not bounds:
        return []
    values = ", ".join(f"(:s{i}, :a{i}, CAST(:f{i} AS VARCHAR))" for i in range(len(bounds)))
    params: dict[str, Any] = {"environment": previous_env}
    for i, (service, after) in enumerate(bounds.items()):
        params[f"s{i}"], params[f"a{i}"], params[f"f{i}"] = service, after, floors[service]
    bounded = (
        "d.service_id = bounds.service_id AND d.environment_id = :environment "
        "AND d.id > bounds.after_id AND d.status = 'succeeded' AND (bounds.floor IS NULL "
        "OR d.version_order IS NULL OR d.version_order > bounds.floor)"
    )
    if session.get_bind().dialect.name == "postgresql":  # one index range scan per bound
        source = (
            f"bounds CROSS JOIN LATERAL (SELECT d.service_id, d.version, d.finished_at "
            f"FROM deployments d WHERE {bounded} OFFSET 0) d"  # OFFSET 0: not pulled up
        )
    else:  # SQLite's planner loops over the bounds with the (service, environment, id) index
        source = f"bounds JOIN deployments d ON {bounded}"
    statement = text(
        f"WITH bounds(service_id, after_id, floor) AS (VALUES {values}) "
        "SELECT d.service_id, COUNT(*) AS count, COUNT(DISTINCT d.version) AS versions, "
        f"MIN(d.finished_at) AS first FROM {source} GROUP BY d.service_id"
    ).columns(service_id=Integer(), **_COLUMNS)
    return [(s, c, v, f) for s, c, v, f in session.execute(statement, params)]


_COLUMNS: dict[str, TypeEngine[Any]] = {
    "count": Integer(),
    "versions": Integer(),
    "first": UTCDateTime(),
}
