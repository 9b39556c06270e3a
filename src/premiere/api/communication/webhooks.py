"""``/api/v1/projects/{project}/webhooks``: outgoing webhooks, their test event, their
deliveries' log and redelivery. Writes are admin only (a webhook's secret is shown
on creation and rotation); reading is open to the project's readers."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from premiere.api.auth import Reader, SettingsAdmin, StoreDep, actor_of
from premiere.api.communication.webhook_models import (
    OutboxDeliveryPage,
    OutboxDeliveryView,
    OutgoingWebhookCreated,
    OutgoingWebhookView,
    WebhookCreate,
    WebhookUpdate,
)
from premiere.api.models import COMMON_ERRORS, answers
from premiere.api.params import RowId
from premiere.api.versions import IfMatch, expected_version, resource_response
from premiere.services.communication import outbox, webhooks
from premiere.services.deployments.network import AddressPolicy
from premiere.settings import Settings

router = APIRouter(prefix="/projects/{project}", responses=COMMON_ERRORS)
ONE = "/webhooks/{webhook_id}"
TAGS: list[str | Enum] = ["webhooks"]


def _addresses(request: Request) -> AddressPolicy:
    """Where the app's webhooks may be sent (``PREMIERE_WEBHOOK_ALLOWED_ADDRESSES``)."""
    settings: Settings = getattr(request.app.state, "settings", None) or Settings()
    return webhooks.webhook_addresses(settings)


Addresses = Annotated[AddressPolicy, Depends(_addresses)]


@router.get(
    "/webhooks", tags=TAGS, summary="List a project's outgoing webhooks",
    responses=answers(list[OutgoingWebhookView], 404),
)  # fmt: skip
def list_webhooks(store: StoreDep, token: Reader, project: str) -> JSONResponse:
    return JSONResponse(webhooks.list_webhooks(store, project))


@router.post(
    "/webhooks", status_code=201, tags=TAGS, summary="Create an outgoing webhook",
    responses=answers(OutgoingWebhookCreated, 404, status=201),
)  # fmt: skip
def create_webhook(
    store: StoreDep, token: SettingsAdmin, project: str, body: WebhookCreate, addresses: Addresses
) -> JSONResponse:
    view = webhooks.create_webhook(store, actor_of(token), project, body.data(), addresses)
    location = f"/api/v1/projects/{project}/webhooks/{view['id']}"
    return resource_response(view, 201, {"Location": location})


@router.get(
    ONE, tags=TAGS, summary="Get an outgoing webhook", responses=answers(OutgoingWebhookView, 404)
)
def get_webhook(store: StoreDep, token: Reader, project: str, webhook_id: RowId) -> Response:
    return resource_response(webhooks.get_webhook(store, project, webhook_id))


@router.patch(
    ONE, tags=TAGS, summary="Change an outgoing webhook (the fields sent)",
    responses=answers(OutgoingWebhookView, 404, 409),
)  # fmt: skip
def update_webhook(
    store: StoreDep,
    token: SettingsAdmin,
    project: str,
    webhook_id: RowId,
    body: WebhookUpdate,
    addresses: Addresses,
    if_match: IfMatch = None,
) -> Response:
    expected = expected_version(if_match, body.version)
    view = webhooks.update_webhook(
        store, actor_of(token), project, webhook_id, body.data(), expected, addresses
    )
    return resource_response(view)


@router.delete(
    ONE, status_code=204, tags=TAGS, summary="Delete an outgoing webhook and its deliveries",
    responses=answers(None, 404),
)  # fmt: skip
def delete_webhook(
    store: StoreDep, token: SettingsAdmin, project: str, webhook_id: RowId
) -> Response:
    webhooks.delete_webhook(store, actor_of(token), project, webhook_id)
    return Response(status_code=204)


@router.post(
    ONE + "/rotate-secret", tags=TAGS, summary="Rotate a webhook's signing secret",
    responses=answers(OutgoingWebhookCreated, 404),
)  # fmt: skip
def rotate_secret(
    store: StoreDep, token: SettingsAdmin, project: str, webhook_id: RowId
) -> Response:
    view = webhooks.rotate_webhook_secret(store, actor_of(token), project, webhook_id)
    return resource_response(view)


@router.post(
    ONE + "/test", status_code=202, tags=TAGS, summary="Send a ping event to a webhook",
    responses=answers(OutboxDeliveryView, 404, status=202),
)  # fmt: skip
def test_webhook(
    store: StoreDep, token: SettingsAdmin, project: str, webhook_id: RowId
) -> JSONResponse:
    view = outbox.send_test_event(store, actor_of(token), project, webhook_id)
    return JSONResponse(view, status_code=202)


@router.get(
    ONE + "/deliveries", tags=TAGS, summary="A webhook's deliveries and their attempts",
    responses=answers(OutboxDeliveryPage, 404),
)  # fmt: skip
def list_deliveries(
    store: StoreDep,
    token: Reader,
    project: str,
    webhook_id: RowId,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=30, description="`next_cursor` of the previous page.")
    ] = None,
) -> JSONResponse:
    page = outbox.list_deliveries(store, project, webhook_id, limit=limit, cursor=cursor)
    return JSONResponse(page)


@router.get(
    "/deliveries/{delivery_id}", tags=TAGS, summary="A delivery and its attempts",
    responses=answers(OutboxDeliveryView, 404),
)  # fmt: skip
def get_delivery(store: StoreDep, token: Reader, project: str, delivery_id: RowId) -> JSONResponse:
    return JSONResponse(outbox.get_delivery(store, project, delivery_id))


@router.post(
    "/deliveries/{delivery_id}/redeliver", status_code=202, tags=TAGS,
    summary="Attempt a delivered, failed or cancelled delivery once more",
    responses=answers(OutboxDeliveryView, 404, 409, status=202),
)  # fmt: skip
def redeliver(
    store: StoreDep, token: SettingsAdmin, project: str, delivery_id: RowId
) -> JSONResponse:
    return JSONResponse(outbox.redeliver(store, project, delivery_id), status_code=202)
