"""Incidents: ``/api/v1/projects/{project}/incidents``, and the inbound webhook a
monitoring tool posts to, ``.../incidents/webhook``. Reading them is ``ledger.read``;
recording and ending them, by hand or by webhook, is ``deployments.record`` (engineers
and up, and deploy tokens: the same callers as the ledger's writes)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import Deployer, LedgerReader, StoreDep, actor_of
from premiere.api.insights.models import (
    IncidentEnd,
    IncidentPage,
    IncidentRecord,
    IncidentView,
    IncidentWebhook,
    WebhookAnswer,
)
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.params import RowId
from premiere.services.insights import incidents
from premiere.services.insights.webhook import receive_incident_webhook
from premiere.store.types import utc_now

router = APIRouter(
    prefix="/projects/{project}/incidents", tags=["insights"], responses=COMMON_ERRORS
)


@router.get("", summary="List incidents, newest first", responses=answers(IncidentPage, 404))
def list_incidents(
    store: StoreDep,
    token: LedgerReader,
    project: str,
    open: Annotated[bool, Query(description="Only those not ended.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> JSONResponse:
    return JSONResponse(incidents.list_incidents(store, project, open_only=open, limit=limit))


@router.post(
    "",
    status_code=201,
    summary="Record an incident",
    responses=answers(IncidentView, 404, status=201),
)
def record_incident(
    store: StoreDep, token: Deployer, project: str, body: IncidentRecord
) -> JSONResponse:
    view = incidents.record_incident(store, actor_of(token), project, body.data())
    headers = {"Location": f"/api/v1/projects/{project}/incidents/{view['id']}"}
    return JSONResponse(view, status_code=201, headers=headers)


@router.post(
    "/webhook",
    summary="Record or end an incident from a monitoring tool (generic JSON)",
    responses=answers(WebhookAnswer, 404),
)
def incident_webhook(
    store: StoreDep, token: Deployer, project: str, body: IncidentWebhook
) -> JSONResponse:
    answer = receive_incident_webhook(store, actor_of(token), project, body.data(), utc_now())
    return JSONResponse(answer, status_code=201 if answer["result"] == "recorded" else 200)


@router.get("/{incident}", summary="One incident", responses=answers(IncidentView, 404))
def get_incident(
    store: StoreDep, token: LedgerReader, project: str, incident: RowId
) -> JSONResponse:
    return JSONResponse(incidents.get_incident(store, project, incident))


@router.post(
    "/{incident}/end",
    summary="End an incident (now, or at ended_at)",
    responses=answers(IncidentView, 404),
)
def end_incident(
    store: StoreDep, token: Deployer, project: str, incident: RowId, body: IncidentEnd
) -> JSONResponse:
    return JSONResponse(
        incidents.end_incident(store, actor_of(token), project, incident, body.data())
    )
