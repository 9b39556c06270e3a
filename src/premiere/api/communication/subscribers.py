"""``/api/v1/projects/{project}/subscribers``: who gets emails about a project's events
(admin tokens), and ``/api/v1/unsubscribe/{token}``: the one-click unsubscribe link
of every email, which needs no token (the link's token is the proof)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import JSONResponse, Response

from premiere.api.auth import SettingsAdmin, StoreDep, actor_of
from premiere.api.communication.webhook_models import (
    EmailSubscriberView,
    SubscriberCreate,
    UnsubscribedView,
)
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.params import RowId
from premiere.services.communication import subscribers

router = APIRouter(responses=COMMON_ERRORS)
TAGS: list[str | Enum] = ["webhooks"]
Token = Annotated[str, Path(max_length=64)]


@router.get(
    "/projects/{project}/subscribers", tags=TAGS, summary="List a project's email subscribers",
    responses=answers(list[EmailSubscriberView], 404),
)  # fmt: skip
def list_subscribers(store: StoreDep, token: SettingsAdmin, project: str) -> JSONResponse:
    return JSONResponse(subscribers.list_subscribers(store, project))


@router.post(
    "/projects/{project}/subscribers", status_code=201, tags=TAGS,
    summary="Subscribe an email address to categories of events",
    responses=answers(EmailSubscriberView, 404, status=201),
)  # fmt: skip
def subscribe(
    store: StoreDep, token: SettingsAdmin, project: str, body: SubscriberCreate
) -> JSONResponse:
    view = subscribers.subscribe(store, actor_of(token), project, body.data())
    return JSONResponse(view, status_code=201)


@router.delete(
    "/projects/{project}/subscribers/{subscriber_id}", status_code=204, tags=TAGS,
    summary="Remove an email subscriber", responses=answers(None, 404),
)  # fmt: skip
def remove_subscriber(
    store: StoreDep, token: SettingsAdmin, project: str, subscriber_id: RowId
) -> Response:
    subscribers.remove_subscriber(store, actor_of(token), project, subscriber_id)
    return Response(status_code=204)


@router.get(
    "/unsubscribe/{link}", tags=TAGS, summary="Unsubscribe (the link of an email)",
    responses=answers(UnsubscribedView, 404),
)  # fmt: skip
def unsubscribe_link(store: StoreDep, link: Token) -> JSONResponse:
    return JSONResponse(subscribers.unsubscribe(store, link))


@router.post(
    "/unsubscribe/{link}", tags=TAGS, summary="Unsubscribe in one click (RFC 8058)",
    responses=answers(UnsubscribedView, 404),
)  # fmt: skip
def unsubscribe_one_click(store: StoreDep, link: Token) -> JSONResponse:
    return JSONResponse(subscribers.unsubscribe(store, link))
