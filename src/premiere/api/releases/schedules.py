"""Release trains, scheduled flag changes and freeze windows over HTTP (admin tokens):
``/api/v1/projects/{project}/release-trains``, ``.../scheduled-changes``,
``.../freeze-windows``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse, Response

from premiere.api.auth import (
    FlagChanger,
    FlagScheduler,
    Reader,
    ReleaseManager,
    StoreDep,
    actor_of,
    check_flag_change,
)
from premiere.api.models import COMMON_ERRORS, CREATE_ERRORS, UPDATE_ERRORS, answers
from premiere.api.params import RowId
from premiere.api.releases.models import (
    FreezeWindowCreate,
    ScheduledChangeCreate,
    TrainCreate,
    TrainUpdate,
)
from premiere.api.releases.views import (
    DeparturesView,
    FreezeWindowView,
    ScheduledChangeView,
    TrainView,
)
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services.flags import scheduled_changes
from premiere.services.releases import schedules

router = APIRouter(prefix="/projects/{project}", tags=["releases"], responses=COMMON_ERRORS)
Filter = Annotated[str | None, Query(max_length=128)]


@router.get(
    "/release-trains", summary="List release trains", responses=answers(list[TrainView], 404)
)
def list_trains(store: StoreDep, token: Reader, project: str) -> JSONResponse:
    return JSONResponse(schedules.list_release_trains(store, project))


@router.post(
    "/release-trains",
    status_code=201,
    summary="Create a release train (a recurring cadence of departures)",
    responses=answers(TrainView, *CREATE_ERRORS, status=201),
)
def create_train(
    store: StoreDep, token: ReleaseManager, project: str, body: TrainCreate
) -> JSONResponse:
    view = schedules.create_release_train(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/release-trains/{view['key']}"
    return resource_response(view, 201, {"Location": location})


@router.get(
    "/release-trains/{train}", summary="Get a release train", responses=answers(TrainView, 404)
)
def get_train(store: StoreDep, token: Reader, project: str, train: str) -> JSONResponse:
    return resource_response(schedules.get_release_train(store, project, train))


@router.patch(
    "/release-trains/{train}",
    summary="Edit a release train",
    responses=answers(TrainView, *UPDATE_ERRORS),
)
def update_train(
    store: StoreDep,
    token: ReleaseManager,
    project: str,
    train: str,
    body: TrainUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    data = body.data()
    view = schedules.update_release_train(store, actor_of(token), project, train, data, version)
    return resource_response(view)


@router.get(
    "/release-trains/{train}/departures",
    summary="A train's next departures (UTC), in its time zone's wall-clock time",
    responses=answers(DeparturesView, 404),
)
def departures(
    store: StoreDep,
    token: Reader,
    project: str,
    train: str,
    count: Annotated[int, Query(ge=1, le=schedules.MAX_DEPARTURES)] = 5,
) -> JSONResponse:
    return JSONResponse(schedules.list_departures(store, project, train, count=count))


@router.get(
    "/scheduled-changes",
    summary="List scheduled flag changes",
    responses=answers(list[ScheduledChangeView], 404),
)
def list_changes(
    store: StoreDep,
    token: Reader,
    project: str,
    status: Filter = None,
    flag: Filter = None,
    environment: Filter = None,
) -> JSONResponse:
    items = scheduled_changes.list_scheduled_changes(
        store, project, status=status, flag=flag, environment=environment
    )
    return JSONResponse(items)


@router.post(
    "/scheduled-changes",
    status_code=201,
    summary="Schedule a change of a flag's configuration",
    responses=answers(ScheduledChangeView, *CREATE_ERRORS, status=201),
)
def create_change(
    store: StoreDep, token: FlagScheduler, project: str, body: ScheduledChangeCreate
) -> JSONResponse:
    check_flag_change(store, token, project, body.data().get("environment"))
    view = scheduled_changes.create_scheduled_change(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/scheduled-changes/{view['id']}"
    return JSONResponse(view, status_code=201, headers={"Location": location})


@router.get(
    "/scheduled-changes/{change_id}",
    summary="Get a scheduled flag change",
    responses=answers(ScheduledChangeView, 404),
)
def get_change(store: StoreDep, token: Reader, project: str, change_id: RowId) -> JSONResponse:
    return JSONResponse(scheduled_changes.get_scheduled_change(store, project, change_id))


@router.delete(
    "/scheduled-changes/{change_id}",
    summary="Cancel a pending scheduled flag change",
    responses=answers(ScheduledChangeView, 404, 409),
)
def cancel_change(
    store: StoreDep, token: FlagChanger, project: str, change_id: RowId
) -> JSONResponse:
    view = scheduled_changes.cancel_scheduled_change(store, actor_of(token), project, change_id)
    return JSONResponse(view)


@router.get(
    "/freeze-windows", summary="List freeze windows", responses=answers(list[FreezeWindowView], 404)
)
def list_freezes(
    store: StoreDep, token: Reader, project: str, environment: Filter = None
) -> JSONResponse:
    return JSONResponse(schedules.list_freeze_windows(store, project, environment=environment))


@router.post(
    "/freeze-windows",
    status_code=201,
    summary="Create a freeze window (no release starts or advances in it)",
    responses=answers(FreezeWindowView, *CREATE_ERRORS, status=201),
)
def create_freeze(
    store: StoreDep, token: ReleaseManager, project: str, body: FreezeWindowCreate
) -> JSONResponse:
    view = schedules.create_freeze_window(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/freeze-windows/{view['id']}"
    return JSONResponse(view, status_code=201, headers={"Location": location})


@router.delete(
    "/freeze-windows/{window_id}",
    status_code=204,
    summary="Delete a freeze window",
    responses=answers(None, 404),
)
def delete_freeze(
    store: StoreDep, token: ReleaseManager, project: str, window_id: RowId
) -> Response:
    schedules.delete_freeze_window(store, actor_of(token), project, window_id)
    return Response(status_code=204)
