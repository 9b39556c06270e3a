"""The caller's own account (``/api/v1/me``), and the two routes that need no token:
``POST /api/v1/login`` (a password for a personal token, for the CLI) and
``POST /api/v1/invitations/accept`` (joining from the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse

from premiere.api.auth import Anyone, StoreDep
from premiere.api.models import COMMON_ERRORS, TokenCreated, TokenView, answers
from premiere.api.people.models import (
    InvitationAccept,
    LogIn,
    MeView,
    PasswordChange,
    PasswordChanged,
    PersonalTokenCreate,
)
from premiere.services.people import invitations, own_account, signin
from premiere.store.types import utc_now

router = APIRouter(tags=["people"], responses=COMMON_ERRORS)
public = APIRouter(tags=["people"])
"""Routes without a token: they answer for themselves (throttled, or a one-time link)."""


def now(request: Request) -> datetime:
    """The time: the app's ``state.clock`` if tests set one, else the wall clock."""
    clock: Callable[[], datetime] = getattr(request.app.state, "clock", utc_now)
    return clock()


Now = Annotated[datetime, Depends(now)]


def address_of(request: Request) -> str | None:
    return request.client.host if request.client is not None else None


def created(view: Any, location: str) -> JSONResponse:
    """201 with a view holding a secret shown once: never cached."""
    headers = {"Location": location, "Cache-Control": "no-store"}
    return JSONResponse(view, status_code=201, headers=headers)


@router.get("/me", summary="Who am I: the person or token, roles, scope", responses=answers(MeView))
def get_me(store: StoreDep, token: Anyone) -> JSONResponse:
    return JSONResponse(own_account.describe_caller(store, token))


@router.get("/me/tokens", summary="List my personal tokens", responses=answers(list[TokenView]))
def list_my_tokens(store: StoreDep, token: Anyone) -> JSONResponse:
    return JSONResponse(own_account.list_personal_tokens(store, token))


@router.post(
    "/me/tokens",
    status_code=201,
    summary="Create a personal token; the response holds it once",
    responses=answers(TokenCreated, status=201),
)
def create_my_token(store: StoreDep, token: Anyone, body: PersonalTokenCreate) -> JSONResponse:
    view = own_account.create_personal_token(store, token, body.data())
    return created(view, f"/api/v1/me/tokens/{view['id']}")


@router.delete(
    "/me/tokens/{token_id}",
    summary="Revoke one of my personal tokens",
    responses=answers(TokenView, 404),
)
def revoke_my_token(store: StoreDep, token: Anyone, token_id: str) -> JSONResponse:
    return JSONResponse(own_account.revoke_personal_token(store, token, token_id))


@router.post(
    "/me/password",
    summary="Change my password (ends my sessions and my other personal tokens)",
    responses=answers(PasswordChanged, 429),
)
def change_my_password(
    store: StoreDep, token: Anyone, body: PasswordChange, request: Request, at: Now
) -> JSONResponse:
    view = own_account.change_password(
        store, token, body.data(), address=address_of(request), now=at
    )
    return JSONResponse(view)


@public.post(
    "/login",
    status_code=201,
    summary="Sign in with email and password for a personal token (no token needed)",
    responses=answers(TokenCreated, 400, 401, 413, 422, 429, status=201),
)
def log_in(store: StoreDep, body: LogIn, request: Request, at: Now) -> JSONResponse:
    data = body.data()
    view = signin.log_in(
        store, data["email"], data["password"], address=address_of(request), now=at,
        name=data.get("name") or "premiere login",
    )  # fmt: skip
    return created(view, f"/api/v1/me/tokens/{view['id']}")


@public.post(
    "/invitations/accept",
    status_code=201,
    summary="Join by an invitation link: name and password in, a personal token out",
    responses=answers(TokenCreated, 400, 404, 409, 413, 422, status=201),
)
def accept_invitation(store: StoreDep, body: InvitationAccept, at: Now) -> JSONResponse:
    data = body.data()
    link = data.pop("link")
    view = invitations.join_with_token(store, link, data, now=at, token_name="premiere login")
    return created(view, f"/api/v1/me/tokens/{view['id']}")
