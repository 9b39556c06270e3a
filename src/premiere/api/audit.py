"""The audit log: ``/api/v1/audit``, newest first, paged by an opaque cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import Admin, StoreDep, check_project
from premiere.api.params import query_fields, utc_time
from premiere.api.schemas import COMMON_ERRORS, AuditPage, answers
from premiere.services import audit as service

router = APIRouter(tags=["audit"], responses=COMMON_ERRORS)

Filter = Annotated[str | None, Query(max_length=200)]


@router.get(
    "/audit",
    summary="List audit events (filters combine with AND)",
    responses=answers(AuditPage),
)
def list_audit_events(
    store: StoreDep,
    token: Admin,
    project: Filter = None,
    resource_type: Annotated[
        str | None, Query(max_length=64, description="e.g. flag, flag_config, segment")
    ] = None,
    resource_key: Filter = None,
    actor: Annotated[str | None, Query(max_length=200, description="An actor id.")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. flag.created")] = None,
    since: Annotated[
        datetime | None, Query(description="RFC 3339; events at or after (naive = UTC).")
    ] = None,
    until: Annotated[datetime | None, Query(description="RFC 3339; events before.")] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Page size.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=500, description="`next_cursor` of the previous page.")
    ] = None,
) -> JSONResponse:
    if token.project is not None:
        check_project(token, project or "")
    since_utc, until_utc = utc_time("since", since), utc_time("until", until)
    with query_fields():
        page = service.list_audit_events(
            store,
            project=project,
            resource_type=resource_type,
            resource_key=resource_key,
            actor=actor,
            action=action,
            since=since_utc,
            until=until_utc,
            limit=limit,
            cursor=cursor,
        )
    return JSONResponse(page)
