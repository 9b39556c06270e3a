"""Flags and their per-environment configuration: ``/api/v1/projects/{project}/flags``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import FlagChanger, FlagCreator, Reader, StoreDep, actor_of
from premiere.api.flags.models import (
    EvaluateRequest,
    EvaluationView,
    FlagConfigPatch,
    FlagConfigReplace,
    FlagConfigView,
    FlagCreate,
    FlagUpdate,
    FlagView,
)
from premiere.api.models import COMMON_ERRORS, CREATE_ERRORS, UPDATE_ERRORS, VersionOnly, answers
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services.flags import definitions as service
from premiere.services.sdk import documents

router = APIRouter(prefix="/projects/{project}", tags=["flags"], responses=COMMON_ERRORS)


@router.get("/flags", summary="List flags", responses=answers(list[FlagView], 404))
def list_flags(
    store: StoreDep,
    token: Reader,
    project: str,
    archived: Annotated[bool, Query(description="Include archived flags.")] = False,
    tag: Annotated[
        str | None, Query(max_length=128, description="Only flags with this tag.")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Text in the key, name or description.")
    ] = None,
) -> JSONResponse:
    items = service.list_flags(store, project, include_archived=archived, tag=tag, query=q)
    return JSONResponse(items)


@router.post(
    "/flags",
    status_code=201,
    summary="Create a flag (off in every environment)",
    responses=answers(FlagView, *CREATE_ERRORS, status=201),
)
def create_flag(
    store: StoreDep, token: FlagCreator, project: str, body: FlagCreate
) -> JSONResponse:
    view = service.create_flag(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/flags/{view['key']}"
    return resource_response(view, 201, {"Location": location})


@router.get(
    "/flags/{flag}",
    summary="Get a flag with its configuration in every environment",
    responses=answers(FlagView, 404),
)
def get_flag(store: StoreDep, token: Reader, project: str, flag: str) -> JSONResponse:
    return resource_response(service.get_flag(store, project, flag))


@router.patch(
    "/flags/{flag}",
    summary="Update a flag's name, description, kind, variations, tags, visibility",
    responses=answers(FlagView, *UPDATE_ERRORS),
)
def update_flag(
    store: StoreDep,
    token: FlagChanger,
    project: str,
    flag: str,
    body: FlagUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_flag(store, actor_of(token), project, flag, body.data(), version)
    return resource_response(view)


@router.post(
    "/flags/{flag}/archive",
    summary="Archive a flag",
    responses=answers(FlagView, *UPDATE_ERRORS),
)
def archive_flag(
    store: StoreDep,
    token: FlagChanger,
    project: str,
    flag: str,
    body: VersionOnly | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version if body else None)
    return resource_response(service.archive_flag(store, actor_of(token), project, flag, version))


@router.post(
    "/flags/{flag}/restore",
    summary="Restore an archived flag",
    responses=answers(FlagView, *UPDATE_ERRORS),
)
def restore_flag(
    store: StoreDep,
    token: FlagChanger,
    project: str,
    flag: str,
    body: VersionOnly | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version if body else None)
    return resource_response(service.restore_flag(store, actor_of(token), project, flag, version))


@router.get(
    "/flags/{flag}/environments/{environment}",
    summary="Get a flag's configuration",
    responses=answers(FlagConfigView, 404),
)
def get_flag_config(
    store: StoreDep, token: Reader, project: str, flag: str, environment: str
) -> JSONResponse:
    return resource_response(service.get_flag_config(store, project, flag, environment))


@router.put(
    "/flags/{flag}/environments/{environment}",
    summary="Replace a flag's configuration",
    responses=answers(FlagConfigView, *UPDATE_ERRORS),
)
def replace_flag_config(
    store: StoreDep,
    token: FlagChanger,
    project: str,
    flag: str,
    environment: str,
    body: FlagConfigReplace,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_flag_config(
        store, actor_of(token), project, flag, environment, body.data(), version, partial=False
    )
    return resource_response(view)


@router.patch(
    "/flags/{flag}/environments/{environment}",
    summary="Change some top-level fields of a flag's configuration",
    responses=answers(FlagConfigView, *UPDATE_ERRORS),
)
def patch_flag_config(
    store: StoreDep,
    token: FlagChanger,
    project: str,
    flag: str,
    environment: str,
    body: FlagConfigPatch,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_flag_config(
        store, actor_of(token), project, flag, environment, body.data(), version, partial=True
    )
    return resource_response(view)


@router.post(
    "/environments/{environment}/evaluate/{flag}",
    summary="Evaluate a flag for a context, as an SDK would",
    responses=answers(EvaluationView, 404),
)
def evaluate_flag(
    store: StoreDep,
    token: Reader,
    project: str,
    environment: str,
    flag: str,
    body: EvaluateRequest,
) -> JSONResponse:
    result = documents.evaluate_flag(store, project, environment, flag, body.data()["context"])
    return JSONResponse(result)
