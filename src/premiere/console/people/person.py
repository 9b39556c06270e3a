"""A person's page (``/people/<id>``, for people admins): their roles per project
(added, changed and removed one project at a time), their name, their tokens, and
removing them (their sessions end and their tokens are revoked at once). Taking the
last admin's role on every project, or removing them, is refused on the page
(``last_admin``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import PeopleAdmin, actor_of, read_form, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import page, secure
from premiere.console.people.views import build_person, grant_errors, roles_after
from premiere.services.people import accounts
from premiere.services.people.sessions import SessionInfo

router = APIRouter(include_in_schema=False)
ONE = "/people/{person}"


@router.get(ONE)
async def person_page(request: Request, person: str, session: PeopleAdmin) -> Response:
    view = await run_in_threadpool(build_person, store_of(request), person[:64])
    return page(request, "people/person.html", view)


@router.post(ONE + "/roles")
async def set_role_form(request: Request, person: str, session: PeopleAdmin) -> Response:
    return await _change_roles(request, person[:64], session, remove=False)


@router.post(ONE + "/roles/remove")
async def remove_role_form(request: Request, person: str, session: PeopleAdmin) -> Response:
    return await _change_roles(request, person[:64], session, remove=True)


@router.post(ONE + "/name")
async def rename_form(request: Request, person: str, session: PeopleAdmin) -> Response:
    form = await read_form(request, session)
    store = store_of(request)

    def rename() -> Any:
        data = {"name": form.get("name", "")}
        return accounts.rename_person(store, actor_of(session), person[:64], data)

    return await _apply(request, person[:64], form, rename, map_error_to_form)


@router.post(ONE + "/remove")
async def remove_form(request: Request, person: str, session: PeopleAdmin) -> Response:
    await read_form(request, session)
    store = store_of(request)

    def remove() -> Any:
        return accounts.remove_person(store, actor_of(session), person[:64])

    removed_self = session.caller.person == person  # their session ended with them
    done = "/sign-in" if removed_self else "/people"
    return await _apply(request, person[:64], {}, remove, map_error_to_form, done=done)


async def _change_roles(
    request: Request, person_id: str, session: SessionInfo, *, remove: bool
) -> Response:
    form = await read_form(request, session)
    store = store_of(request)

    def change() -> Any:
        current = accounts.get_person(store, person_id)["roles"]
        roles = roles_after(current, form, remove=remove)
        return accounts.set_roles(store, actor_of(session), person_id, roles)

    return await _apply(request, person_id, form, change, grant_errors)


async def _apply(
    request: Request,
    person_id: str,
    form: dict[str, str],
    change: Callable[[], Any],
    to_form: Callable[[Any], FormErrors],
    *,
    done: str | None = None,
) -> Response:
    """Run ``change``; on to ``done`` (by default back to the person's page), or the
    page again with the errors (the last admin kept, ``last_admin``, among them)."""
    try:
        await run_in_threadpool(change)
    except FORM_ERRORS as exc:
        view = await run_in_threadpool(build_person, store_of(request), person_id)
        context = view | {"form": view["form"] | form, "errors": to_form(exc)}
        return page(request, "people/person.html", context, status=422)
    return secure(RedirectResponse(done or f"/people/{person_id}", status_code=303))
