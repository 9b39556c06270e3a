"""People (``/people``, for people admins): everyone with their roles, inviting
someone (the one-time link shown once, as a new token's secret is), and the open
invitations, which can be revoked."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import PeopleAdmin, actor_of, console_state, read_form, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import page, secure
from premiere.console.people.views import build_people, invitation_data
from premiere.services.people import invitations

router = APIRouter(include_in_schema=False)
PEOPLE = "/people"


@router.get(PEOPLE)
async def people_page(request: Request, session: PeopleAdmin) -> Response:
    now = console_state(request).clock()
    view = await run_in_threadpool(build_people, store_of(request), now=now)
    return page(request, "people/list.html", view)


@router.post(PEOPLE + "/invite")
async def invite_form(request: Request, session: PeopleAdmin) -> Response:
    form = await read_form(request, session)
    store, now = store_of(request), console_state(request).clock()
    try:
        created = await run_in_threadpool(
            invitations.invite_person, store, actor_of(session), invitation_data(form), now=now
        )
    except FORM_ERRORS as exc:
        view = await run_in_threadpool(build_people, store, now=now)
        found = map_error_to_form(exc)
        if isinstance(exc, errors.AlreadyExistsError):  # someone has that email already
            found = FormErrors()
            found.fields["email"] = ["Someone here has this email already"]
            found.summary.append(("email", exc.code, "Someone here has this email already"))
        elif isinstance(exc, errors.NotFoundError):  # the project
            found = FormErrors()
            found.fields["project"] = [exc.message]
            found.summary.append(("project", exc.code, exc.message))
        context = view | {"form": form, "errors": found}
        return page(request, "people/list.html", context, status=422)
    view = await run_in_threadpool(build_people, store, now=now)
    link = str(request.base_url).rstrip("/") + created["link"]
    return page(request, "people/list.html", view | {"created": created, "link": link})


@router.post(PEOPLE + "/invitations/{invitation}/revoke")
async def revoke_invitation_form(
    request: Request, invitation: str, session: PeopleAdmin
) -> Response:
    await read_form(request, session)
    store, now = store_of(request), console_state(request).clock()
    await run_in_threadpool(
        invitations.revoke_invitation, store, actor_of(session), invitation[:64], now=now
    )
    return secure(RedirectResponse(PEOPLE, status_code=303))
