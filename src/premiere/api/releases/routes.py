"""Releases over HTTP: ``/api/v1/projects/{project}/releases`` (admin tokens).

Every action (schedule, start, advance, pause, resume, roll back) is based on the
release's version: ``If-Match`` or ``"version"`` in the body, like an edit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Query
from starlette.responses import JSONResponse

from premiere.api.auth import Approver, Reader, ReleaseManager, StoreDep, actor_of
from premiere.api.models import COMMON_ERRORS, CREATE_ERRORS, UPDATE_ERRORS, answers
from premiere.api.releases.models import (
    ApprovalCreate,
    ReleaseAction,
    ReleaseCreate,
    ReleaseNote,
    ReleaseSchedule,
    ReleaseUpdate,
)
from premiere.api.releases.views import (
    ApprovalView,
    GuardDecisionView,
    ReadinessView,
    ReleaseView,
    TransitionView,
)
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.releases import records as service
from premiere.store import Store

router = APIRouter(
    prefix="/projects/{project}/releases", tags=["releases"], responses=COMMON_ERRORS
)
Filter = Annotated[str | None, Query(max_length=128)]


@router.get("", summary="List releases, newest first", responses=answers(list[ReleaseView], 404))
def list_releases(
    store: StoreDep,
    token: Reader,
    project: str,
    state: Filter = None,
    environment: Filter = None,
) -> JSONResponse:
    return JSONResponse(service.list_releases(store, project, state=state, environment=environment))


@router.post(
    "",
    status_code=201,
    summary="Create a release (draft)",
    responses=answers(ReleaseView, *CREATE_ERRORS, status=201),
)
def create_release(
    store: StoreDep, token: ReleaseManager, project: str, body: ReleaseCreate
) -> JSONResponse:
    view = service.create_release(store, actor_of(token), project, body.data())
    location = f"/api/v1/projects/{project}/releases/{view['key']}"
    return resource_response(view, 201, {"Location": location})


@router.get("/{release}", summary="Get a release", responses=answers(ReleaseView, 404))
def get_release(store: StoreDep, token: Reader, project: str, release: str) -> JSONResponse:
    return resource_response(service.get_release(store, project, release))


@router.patch(
    "/{release}",
    summary="Edit a release not yet started (voids approvals when what they approved changes)",
    responses=answers(ReleaseView, *UPDATE_ERRORS),
)
def update_release(
    store: StoreDep,
    token: ReleaseManager,
    project: str,
    release: str,
    body: ReleaseUpdate,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match, body.version)
    view = service.update_release(store, actor_of(token), project, release, body.data(), version)
    return resource_response(view)


@router.get(
    "/{release}/readiness",
    summary="What is missing before the release may start",
    responses=answers(ReadinessView, 404),
)
def get_readiness(store: StoreDep, token: Reader, project: str, release: str) -> JSONResponse:
    return JSONResponse(service.get_release_readiness(store, project, release))


class _ActionBody(Protocol):
    version: int | None

    def data(self) -> dict[str, Any]: ...


ReleaseActionService = Callable[
    [Store, Actor, str, str, Mapping[str, Any], int | None], Mapping[str, Any]
]

# (path, route name, body model, service, summary): each a POST based on the version.
_ACTIONS: tuple[tuple[str, str, type[_ActionBody], ReleaseActionService, str], ...] = (
    (
        "schedule",
        "schedule_release",
        ReleaseSchedule,
        service.schedule_release,
        "Schedule a draft release (starts when ready, at its start time)",
    ),
    (
        "start",
        "start_release",
        ReleaseAction,
        service.start_release,
        "Start the rollout now (409 with what is missing when not ready)",
    ),
    (
        "advance",
        "advance_release",
        ReleaseAction,
        service.advance_release,
        "Apply the next stage (after the last: released)",
    ),
    (
        "pause",
        "pause_release",
        ReleaseNote,
        service.pause_release,
        "Stop advancing; exposure stays as it is",
    ),
    ("resume", "resume_release", ReleaseNote, service.resume_release, "Resume a paused rollout"),
    (
        "rollback",
        "roll_back_release",  # the route name: OpenAPI operationId, kept
        ReleaseNote,
        service.rollback_release,
        "Roll back: restore every flag's pre-release configuration",
    ),
)


def _add_action_route(
    path: str, name: str, model: type[_ActionBody], act: ReleaseActionService, summary: str
) -> None:
    def endpoint(
        store: StoreDep,
        token: ReleaseManager,
        project: str,
        release: str,
        body: _ActionBody | None = None,
        if_match: IfMatch = None,
    ) -> JSONResponse:
        version = expected_version(if_match, body.version if body else None)
        data = body.data() if body else {}
        return resource_response(act(store, actor_of(token), project, release, data, version))

    # The body's model is known only here; FastAPI reads it from the annotation.
    endpoint.__annotations__["body"] = model | None
    endpoint.__name__ = endpoint.__qualname__ = name
    router.post(
        f"/{{release}}/{path}", summary=summary, responses=answers(ReleaseView, *UPDATE_ERRORS)
    )(endpoint)


for _action in _ACTIONS:
    _add_action_route(*_action)


@router.get(
    "/{release}/approvals",
    summary="List a release's approvals",
    responses=answers(list[ApprovalView], 404),
)
def list_approvals(store: StoreDep, token: Reader, project: str, release: str) -> JSONResponse:
    return JSONResponse(service.list_release_approvals(store, project, release))


@router.post(
    "/{release}/approvals",
    status_code=201,
    summary="Approve a release (not one's own)",
    responses=answers(ApprovalView, *CREATE_ERRORS, status=201),
)
def approve_release(
    store: StoreDep,
    token: Approver,
    project: str,
    release: str,
    body: ApprovalCreate | None = None,
) -> JSONResponse:
    data = body.data() if body else {}
    view = service.approve_release(store, actor_of(token), project, release, data)
    return JSONResponse(view, status_code=201)


@router.get(
    "/{release}/history",
    summary="A release's transitions, oldest first, with who and why",
    responses=answers(list[TransitionView], 404),
)
def history(store: StoreDep, token: Reader, project: str, release: str) -> JSONResponse:
    service.get_release(store, project, release)
    page = list_audit_events(
        store, project=project, resource_type="release", resource_key=release, limit=500
    )
    items = [
        (event.get("after") or {}).get("last_transition")
        for event in reversed(page["items"])
        if event["action"] not in ("release.created", "release.updated", "release.approved")
    ]
    return JSONResponse([item for item in items if item])


@router.get(
    "/{release}/guard-decisions",
    summary="Guard verdicts recorded for a release, oldest first",
    responses=answers(list[GuardDecisionView], 404),
)
def guard_decisions(store: StoreDep, token: Reader, project: str, release: str) -> JSONResponse:
    return JSONResponse(service.list_guard_decisions(store, project, release))
