"""The deployment history: deployments newest first, filtered, paged by an opaque cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from premiere.services.deployments.rows import Names, get_env, get_service_row
from premiere.services.deployments.rules import STATUSES, parse_time
from premiere.services.deployments.views import (
    DeploymentPage,
    map_deployment_row_to_view,
    unknown_flags,
)
from premiere.services.lookups import get_project_row
from premiere.services.validation import Validator, encode_cursor, find_cursor
from premiere.store import Store
from premiere.store.deployments import Deployment

MAX_LIMIT = 500


def list_deployments(
    store: Store,
    project: str,
    *,
    service: str | None = None,
    environment: str | None = None,
    status: str | None = None,
    version: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> DeploymentPage:
    """Deployments newest first, filtered; ``since`` inclusive, ``until`` exclusive
    (on ``created_at``); ``next_cursor`` continues past the last item."""
    statement = _history_filters(status, since, until, limit, cursor)
    if version is not None:
        statement = statement.where(Deployment.version == version)
    with store.read() as session:
        project_row = get_project_row(session, project)
        statement = statement.where(Deployment.project_id == project_row.id)
        if service is not None:
            statement = statement.where(
                Deployment.service_id == get_service_row(session, project_row, service).id
            )
        if environment is not None:
            statement = statement.where(
                Deployment.environment_id == get_env(session, project_row, environment).id
            )
        rows = list(session.scalars(statement))
        more = len(rows) > limit
        rows = rows[:limit]
        names = Names.load(session, project_row)
        unknown = unknown_flags(session, project_row, {k for r in rows for k in r.features})
        items = [map_deployment_row_to_view(row, names, unknown) for row in rows]
    return {
        "items": items,
        "next_cursor": encode_cursor("deployments", rows[-1].id) if more else None,
    }


def _history_filters(
    status: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    limit: int,
    cursor: str | None,
) -> Any:
    bounds, after = _validate_history(status, since, until, limit, cursor)
    statement = select(Deployment).order_by(Deployment.id.desc()).limit(limit + 1)
    if status is not None:
        statement = statement.where(Deployment.status == status)
    if bounds.get("since") is not None:
        statement = statement.where(Deployment.created_at >= bounds["since"])
    if bounds.get("until") is not None:
        statement = statement.where(Deployment.created_at < bounds["until"])
    if after is not None:
        statement = statement.where(Deployment.id < after)
    return statement


def _validate_history(
    status: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    limit: int,
    cursor: str | None,
) -> tuple[dict[str, datetime | None], int | None]:
    validator = Validator({})
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        validator.add("limit", "range", f"must be between 1 and {MAX_LIMIT}")
    if status is not None and status not in STATUSES:
        validator.add("status", "enum", f"must be one of {', '.join(STATUSES)}")
    bounds: dict[str, datetime | None] = {}
    for name, value in (("since", since), ("until", until)):
        if value is not None:
            bounds[name] = parse_time(value)
            if bounds[name] is None:
                validator.add(name, "datetime", "must be an RFC 3339 date-time")
    after = find_cursor("deployments", cursor) if cursor is not None else None
    if cursor is not None and after is None:
        validator.add("cursor", "invalid_cursor", "is not a cursor from this list")
    validator.raise_if_any()
    return bounds, after
