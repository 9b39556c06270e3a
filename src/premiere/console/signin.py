"""Sign in with an admin token (exchanged for a session), and sign out."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import (
    COOKIE,
    Anyone,
    CsrfRejected,
    clear_session_cookie,
    console_state,
    read_form,
    safe_next,
    set_session_cookie,
    store_of,
)
from premiere.console.forms import FormErrors
from premiere.console.pages import page, secure
from premiere.services.people.sessions import end_session, resume_session, start_session

router = APIRouter(include_in_schema=False)
SIGN_IN_COOKIE = "premiere_sign_in"


@router.get("/sign-in")
async def sign_in_page(
    request: Request, next_url: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    target = safe_next(next_url)
    raw = request.cookies.get(COOKIE, "")
    if raw:  # signed in already: go on
        state = console_state(request)
        live = await run_in_threadpool(
            resume_session, store_of(request), raw, now=state.clock(), policy=state.policy
        )
        if live is not None:
            return secure(RedirectResponse(target, status_code=303))
    return _sign_in_form(request, target, FormErrors(), 200)


def _sign_in_form(request: Request, target: str, found: FormErrors, status: int) -> Response:
    """The sign-in form. It has no session yet, so its CSRF token is a random value
    both in a short-lived cookie and in the form (double submit): another site can
    make a browser send the cookie, but cannot read it to fill in the field."""
    token = secrets.token_urlsafe(32)
    context = {"next": target, "errors": found, "csrf": token}
    response = page(request, "sign_in.html", context, status=status)
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=3600,
        path="/sign-in",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request, None)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(form.get("csrf", "").encode(), expected.encode()):
        raise CsrfRejected()
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
        return _sign_in_form(request, target, found, 422)
    response = secure(RedirectResponse(target, status_code=303))
    max_age = int(state.policy.max_age.total_seconds())
    set_session_cookie(request, response, started.raw_id, max_age)
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, session: Anyone) -> Response:
    await read_form(request, session)
    state = console_state(request)
    raw = request.cookies.get(COOKIE, "")
    await run_in_threadpool(end_session, store_of(request), raw, now=state.clock())
    response = secure(RedirectResponse("/sign-in", status_code=303))
    clear_session_cookie(request, response)
    return response
