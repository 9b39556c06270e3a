"""A project's outgoing webhooks (``/projects/<project>/webhooks``): the list, create
(the ``whsec_`` secret shown once), edit, enable and disable, rotate the secret and
delete (after a confirmation page), calling :mod:`premiere.services.communication.webhooks`
as the API does. Creating and rotating answer with the page that shows the secret
(200, ``no-store``), as creating an API token does: it is never shown again."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import Reader, SettingsAdmin, SignedIn, actor_of, read_form, store_of
from premiere.console.communication.views import (
    addresses_of,
    build_form,
    build_list,
    build_webhook,
    row_id,
    version_of,
    webhook_data,
)
from premiere.console.errors import not_found_page
from premiere.console.forms import FORM_ERRORS, map_error_to_form, submit_form
from premiere.console.pages import page, secure
from premiere.services.communication import webhooks

router = APIRouter(include_in_schema=False)
HOOKS = "/projects/{project}/webhooks"
ONE = HOOKS + "/{webhook}"


@router.get(HOOKS)
async def webhook_list(request: Request, project: str, session: Reader) -> Response:
    view = await run_in_threadpool(build_list, store_of(request), project)
    return page(request, "webhooks/list.html", view)


@router.get(HOOKS + "/new")
async def new_webhook_page(request: Request, project: str, session: SettingsAdmin) -> Response:
    view = await run_in_threadpool(build_form, store_of(request), project, None)
    return page(request, "webhooks/form.html", view)


@router.post(HOOKS + "/new")
async def create_webhook_form(request: Request, project: str, session: SettingsAdmin) -> Response:
    form = await read_form(request, session)
    store, addresses = store_of(request), addresses_of(request)
    view = await run_in_threadpool(build_form, store, project, None)
    try:
        created = await run_in_threadpool(
            webhooks.create_webhook, store, actor_of(session), project, webhook_data(form),
            addresses,
        )  # fmt: skip
    except FORM_ERRORS as exc:
        context = view | {"form": form, "errors": map_error_to_form(exc)}
        return page(request, "webhooks/form.html", context, status=422)
    return await _secret_page(request, project, created, "created")


@router.get(ONE + "/edit")
async def edit_webhook_page(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    view = await run_in_threadpool(build_form, store_of(request), project, webhook_id)
    return page(request, "webhooks/form.html", view)


@router.post(ONE + "/edit")
async def edit_webhook_form(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    store, addresses = store_of(request), addresses_of(request)
    view = await run_in_threadpool(build_form, store, project, webhook_id)

    def save(form: dict[str, str]) -> Any:
        return webhooks.update_webhook(
            store, actor_of(session), project, webhook_id, webhook_data(form),
            version_of(form), addresses,
        )  # fmt: skip

    return await submit_form(
        request,
        session,
        save,
        success=lambda _: f"/projects/{project}/webhooks/{webhook_id}?saved=1",
        template="webhooks/form.html",
        context=view,
    )


@router.post(ONE + "/enable")
async def enable_webhook_form(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    return await _switch(request, project, webhook, session, enabled=True)


@router.post(ONE + "/disable")
async def disable_webhook_form(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    """Disabling cancels the webhook's pending deliveries (shown in its log)."""
    return await _switch(request, project, webhook, session, enabled=False)


async def _switch(
    request: Request, project: str, webhook: str, session: SignedIn, *, enabled: bool
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    store = store_of(request)
    view = await run_in_threadpool(build_webhook, store, project, webhook_id)

    def run(form: dict[str, str]) -> Any:
        data = {"enabled": enabled}
        return webhooks.update_webhook(
            store, actor_of(session), project, webhook_id, data, version_of(form)
        )

    return await submit_form(
        request,
        session,
        run,
        success=lambda _: f"/projects/{project}/webhooks/{webhook_id}",
        template="webhooks/page.html",
        context=view,
    )


@router.post(ONE + "/rotate-secret")
async def rotate_secret_form(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    await read_form(request, session)
    rotated = await run_in_threadpool(
        webhooks.rotate_webhook_secret, store_of(request), actor_of(session), project, webhook_id
    )
    return await _secret_page(request, project, rotated, "rotated")


@router.get(ONE + "/delete")
async def delete_webhook_page(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    view = await run_in_threadpool(build_form, store_of(request), project, webhook_id)
    return page(request, "webhooks/delete.html", view)


@router.post(ONE + "/delete")
async def delete_webhook_form(
    request: Request, project: str, webhook: str, session: SettingsAdmin
) -> Response:
    webhook_id = row_id(webhook)
    if webhook_id is None:
        return not_found_page(request)
    await read_form(request, session)
    await run_in_threadpool(
        webhooks.delete_webhook, store_of(request), actor_of(session), project, webhook_id
    )
    target = f"/projects/{project}/webhooks?deleted={webhook_id}"
    return secure(RedirectResponse(target, status_code=303))


async def _secret_page(
    request: Request, project: str, webhook: dict[str, Any], done: str
) -> Response:
    """The webhook's page with its new secret, shown this once (never stored in a page
    that a later request could show)."""
    view = await run_in_threadpool(build_webhook, store_of(request), project, webhook["id"])
    context = view | {"secret": webhook["secret"], "done": done}
    return page(request, "webhooks/page.html", context)
