"""Services (deployable units) of a project: ``/api/v1/projects/{project}/services``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from premiere.api.auth import LedgerReader, SettingsAdmin, StoreDep, actor_of
from premiere.api.models import (
    COMMON_ERRORS,
    CREATE_ERRORS,
    UPDATE_ERRORS,
    ServiceCreate,
    ServiceUpdate,
    ServiceView,
    answers,
)
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services import catalog

router = APIRouter(
    prefix="/projects/{project}/services", tags=["services"], responses=COMMON_ERRORS
)


@router.get("", summary="List services", responses=answers(list[ServiceView], 404))
def list_services(store: StoreDep, token: LedgerReader, project: str) -> JSONResponse:
    return JSONResponse(catalog.list_services(store, project))


@router.post(
    "",
    status_code=201,
    summary="Create a service",
    responses=answers(ServiceView, *CREATE_ERRORS, status=201),
)
def create_service(
    store: StoreDep, token: SettingsAdmin, project: str, body: ServiceCreate
) -> JSONResponse:
    view = catalog.create_service(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/services/{view['key']}"
    return resource_response(view, 201, {"Location": location})


@router.get("/{service}", summary="Get a service", responses=answers(ServiceView, 404))
def get_service(store: StoreDep, token: LedgerReader, project: str, service: str) -> JSONResponse:
    return resource_response(catalog.get_service(store, project, service))


@router.patch(
    "/{service}", summary="Update a service", responses=answers(ServiceView, *UPDATE_ERRORS)
)
def update_service(
    store: StoreDep,
    token: SettingsAdmin,
    project: str,
    service: str,
    body: ServiceUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = catalog.update_service(store, actor_of(token), project, service, body.data(), version)
    return resource_response(view)
