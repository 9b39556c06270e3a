"""Sign in with an email and password (or with an admin token, exchanged for a
session), and sign out.

Every sign-in starts a new session (a new id in the cookie: no session fixation) and
ends the one the browser held before, if any. Password sign-in is throttled per account
and per address (``services/people/throttle``): while blocked, the form answers 429,
even with the right password. Until anyone has a password, the page offers the admin
token only; afterwards it sits under "Sign in with an API token". ``sso_label`` is where
the single sign-on button goes (None: none is set up).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import (
    COOKIE,
    Anyone,
    FormCookie,
    clear_session_cookie,
    console_state,
    read_form,
    safe_next,
    set_session_cookie,
    store_of,
)
from premiere.console.forms import FormErrors
from premiere.console.pages import page, secure
from premiere.services.people.account import anyone_has_password
from premiere.services.people.sessions import (
    StartedSession,
    end_session,
    resume_session,
    start_session,
)
from premiere.services.people.signin import sign_in_with_password

router = APIRouter(include_in_schema=False)
SIGN_IN_FORM = FormCookie("premiere_sign_in", "/sign-in")


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
    return await _sign_in_form(request, target, FormErrors(), 200)


async def _sign_in_form(
    request: Request,
    target: str,
    found: FormErrors,
    status: int,
    form: dict[str, str] | None = None,
) -> Response:
    """:func:`sign_in_form`, with the password form only once anyone has a password."""
    passwords = await run_in_threadpool(anyone_has_password, store_of(request))
    return sign_in_form(request, target, found, status, form, passwords=passwords)


def sign_in_form(
    request: Request,
    target: str,
    found: FormErrors,
    status: int,
    form: dict[str, str] | None = None,
    *,
    passwords: bool = True,
) -> Response:
    """The sign-in form. It has no session yet: its CSRF token is a double submit
    (:class:`FormCookie`). ``passwords``: whether to offer the email and password form
    (else the token's)."""
    token = SIGN_IN_FORM.token()
    sso = console_state(request).sso
    context = {
        "next": target,
        "errors": found,
        "csrf": token,
        "form": form or {},
        "passwords": passwords,
        "token_open": not passwords or "token" in (form or {}),
        "sso_label": sso.label if sso is not None else None,
    }
    response = page(request, "sign_in.html", context, status=status)
    SIGN_IN_FORM.issue(request, response, token)
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    form = await read_form(request, None)
    SIGN_IN_FORM.check(request, form)
    target = safe_next(form.get("next"))
    if "token" not in form:
        return await _sign_in_with_password(request, form, target)
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
        return await _sign_in_form(request, target, found, 422, {"token": ""})
    return await signed_in_response(request, started, target)


async def _sign_in_with_password(request: Request, form: dict[str, str], target: str) -> Response:
    state = console_state(request)
    address = request.client.host if request.client else None
    try:
        started = await run_in_threadpool(
            sign_in_with_password, store_of(request), form.get("email", ""),
            form.get("password", ""), address=address, now=state.clock(),
        )  # fmt: skip
    except (errors.AuthenticationError, errors.RateLimitedError) as exc:
        found = FormErrors()
        found.summary.append(("email", exc.code, _sentence(exc.message)))
        found.fields["email"] = [_sentence(exc.message)]
        status = 429 if isinstance(exc, errors.RateLimitedError) else 401
        kept = {"email": form.get("email", "")[:300]}
        answer = await _sign_in_form(request, target, found, status, kept)
        if isinstance(exc, errors.RateLimitedError):
            answer.headers["Retry-After"] = str(exc.retry_after_seconds)
        return answer
    return await signed_in_response(request, started, target)


async def signed_in_response(request: Request, started: StartedSession, target: str) -> Response:
    """Go on to ``target`` with the new session's cookie; the session the browser held
    before (if any) ends."""
    state = console_state(request)
    previous = request.cookies.get(COOKIE, "")
    if previous:
        await run_in_threadpool(end_session, store_of(request), previous, now=state.clock())
    response = secure(RedirectResponse(target, status_code=303))
    max_age = int(state.policy.max_age.total_seconds())
    set_session_cookie(request, response, started.raw_id, max_age)
    SIGN_IN_FORM.clear(response)
    return response


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


@router.post("/sign-out")
async def sign_out(request: Request, session: Anyone) -> Response:
    await read_form(request, session)
    state = console_state(request)
    raw = request.cookies.get(COOKIE, "")
    await run_in_threadpool(end_session, store_of(request), raw, now=state.clock())
    response = secure(RedirectResponse("/sign-in", status_code=303))
    clear_session_cookie(request, response)
    return response
