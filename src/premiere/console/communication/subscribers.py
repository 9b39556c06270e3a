"""A project's email subscribers (``/projects/<project>/subscribers``): the list, add
one with their categories, remove one (after a confirmation), calling
:mod:`premiere.services.communication.subscribers` as the API does."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import SettingsAdmin, actor_of, read_form, store_of
from premiere.console.communication.views import build_subscribers, row_id, subscriber_data
from premiere.console.errors import not_found_page
from premiere.console.forms import submit_form
from premiere.console.pages import page, secure
from premiere.services.communication import subscribers

router = APIRouter(include_in_schema=False)
PAGE = "/projects/{project}/subscribers"


@router.get(PAGE)
async def subscribers_page(request: Request, project: str, session: SettingsAdmin) -> Response:
    view = await run_in_threadpool(build_subscribers, store_of(request), project)
    return page(request, "webhooks/subscribers.html", view)


@router.post(PAGE)
async def add_subscriber_form(request: Request, project: str, session: SettingsAdmin) -> Response:
    store = store_of(request)
    view = await run_in_threadpool(build_subscribers, store, project)
    return await submit_form(
        request,
        session,
        lambda form: subscribers.subscribe(
            store, actor_of(session), project, subscriber_data(form)
        ),
        success=lambda _: f"/projects/{project}/subscribers",
        template="webhooks/subscribers.html",
        context=view,
    )


@router.post(PAGE + "/{subscriber}/remove")
async def remove_subscriber_form(
    request: Request, project: str, subscriber: str, session: SettingsAdmin
) -> Response:
    subscriber_id = row_id(subscriber)
    if subscriber_id is None:
        return not_found_page(request)
    await read_form(request, session)
    await run_in_threadpool(
        subscribers.remove_subscriber, store_of(request), actor_of(session), project, subscriber_id
    )
    return secure(RedirectResponse(f"/projects/{project}/subscribers", status_code=303))
