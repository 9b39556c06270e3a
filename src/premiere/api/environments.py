"""Environments of a project, ordered by position: ``/api/v1/projects/{project}/environments``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from premiere.api.auth import LedgerReader, SettingsAdmin, StoreDep, actor_of
from premiere.api.models import (
    COMMON_ERRORS,
    CREATE_ERRORS,
    UPDATE_ERRORS,
    EnvironmentCreate,
    EnvironmentUpdate,
    EnvironmentView,
    answers,
)
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services import environments as service

router = APIRouter(
    prefix="/projects/{project}/environments", tags=["environments"], responses=COMMON_ERRORS
)


@router.get(
    "", summary="List environments, in order", responses=answers(list[EnvironmentView], 404)
)
def list_environments(store: StoreDep, token: LedgerReader, project: str) -> JSONResponse:
    return JSONResponse(service.list_environments(store, project))


@router.post(
    "",
    status_code=201,
    summary="Create an environment (appended last)",
    responses=answers(EnvironmentView, *CREATE_ERRORS, status=201),
)
def create_environment(
    store: StoreDep, token: SettingsAdmin, project: str, body: EnvironmentCreate
) -> JSONResponse:
    view = service.create_environment(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/environments/{view['key']}"
    return resource_response(view, 201, {"Location": location})


@router.get("/{environment}", summary="Get an environment", responses=answers(EnvironmentView, 404))
def get_environment(
    store: StoreDep, token: LedgerReader, project: str, environment: str
) -> JSONResponse:
    return resource_response(service.get_environment(store, project, environment))


@router.patch(
    "/{environment}",
    summary="Update an environment (position reorders)",
    responses=answers(EnvironmentView, *UPDATE_ERRORS),
)
def update_environment(
    store: StoreDep,
    token: SettingsAdmin,
    project: str,
    environment: str,
    body: EnvironmentUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_environment(
        store, actor_of(token), project, environment, body.data(), version
    )
    return resource_response(view)
