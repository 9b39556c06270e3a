"""Joining (``/join/<link>``): the page of an invitation's one-time link, where the
invited person chooses their name and password (the policy shown) and is signed in.

The page has no session yet, so its CSRF token is a double submit, as the sign-in
page's is. An unknown, used or revoked link answers 404; an expired one 409."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.auth import FormCookie, console_state, read_form, store_of
from premiere.console.forms import FORM_ERRORS, FormErrors, map_error_to_form
from premiere.console.pages import page
from premiere.console.signin import signed_in_response
from premiere.errors import ValidationError, Violation
from premiere.services.people import invitations, passwords

router = APIRouter(include_in_schema=False)
JOIN_FORM = FormCookie("premiere_join", "/join")
POLICY = (
    f"At least {passwords.MIN_LENGTH} characters (a few words make a good one), not one "
    "character repeated, not your email address and not one of the most common passwords."
)


@router.get("/join/{link}")
async def join_page(request: Request, link: str) -> Response:
    now = console_state(request).clock()
    invitation = await run_in_threadpool(
        invitations.find_invitation, store_of(request), link[:200], now=now
    )
    return _join_form(request, link, invitation, {"name": invitation["name"]}, FormErrors(), 200)


@router.post("/join/{link}")
async def join(request: Request, link: str) -> Response:
    form = await read_form(request, None)
    JOIN_FORM.check(request, form)
    store, now = store_of(request), console_state(request).clock()
    invitation = await run_in_threadpool(invitations.find_invitation, store, link[:200], now=now)
    data = {"name": form.get("name", ""), "password": form.get("password", "")}
    try:
        if data["password"] != form.get("password_again", ""):
            message = "must be the password again"
            raise ValidationError([Violation("password_again", "mismatch", message)])
        started = await run_in_threadpool(
            invitations.accept_invitation, store, link[:200], data, now=now
        )
    except FORM_ERRORS as exc:
        kept = {"name": data["name"]}
        return _join_form(request, link, invitation, kept, map_error_to_form(exc), 422)
    response = await signed_in_response(request, started, "/")
    JOIN_FORM.clear(response)
    return response


def _join_form(
    request: Request,
    link: str,
    invitation: invitations.InvitationView,
    form: dict[str, str],
    found: FormErrors,
    status: int,
) -> Response:
    token = JOIN_FORM.token()
    context = {
        "link": link,
        "invitation": invitation,
        "form": form,
        "errors": found,
        "csrf": token,
        "policy": POLICY,
    }
    response = page(request, "people/join.html", context, status=status)
    JOIN_FORM.issue(request, response, token)
    return response
