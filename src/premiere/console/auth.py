"""Who is signed in: the session cookie, sign-in redirects and CSRF checks.

Pages depend on :data:`SignedIn`; a visitor without a live session is sent to
``/sign-in?next=<the page>`` (:class:`SignInRequired`, answered in :mod:`.errors`).
State-changing forms are read with :func:`read_form`, which answers 403 unless the
form's ``csrf`` field matches the session's token; nothing runs before that check.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from premiere.console.assets import Assets
from premiere.services import Actor
from premiere.services.people import access, permissions
from premiere.services.people.sessions import SessionInfo, SessionPolicy, resume_session
from premiere.store import Store

COOKIE = "premiere_session"
MAX_FORM_BYTES = 256 * 1024


@dataclass
class ConsoleState:
    """What the console keeps on ``app.state.console``; ``clock`` is replaceable (tests)."""

    templates: Environment
    assets: Assets
    policy: SessionPolicy
    clock: Callable[[], datetime]
    poll_seconds: float = 0.5


class SignInRequired(Exception):
    """No live session: answered with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class CsrfRejected(Exception):
    """A state-changing form without the session's CSRF token."""


def console_state(request: Request) -> ConsoleState:
    state: ConsoleState = request.app.state.console
    return state


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def signed_in(request: Request) -> SessionInfo:
    """The live session of the request, or :class:`SignInRequired`."""
    state = console_state(request)
    raw = request.cookies.get(COOKIE, "")
    info = None
    if raw:
        info = await run_in_threadpool(
            resume_session, store_of(request), raw, now=state.clock(), policy=state.policy
        )
    if info is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    request.state.console_session = info
    return info


SignedIn = Annotated[SessionInfo, Depends(signed_in)]


def permit(action: str, *, in_body: bool = False) -> Callable[..., Awaitable[SessionInfo]]:
    """A dependency: the signed-in session, if the permission table
    (``services/people/permissions.py``) lets its person or token take ``action`` in the
    page's ``{project}`` (and, for flag changes, its ``{environment}``; without one, every
    environment of the project); else ``PermissionDeniedError`` (the 403 page). The
    same rule as the API's (``api/auth.py``). ``in_body``: the environment is in the form,
    and the route checks it with ``access.authorize_flag_change``."""

    async def permitted(request: Request, session: SignedIn) -> SessionInfo:
        params = request.path_params
        project = params.get("project") or None
        if action == permissions.FLAGS_CHANGE and project is not None and not in_body:
            needs = await run_in_threadpool(
                access.flag_role, store_of(request), project, params.get("environment")
            )
            permissions.authorize(session.caller, action, project, needs=needs)
        else:
            permissions.authorize(session.caller, action, project)
        return session

    permitted.action = action  # type: ignore[attr-defined]
    permitted.__name__ = f"permit_{action.replace('.', '_')}"
    return permitted


Anyone = Annotated[SessionInfo, Depends(permit(permissions.ANYONE))]
Reader = Annotated[SessionInfo, Depends(permit(permissions.READ))]
LedgerReader = Annotated[SessionInfo, Depends(permit(permissions.LEDGER))]
Deployer = Annotated[SessionInfo, Depends(permit(permissions.DEPLOY))]
FlagCreator = Annotated[SessionInfo, Depends(permit(permissions.FLAGS_CREATE))]
FlagChanger = Annotated[SessionInfo, Depends(permit(permissions.FLAGS_CHANGE))]
FlagScheduler = Annotated[SessionInfo, Depends(permit(permissions.FLAGS_CHANGE, in_body=True))]
ReleaseManager = Annotated[SessionInfo, Depends(permit(permissions.RELEASES))]
Approver = Annotated[SessionInfo, Depends(permit(permissions.APPROVE))]
SettingsAdmin = Annotated[SessionInfo, Depends(permit(permissions.SETTINGS))]
TokenAdmin = Annotated[SessionInfo, Depends(permit(permissions.TOKENS))]
PeopleAdmin = Annotated[SessionInfo, Depends(permit(permissions.PEOPLE))]
ProjectCreator = Annotated[SessionInfo, Depends(permit(permissions.PROJECTS))]


async def read_form(request: Request, session: SessionInfo | None) -> dict[str, str]:
    """The fields of a url-encoded form (last value wins); :class:`CsrfRejected` unless
    its ``csrf`` field is the token of ``session`` (skipped when ``session`` is None:
    the sign-in form, which has no session yet)."""
    body = await request.body()
    fields = dict(parse_qsl(body[:MAX_FORM_BYTES].decode("utf-8", "replace"), True))
    if session is not None:
        sent = fields.pop("csrf", "")
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise CsrfRejected()
    return fields


def set_session_cookie(request: Request, response: Response, raw_id: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE,
        raw_id,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path of this site only (never ``//host`` or a URL)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def session_policy(idle_seconds: int, max_age_seconds: int) -> SessionPolicy:
    return SessionPolicy(timedelta(seconds=idle_seconds), timedelta(seconds=max_age_seconds))


def actor_of(session: SessionInfo) -> Actor:
    """Who a console change is recorded as in the audit log: the signed-in person, or
    the token the session was made from."""
    return session.actor
