"""A webhook's page (``/projects/<project>/webhooks/<id>``): its settings, actions and
its deliveries' log, paged (``?cursor=``), with **Send test event** and **Redeliver**,
calling :mod:`premiere.services.communication.outbox` as the API does."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import Reader, SettingsAdmin, actor_of, store_of
from premiere.console.communication.views import build_webhook, row_id
from premiere.console.errors import not_found_page
from premiere.console.forms import FORM_ERRORS, map_error_to_form, submit_form
from premiere.console.pages import page
from premiere.services.communication import outbox

router = APIRouter(include_in_schema=False)
ONE = "/projects/{project}/webhooks/{webhook}"


@router.get(ONE)
async def webhook_page(
    request: Request, project: str, webhook: str, session: Reader, cursor: str | None = None
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    store = store_of(request)
    try:
        view = await run_in_threadpool(build_webhook, store, project, webhook_id, cursor)
    except FORM_ERRORS as exc:  # a cursor not from this log: its first page, and why
        view = await run_in_threadpool(build_webhook, store, project, webhook_id)
        return page(
            request, "webhooks/page.html", view | {"errors": map_error_to_form(exc)}, status=422
        )
    flags = {name: request.query_params.get(name) for name in ("saved", "sent", "redelivered")}
    return page(request, "webhooks/page.html", view | {"notice": flags})


@router.post(ONE + "/test")
async def send_test_event_form(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    store = store_of(request)
    view = await run_in_threadpool(build_webhook, store, project, webhook_id)

    def send(form: dict[str, str]) -> Any:
        return outbox.send_test_event(store, actor_of(session), project, webhook_id)

    return await submit_form(
        request,
        session,
        send,
        success=lambda sent: f"/projects/{project}/webhooks/{webhook_id}?sent={sent['id']}",
        template="webhooks/page.html",
        context=view,
    )


@router.post(ONE + "/deliveries/{delivery}/redeliver")
async def redeliver_form(
    request: Request, project: str, webhook: str, delivery: str, session: SettingsAdmin
) -> Response:
    webhook_id, delivery_id = row_id(webhook), row_id(delivery)
    if webhook_id is None or delivery_id is None:
        return not_found_page(request)
    store = store_of(request)
    view = await run_in_threadpool(build_webhook, store, project, webhook_id)

    def again(form: dict[str, str]) -> Any:
        return outbox.redeliver(store, project, delivery_id)

    return await submit_form(
        request,
        session,
        again,
        success=lambda d: f"/projects/{project}/webhooks/{webhook_id}?redelivered={d['id']}",
        template="webhooks/page.html",
        context=view,
    )
