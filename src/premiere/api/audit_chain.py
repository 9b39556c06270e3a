"""The audit chain: ``/api/v1/audit/verify`` and ``/api/v1/audit/heads`` (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import Admin, StoreDep, check_project
from premiere.api.params import query_fields
from premiere.api.schemas import COMMON_ERRORS, AuditChainHeads, AuditVerification, answers
from premiere.services import audit_chain as service

router = APIRouter(tags=["audit"], responses=COMMON_ERRORS)

Project = Annotated[str | None, Query(max_length=200, description="Only this project's chain.")]


@router.get(
    "/audit/verify",
    summary="Verify the audit hash chains; names the first broken event",
    responses=answers(AuditVerification),
)
def verify_audit_chains(
    store: StoreDep,
    token: Admin,
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
        check_project(token, project or "")
    with query_fields():
        report = service.verify_audit_chains(store, project=project, expect=expect or ())
    return JSONResponse(report)


@router.get(
    "/audit/heads",
    summary="The head of each audit chain (project, event id, hash, time), to keep",
    responses=answers(AuditChainHeads),
)
def list_audit_chain_heads(store: StoreDep, token: Admin, project: Project = None) -> JSONResponse:
    if token.project is not None:
        check_project(token, project or "")
    return JSONResponse(service.list_audit_chain_heads(store, project=project))
