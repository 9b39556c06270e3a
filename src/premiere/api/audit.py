"""The audit log and its hash chains (admin only).

``/api/v1/audit`` lists events newest first, paged by an opaque cursor;
``/api/v1/audit/verify`` and ``/api/v1/audit/heads`` check and export the chains.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import Reader, StoreDep, require_project_access
from premiere.api.models import (
    COMMON_ERRORS,
    AuditChainHeads,
    AuditPage,
    AuditVerification,
    answers,
)
from premiere.api.params import query_fields, utc_time
from premiere.services import audit as service
from premiere.services import audit_chain

router = APIRouter(tags=["audit"], responses=COMMON_ERRORS)

Filter = Annotated[str | None, Query(max_length=200)]
Project = Annotated[str | None, Query(max_length=200, description="Only this project's chain.")]


@router.get(
    "/audit",
    summary="List audit events (filters combine with AND)",
    responses=answers(AuditPage),
)
def list_audit_events(
    store: StoreDep,
    token: Reader,
    project: Filter = None,
    resource_type: Annotated[
        str | None, Query(max_length=64, description="e.g. flag, flag_config, segment")
    ] = None,
    resource_key: Filter = None,
    actor: Annotated[str | None, Query(max_length=200, description="An actor id.")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. flag.created")] = None,
    environment: Annotated[
        str | None, Query(max_length=128, description="Events of this environment.")
    ] = None,
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
        require_project_access(token, project or "")
    since_utc, until_utc = utc_time("since", since), utc_time("until", until)
    with query_fields():
        page = service.list_audit_events(
            store,
            project=project,
            resource_type=resource_type,
            resource_key=resource_key,
            actor=actor,
            action=action,
            environment=environment,
            since=since_utc,
            until=until_utc,
            limit=limit,
            cursor=cursor,
        )
    return JSONResponse(page)


@router.get(
    "/audit/verify",
    summary="Verify the audit hash chains; names the first broken event",
    responses=answers(AuditVerification),
)
def verify_audit_chains(
    store: StoreDep,
    token: Reader,
    project: Project = None,
    expect: Annotated[
        list[str] | None,
        Query(
            description="`<event id>:<hash>` of an exported head; that event must still "
            "be there with that hash (repeatable).",
        ),
    ] = None,
) -> JSONResponse:
    if token.project is not None:
        require_project_access(token, project or "")
    with query_fields():
        report = audit_chain.verify_audit_chains(store, project=project, expect=expect or ())
    return JSONResponse(report)


@router.get(
    "/audit/heads",
    summary="The head of each audit chain (project, event id, hash, time), to keep",
    responses=answers(AuditChainHeads),
)
def list_audit_chain_heads(store: StoreDep, token: Reader, project: Project = None) -> JSONResponse:
    if token.project is not None:
        require_project_access(token, project or "")
    return JSONResponse(audit_chain.list_audit_chain_heads(store, project=project))
