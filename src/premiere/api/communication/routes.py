"""Release notes over HTTP (admin tokens): a release's note entries under
``/api/v1/projects/{project}/releases/{release}/notes``, and the project's notes
across releases under ``/api/v1/projects/{project}/notes`` (for changelogs and feeds).

An edit is based on the note's version (``If-Match`` or ``"version"`` in the body);
publish, unpublish and delete check it when it is given.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse, Response

from premiere.api.auth import Reader, ReleaseManager, StoreDep, actor_of
from premiere.api.communication.models import NoteCreate, NotePage, NoteUpdate, NoteView
from premiere.api.models import COMMON_ERRORS, CREATE_ERRORS, UPDATE_ERRORS, VersionOnly, answers
from premiere.api.params import RowId, query_fields
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services.communication import entries as service
from premiere.services.communication.listing import LIMIT_MAX, list_project_notes

router = APIRouter(prefix="/projects/{project}", tags=["notes"], responses=COMMON_ERRORS)
Filter = Annotated[str | None, Query(max_length=128)]
NOTES = "/releases/{release}/notes"


@router.get(
    "/notes",
    summary="List notes across the project's releases, newest first (paged)",
    responses=answers(NotePage, 404),
)
def list_notes(
    store: StoreDep,
    token: Reader,
    project: str,
    state: Filter = None,
    category: Filter = None,
    release: Filter = None,
    public: Annotated[bool, Query(description="Published notes, without internal notes.")] = False,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> JSONResponse:
    with query_fields():
        page = list_project_notes(
            store,
            project,
            state=state,
            category=category,
            release=release,
            limit=limit,
            cursor=cursor,
            public=public,
        )
    return JSONResponse(page)


@router.get(
    NOTES, summary="List a release's notes, in order", responses=answers(list[NoteView], 404)
)
def list_release_notes(store: StoreDep, token: Reader, project: str, release: str) -> JSONResponse:
    return JSONResponse(service.list_release_notes(store, project, release))


@router.post(
    NOTES,
    status_code=201,
    summary="Add a note to a release (its state follows the release's exposure)",
    responses=answers(NoteView, *CREATE_ERRORS, status=201),
)
def create_note(
    store: StoreDep, token: ReleaseManager, project: str, release: str, body: NoteCreate
) -> JSONResponse:
    view = service.create_note(store, actor_of(token), project, release, body.data())
    location = f"/api/v1/projects/{project}/releases/{release}/notes/{view['id']}"
    return resource_response(view, 201, {"Location": location})


@router.get(NOTES + "/{note}", summary="Get a note", responses=answers(NoteView, 404))
def get_note(
    store: StoreDep, token: Reader, project: str, release: str, note: RowId
) -> JSONResponse:
    return resource_response(service.get_note(store, project, release, note))


@router.patch(NOTES + "/{note}", summary="Edit a note", responses=answers(NoteView, *UPDATE_ERRORS))
def update_note(
    store: StoreDep,
    token: ReleaseManager,
    project: str,
    release: str,
    note: RowId,
    body: NoteUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_note(store, actor_of(token), project, release, note, body.data(), version)
    return resource_response(view)


@router.delete(
    NOTES + "/{note}",
    status_code=204,
    summary="Delete a note",
    response_class=Response,
    responses=answers(None, *UPDATE_ERRORS),
)
def delete_note(
    store: StoreDep,
    token: ReleaseManager,
    project: str,
    release: str,
    note: RowId,
    body: VersionOnly | None = None,
    if_match: IfMatch = None,
) -> Response:
    version = expected_version(if_match, body.version if body else None)
    service.delete_note(store, actor_of(token), project, release, note, version)
    return Response(status_code=204)


@router.post(
    NOTES + "/{note}/publish",
    summary="Publish a note now, whatever the release's exposure",
    responses=answers(NoteView, *UPDATE_ERRORS),
)
def publish_note(
    store: StoreDep,
    token: ReleaseManager,
    project: str,
    release: str,
    note: RowId,
    body: VersionOnly | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version if body else None)
    view = service.publish_note(store, actor_of(token), project, release, note, version)
    return resource_response(view)


@router.post(
    NOTES + "/{note}/unpublish",
    summary="Withdraw a note from anything public",
    responses=answers(NoteView, *UPDATE_ERRORS),
)
def unpublish_note(
    store: StoreDep,
    token: ReleaseManager,
    project: str,
    release: str,
    note: RowId,
    body: VersionOnly | None = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version if body else None)
    view = service.unpublish_note(store, actor_of(token), project, release, note, version)
    return resource_response(view)
