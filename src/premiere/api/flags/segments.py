"""Segments (reusable audiences): ``/api/v1/projects/{project}/segments``."""

from __future__ import annotations

from fastapi import APIRouter, Response
from starlette.responses import JSONResponse

from premiere.api.auth import FlagChanger, Reader, StoreDep, actor_of
from premiere.api.flags.models import SegmentCreate, SegmentReplace, SegmentView
from premiere.api.models import COMMON_ERRORS, CREATE_ERRORS, UPDATE_ERRORS, VersionOnly, answers
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services.flags import segments as service

router = APIRouter(
    prefix="/projects/{project}/segments", tags=["segments"], responses=COMMON_ERRORS
)


@router.get("", summary="List segments", responses=answers(list[SegmentView], 404))
def list_segments(store: StoreDep, token: Reader, project: str) -> JSONResponse:
    return JSONResponse(service.list_segments(store, project))


@router.post(
    "",
    status_code=201,
    summary="Create a segment",
    responses=answers(SegmentView, *CREATE_ERRORS, status=201),
)
def create_segment(
    store: StoreDep, token: FlagChanger, project: str, body: SegmentCreate
) -> JSONResponse:
    view = service.create_segment(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/segments/{view['key']}"
    return resource_response(view, 201, {"Location": location})


@router.get("/{segment}", summary="Get a segment", responses=answers(SegmentView, 404))
def get_segment(store: StoreDep, token: Reader, project: str, segment: str) -> JSONResponse:
    return resource_response(service.get_segment(store, project, segment))


@router.put(
    "/{segment}", summary="Replace a segment", responses=answers(SegmentView, *UPDATE_ERRORS)
)
def replace_segment(
    store: StoreDep,
    token: FlagChanger,
    project: str,
    segment: str,
    body: SegmentReplace,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_segment(store, actor_of(token), project, segment, body.data(), version)
    return resource_response(view)


@router.delete(
    "/{segment}",
    status_code=204,
    summary="Delete a segment (refused while a flag uses it)",
    response_class=Response,
    responses=answers(None, *UPDATE_ERRORS),
)
def delete_segment(
    store: StoreDep,
    token: FlagChanger,
    project: str,
    segment: str,
    body: VersionOnly | None = None,
    if_match: IfMatch = None,
) -> Response:
    version = expected_version(if_match, body.version if body else None)
    service.delete_segment(store, actor_of(token), project, segment, version)
    return Response(status_code=204)
