"""Projects: ``/api/v1/projects``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse

from premiere.api.auth import (
    Anyone,
    LedgerReader,
    ProjectCreator,
    SettingsAdmin,
    StoreDep,
    actor_of,
    require_project_access,
)
from premiere.api.models import (
    COMMON_ERRORS,
    CREATE_ERRORS,
    UPDATE_ERRORS,
    ProjectCreate,
    ProjectUpdate,
    ProjectView,
    answers,
)
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services import projects as service
from premiere.services.people.permissions import projects_of

router = APIRouter(tags=["projects"], responses=COMMON_ERRORS)


@router.get("/projects", summary="List projects", responses=answers(list[ProjectView]))
def list_projects(store: StoreDep, token: Anyone) -> JSONResponse:
    """Every project the caller may read (a person: those they hold a role in)."""
    items = service.list_projects(store)
    visible = projects_of(token.caller)
    if visible is not None:
        items = [item for item in items if item["key"] in visible]
    return JSONResponse(items)


@router.post(
    "/projects",
    status_code=201,
    summary="Create a project",
    responses=answers(ProjectView, *CREATE_ERRORS, status=201),
)
def create_project(store: StoreDep, token: ProjectCreator, body: ProjectCreate) -> JSONResponse:
    require_project_access(token, body.key)
    view = service.create_project(store, actor_of(token), body.data())
    return resource_response(view, 201, {"Location": f"/api/v1/projects/{view['key']}"})


@router.get("/projects/{project}", summary="Get a project", responses=answers(ProjectView, 404))
def get_project(store: StoreDep, token: LedgerReader, project: str) -> JSONResponse:
    return resource_response(service.get_project(store, project))


@router.patch(
    "/projects/{project}",
    summary="Update a project",
    responses=answers(ProjectView, *UPDATE_ERRORS),
)
def update_project(
    store: StoreDep,
    token: SettingsAdmin,
    project: str,
    body: ProjectUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_project(store, actor_of(token), project, body.data(), version)
    return resource_response(view)
