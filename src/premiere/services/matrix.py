"""The environment matrix: which version of each service runs in each environment.

What runs is the latest succeeded deployment (a rolled-back one never is), read from
``environment_service_state``, which status changes keep current, so the matrix reads
one row per service and environment instead of scanning the ledger. Each environment
is compared with the one before it (by position): how many deployments and versions
it is behind, and for how long. Versions that parse as semantic versions are compared
as such (a newer deployment of an older version does not count as "ahead").
"""

from __future__ import annotations

import re
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Integer, String, bindparam, select, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from premiere.services.deployment_ledger import get_service_row
from premiere.services.lookups import get_project_row, list_environment_rows
from premiere.services.mappers import format_time
from premiere.store import Store
from premiere.store.deployments import Deployment, EnvironmentServiceState
from premiere.store.models import Service
from premiere.store.types import UTCDateTime, utc_now

SEMVER = re.compile(
    r"^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
MAX_NEWER_VERSIONS = 10_000

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int, str], ...]]


def get_environment_matrix(
    store: Store, project: str, *, service: str | None = None
) -> dict[str, Any]:
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
        items = []
        for service_row in services:
            cells = {env.key: current.get((service_row.id, env.id)) for env in environments}
            behind = [
                _behind(
                    session, service_row.id, previous.id, cells[previous.key], cells[env.key], now
                )
                | {"environment": env.key, "previous": previous.key}
                for previous, env in pairwise(environments)
            ]
            items.append(
                {
                    "service": service_row.key,
                    "environments": {
                        key: _cell(cell) if cell else None for key, cell in cells.items()
                    },
                    "behind": behind,
                }
            )
    return {
        "project": project,
        "environments": [env.key for env in environments],
        "services": items,
    }


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


def _cell(cell: tuple[Deployment, datetime]) -> dict[str, Any]:
    row, since = cell
    return {
        "deployment_id": row.id,
        "version": row.version,
        "commit_sha": row.commit_sha,
        "since": format_time(since),
        "verified": row.verified_at is not None,
        "verified_at": format_time(row.verified_at),
        "features": list(row.features),
    }


def _behind(
    session: Session,
    service_id: int,
    previous_env_id: int,
    previous: tuple[Deployment, datetime] | None,
    current: tuple[Deployment, datetime] | None,
    now: datetime,
) -> dict[str, Any]:
    """How far ``current`` lags what ran in the previous environment since its version.

    Plain SQL statements built once: the matrix runs two of them per service and pair
    of environments, and building SQLAlchemy expressions would cost more than running them.
    """
    none = {"deployments": 0, "versions": 0, "seconds": 0, "semver": False}
    if previous is None:
        return none
    prev_row = previous[0]
    semver = current is not None and None not in (
        semver_key(current[0].version),
        semver_key(prev_row.version),
    )
    if current is not None and current[0].version == prev_row.version:
        return none | {"semver": semver}
    where = {"service": service_id, "environment": previous_env_id}
    if current is None:
        groups = session.execute(_NEWER_BY_ID, where | {"after": 0})
    else:
        reference = session.scalar(_REFERENCE, where | {"version": current[0].version})
        if reference is not None:
            groups = session.execute(_NEWER_BY_ID, where | {"after": reference})
        else:
            groups = session.execute(_NEWER_BY_TIME, where | {"after": current[1]})
    floor = semver_key(current[0].version) if current is not None else None
    deployments = versions = 0
    first: datetime | None = None
    for version, count, finished in groups:
        key = semver_key(version)
        if floor is not None and key is not None and key <= floor:
            continue
        deployments += int(count)
        versions += 1
        if finished is not None and (first is None or finished < first):
            first = finished
    seconds = max(0.0, (now - first).total_seconds()) if first is not None else 0
    return {"deployments": deployments, "versions": versions, "seconds": seconds, "semver": semver}


_SUCCEEDED = (
    "FROM deployments WHERE service_id = :service AND environment_id = :environment "
    "AND status = 'succeeded'"
)
_REFERENCE = text(f"SELECT MAX(id) {_SUCCEEDED} AND version = :version")
_GROUPS = "SELECT version, COUNT(*) AS count, MIN(finished_at) AS first "
_COLUMNS: dict[str, TypeEngine[Any]] = {
    "version": String(),
    "count": Integer(),
    "first": UTCDateTime(),
}
_NEWER_BY_ID = text(
    f"{_GROUPS} {_SUCCEEDED} AND id > :after GROUP BY version LIMIT {MAX_NEWER_VERSIONS}"
).columns(**_COLUMNS)
_NEWER_BY_TIME = (
    text(
        f"{_GROUPS} {_SUCCEEDED} AND finished_at > :after GROUP BY version "
        f"LIMIT {MAX_NEWER_VERSIONS}"
    )
    .bindparams(bindparam("after", type_=UTCDateTime()))
    .columns(**_COLUMNS)
)
