"""Who is signed in: the session cookie, sign-in redirects and CSRF checks.

Every page declares the action it takes with one of the aliases below (:func:`permit`
over :data:`SignedIn`): a visitor without a live session is sent to
``/sign-in?next=<the page>`` (:class:`SignInRequired`, answered in :mod:`.errors`), a
caller the permission table refuses gets the 403 page, and the page's templates may ask
``can(action, environment=None)`` (:class:`Permits`) to show only the forms the caller
may use.
State-changing forms are read with :func:`read_form`, which answers 403 unless the
form's ``csrf`` field matches the session's token; nothing runs before that check.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
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
from premiere.services.people.oidc_config import OidcConfig
from premiere.services.people.sessions import SessionInfo, SessionPolicy, resume_session
from premiere.store import Store

COOKIE = "premiere_session"
MAX_FORM_BYTES = 256 * 1024


@dataclass
class ConsoleState:
    """What the console keeps on ``app.state.console``; ``clock`` is replaceable (tests).
    ``sso``: the single sign-on (None: not set up); ``public_url``: the server's address
    as browsers reach it (``PREMIERE_PUBLIC_URL``), where the provider sends them back."""

    templates: Environment
    assets: Assets
    policy: SessionPolicy
    clock: Callable[[], datetime]
    poll_seconds: float = 0.5
    sso: OidcConfig | None = None
    public_url: str = "http://127.0.0.1:8700"


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


@dataclass(frozen=True)
class Permits:
    """What the signed-in caller may do in the page's project: the permission table
    (``services/people/permissions.py``) with the roles the project's environments ask
    of flag changes, read once per request. Templates ask it as ``can(action,
    environment=None)``; a flag change without an environment reaches every
    environment (the strictest role of the project)."""

    caller: permissions.Caller
    project: str | None = None
    flag_roles: Mapping[str, str] = field(default_factory=dict)

    def needs(self, action: str, environment: str | None) -> str | None:
        """The role the environment asks of ``action`` (flag changes), or None."""
        if action != permissions.FLAGS_CHANGE or not self.flag_roles:
            return None
        if environment is None:
            return permissions.strictest(self.flag_roles.values())
        return self.flag_roles.get(environment)

    def __call__(self, action: str, environment: str | None = None) -> bool:
        needs = self.needs(action, environment)
        return permissions.allows(self.caller, action, self.project, needs=needs)

    def authorize(self, action: str, environment: str | None = None) -> None:
        """``PermissionDeniedError`` (the 403 page) unless the caller may."""
        needs = self.needs(action, environment)
        permissions.authorize(self.caller, action, self.project, needs=needs)

    def projects(self) -> frozenset[str] | None:
        """The projects the caller may read (None: all of them)."""
        return permissions.projects_of(self.caller)


def permits_of(store: Store, caller: permissions.Caller, project: str | None) -> Permits:
    roles = access.flag_roles(store, project) if project is not None else {}
    return Permits(caller, project, roles)


def permit(action: str, *, in_body: bool = False) -> Callable[..., Awaitable[SessionInfo]]:
    """A dependency: the signed-in session, if the permission table
    (``services/people/permissions.py``) lets its person or token take ``action`` in the
    page's ``{project}`` (of the path, else of the ``project`` query parameter) and, for
    flag changes, its ``{environment}`` (without one, every environment of the project);
    else ``PermissionDeniedError`` (the 403 page), before the route runs. The same rule
    as the API's (``api/auth.py``). ``in_body``: the environment is in the form, and the
    route checks it with :func:`authorize_flag_change`; here only the least role is.
    The request's :class:`Permits` are kept for the page (``can`` in templates); the
    route's action on the dependency (``action``), for the tests that check every route."""

    async def permitted(request: Request, session: SignedIn) -> SessionInfo:
        params = request.path_params
        project = params.get("project") or request.query_params.get("project") or None
        permits = await run_in_threadpool(permits_of, store_of(request), session.caller, project)
        request.state.console_permits = permits
        if in_body:
            permissions.authorize(session.caller, action, project)
        else:
            permits.authorize(action, params.get("environment"))
        return session

    permitted.action = action  # type: ignore[attr-defined]
    permitted.__name__ = f"permit_{action.replace('.', '_')}"
    return permitted


def permits_for(request: Request) -> Permits | None:
    """The :class:`Permits` of the request (None before a route's action was checked)."""
    permits: Permits | None = getattr(request.state, "console_permits", None)
    return permits


def authorize_flag_change(request: Request, environment: str | None) -> None:
    """For a route whose form names the environment (:data:`FlagScheduler`): may the
    caller change flags there? ``PermissionDeniedError`` (the 403 page) if not."""
    permits = permits_for(request)
    assert permits is not None, "a route of FlagScheduler checks its environment"
    permits.authorize(permissions.FLAGS_CHANGE, environment)


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


@dataclass(frozen=True)
class FormCookie:
    """The CSRF token of a form shown before there is a session (signing in, joining):
    a random value both in a short-lived cookie and in the form (double submit). Another
    site can make a browser send the cookie, but cannot read it to fill in the field."""

    name: str
    path: str

    def issue(self, request: Request, response: Response, token: str) -> None:
        """Set ``token`` (from :meth:`token`, also written into the form) as the cookie."""
        response.set_cookie(
            self.name,
            token,
            max_age=3600,
            path=self.path,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )

    @staticmethod
    def token() -> str:
        return secrets.token_urlsafe(32)

    def check(self, request: Request, form: Mapping[str, str]) -> None:
        """:class:`CsrfRejected` unless the form's ``csrf`` field is the cookie's value."""
        expected = request.cookies.get(self.name, "")
        if not expected or not hmac.compare_digest(
            form.get("csrf", "").encode(), expected.encode()
        ):
            raise CsrfRejected()

    def clear(self, response: Response) -> None:
        response.delete_cookie(self.name, path=self.path)


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
