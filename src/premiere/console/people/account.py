"""My account (``/account``, anyone signed in as a person): my name, my password (the
change ends every other session; this browser gets a new one; while wrong current
passwords have the account throttled, the form answers 429 with the wait beside the
current password), and my personal tokens: created with an optional role cap and
expiry (the secret shown once), revoked.

A session made from an admin token has no account: the page says so."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere.console.auth import Anyone, actor_of, console_state, read_form, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import page, secure
from premiere.console.people.views import build_account, token_data
from premiere.console.signin import signed_in_response
from premiere.errors import (
    NotFoundError,
    PremiereError,
    RateLimitedError,
    ValidationError,
    Violation,
)
from premiere.services.people import account, accounts
from premiere.services.people.sessions import SessionInfo

router = APIRouter(include_in_schema=False)
ACCOUNT = "/account"
TEMPLATE = "people/account.html"


@router.get(ACCOUNT)
async def account_page(request: Request, session: Anyone) -> Response:
    view = await run_in_threadpool(build_account, store_of(request), session.caller.person)
    done = request.query_params.get("done", "")[:20]
    return page(request, TEMPLATE, view | {"done": done})


@router.post(ACCOUNT + "/name")
async def rename_form(request: Request, session: Anyone) -> Response:
    form = await read_form(request, session)
    person = _person(session)
    store = store_of(request)
    data = {"name": form.get("name", "")}
    try:
        await run_in_threadpool(accounts.rename_person, store, actor_of(session), person, data)
    except FORM_ERRORS as exc:
        return await _again(request, person, form, exc)
    return secure(RedirectResponse(ACCOUNT + "?done=renamed", status_code=303))


@router.post(ACCOUNT + "/password")
async def password_form(request: Request, session: Anyone) -> Response:
    form = await read_form(request, session)
    person = _person(session)
    store, now = store_of(request), console_state(request).clock()
    if form.get("new_password", "") != form.get("new_password_again", ""):
        found = map_error_to_form(_mismatch())
        view = await run_in_threadpool(build_account, store, person)
        return page(request, TEMPLATE, view | {"errors": found}, status=422)
    try:
        started = await run_in_threadpool(
            account.change_password, store, person, form.get("current_password", ""),
            form.get("new_password", ""), now=now,
        )  # fmt: skip
    except FORM_ERRORS as exc:
        return await _again(request, person, {}, exc)
    except RateLimitedError as exc:
        return await _throttled(request, person, exc)
    return await signed_in_response(request, started, ACCOUNT + "?done=password")


@router.post(ACCOUNT + "/tokens")
async def create_token_form(request: Request, session: Anyone) -> Response:
    form = await read_form(request, session)
    person = _person(session)
    store = store_of(request)
    data = token_data(form, personal=True)
    try:
        created = await run_in_threadpool(
            account.create_owned_token, store, actor_of(session), person, data
        )
    except FORM_ERRORS as exc:
        return await _again(request, person, form, exc, {"name": "token_name"})
    view = await run_in_threadpool(build_account, store, person)
    return page(request, TEMPLATE, view | {"created": created})


@router.post(ACCOUNT + "/tokens/{token_id}/revoke")
async def revoke_token_form(request: Request, token_id: str, session: Anyone) -> Response:
    await read_form(request, session)
    person = _person(session)
    await run_in_threadpool(
        account.revoke_owned_token, store_of(request), actor_of(session), person, token_id[:64]
    )
    return secure(RedirectResponse(ACCOUNT + "?done=revoked", status_code=303))


def _person(session: SessionInfo) -> str:
    """The signed-in person's id; a token's session has no account (404)."""
    if session.caller.person is None:
        raise NotFoundError("account", "", "this session was made from a token: it has no account")
    return session.caller.person


def _mismatch() -> ValidationError:
    message = "must be the new password again"
    return ValidationError([Violation("new_password_again", "mismatch", message)])


async def _throttled(request: Request, person: str, exc: RateLimitedError) -> Response:
    """The password form again, the throttle's message at the current password (429)."""
    message = exc.message[:1].upper() + exc.message[1:]
    found = FormErrors(fields={"current_password": [message]})
    found.summary.append(("current_password", exc.code, message))
    view = await run_in_threadpool(build_account, store_of(request), person)
    answer = page(request, TEMPLATE, view | {"errors": found}, status=429)
    answer.headers["Retry-After"] = str(exc.retry_after_seconds)
    return answer


async def _again(
    request: Request,
    person: str,
    form: dict[str, str],
    exc: PremiereError,
    field_names: dict[str, str] | None = None,
) -> Response:
    view = await run_in_threadpool(build_account, store_of(request), person)
    found = map_error_to_form(exc, field_names)
    context = view | {"form": view["form"] | form, "errors": found}
    return page(request, TEMPLATE, context, status=422)
