"""Sign in with an admin token (exchanged for a session), and sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import (
    COOKIE,
    SignedIn,
    clear_session_cookie,
    console_state,
    read_form,
    safe_next,
    set_session_cookie,
    store_of,
)
from premiere.console.forms import FormErrors
from premiere.console.pages import page, secure
from premiere.services.people.sessions import end_session, start_session

router = APIRouter(include_in_schema=False)


@router.get("/sign-in")
async def sign_in_page(
    request: Request, next_url: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    return page(request, "sign_in.html", {"next": safe_next(next_url), "errors": FormErrors()})


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request, None)
    target = safe_next(form.get("next"))
    token = form.get("token", "").strip()
    state = console_state(request)
    found = FormErrors()
    if not token:
        found.fields["token"] = ["Enter an admin token"]
        found.summary.append(("token", "required", "Enter an admin token"))
    else:
        try:
            started = await run_in_threadpool(
                start_session, store_of(request), token, now=state.clock()
            )
        except (errors.AuthenticationError, errors.PermissionDeniedError) as exc:
            message = f"That token does not sign in: {exc.message}"
            found.fields["token"] = [message]
            found.summary.append(("token", exc.code, message))
    if found:
        return page(request, "sign_in.html", {"next": target, "errors": found}, status=422)
    response = secure(RedirectResponse(target, status_code=303))
    max_age = int(state.policy.max_age.total_seconds())
    set_session_cookie(request, response, started.raw_id, max_age)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: SignedIn) -> Response:
    await read_form(request, session)
    state = console_state(request)
    raw = request.cookies.get(COOKIE, "")
    await run_in_threadpool(end_session, store_of(request), raw, now=state.clock())
    response = secure(RedirectResponse("/sign-in", status_code=303))
    clear_session_cookie(request, response)
    return response
