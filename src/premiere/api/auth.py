"""Who is calling, and may they: tokens in, :class:`TokenInfo` out, scopes as dependencies.

A token is sent as ``Authorization: Bearer <token>`` or ``X-API-Key: <token>``.
Scopes:

- ``admin``: everything.
- ``deploy``: reads projects, environments and services (of its project, if bound).
- ``sdk-server``: its environment's flag document.
- ``sdk-client``: its environment's client-visible flags only.

``sdk-*`` tokens are bound to one project and environment; a token bound to a project
gets 403 on every other project.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security import utils as security_utils
from starlette.concurrency import run_in_threadpool

from premiere.errors import AuthenticationError, PermissionDeniedError
from premiere.services import Actor
from premiere.services.people import tokens as token_service
from premiere.services.people.tokens import TokenInfo
from premiere.store import Store

ADMIN = "admin"
DEPLOY = "deploy"
SDK_SERVER = "sdk-server"
SDK_CLIENT = "sdk-client"

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="`Authorization: Bearer prm_<id>_<secret>`",
)
_api_key = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="apiKey",
    description="The same token in `X-API-Key`, for clients that cannot set Authorization.",
)


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]


async def authenticate(
    store: StoreDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> TokenInfo:
    """The caller's token, or 401. A token authenticated moments ago is answered from
    memory on the event loop; otherwise the database is read in a worker thread."""
    raw = bearer.credentials if bearer is not None else api_key
    if not raw:
        raise AuthenticationError(
            "a token is required: send Authorization: Bearer <token> or X-API-Key: <token>"
        )
    return await _token_info(store, raw.strip())


async def authenticate_raw(store: Store, raw: str) -> TokenInfo:
    """The token ``raw`` stands for, however it came (a feed token in a URL), or 401."""
    return await _token_info(store, raw)


async def _token_info(store: Store, raw: str) -> TokenInfo:
    info = token_service.authenticate_cached(store, raw)
    if info is None:
        info = await run_in_threadpool(token_service.authenticate, store, raw)
    return info


Caller = Annotated[TokenInfo, Depends(authenticate)]


def raw_token(request: Request) -> str | None:
    """The token of a request as :func:`authenticate` reads it (Bearer, else X-API-Key)."""
    headers = request.headers
    authorization = headers.get("authorization")
    if authorization:
        scheme, credentials = security_utils.get_authorization_scheme_param(authorization)
        if scheme.lower() == "bearer" and credentials:
            return credentials
    return headers.get("x-api-key")


async def authenticate_request(request: Request) -> TokenInfo:
    """:func:`authenticate` for hot paths without dependency injection: a token
    authenticated moments ago is answered from memory, on the event loop; otherwise
    the database is read in a worker thread."""
    raw = raw_token(request)
    if not raw:
        raise AuthenticationError(
            "a token is required: send Authorization: Bearer <token> or X-API-Key: <token>"
        )
    return await _token_info(request.app.state.store, raw.strip())


async def require_admin(token: Caller) -> TokenInfo:
    """Admin scope, or 403."""
    if token.scope != ADMIN:
        raise _denied(token, "this request needs an admin token")
    return token


async def require_reader(token: Caller) -> TokenInfo:
    """Admin or deploy scope (reads of projects, environments, services), or 403."""
    if token.scope not in {ADMIN, DEPLOY}:
        raise _denied(token, "this request needs an admin or deploy token")
    return token


async def require_sdk(token: Caller) -> TokenInfo:
    """An sdk-server, sdk-client or admin token, or 403."""
    if token.scope not in {ADMIN, SDK_SERVER, SDK_CLIENT}:
        raise _denied(token, "this request needs an sdk-server or sdk-client token")
    return token


Admin = Annotated[TokenInfo, Depends(require_admin)]
Reader = Annotated[TokenInfo, Depends(require_reader)]
SdkCaller = Annotated[TokenInfo, Depends(require_sdk)]


def require_project_access(token: TokenInfo, project: str) -> None:
    """403 unless the token may touch ``project`` (tokens bound to a project)."""
    if token.project is not None and token.project != project:
        raise _denied(token, f"this token is bound to project {token.project!r}")


async def require_project_admin(token: Admin, project: str) -> TokenInfo:
    """Admin scope on the ``{project}`` of the path, or 403."""
    require_project_access(token, project)
    return token


async def require_project_reader(token: Reader, project: str) -> TokenInfo:
    """Admin or deploy scope on the ``{project}`` of the path, or 403."""
    require_project_access(token, project)
    return token


ProjectAdmin = Annotated[TokenInfo, Depends(require_project_admin)]
ProjectReader = Annotated[TokenInfo, Depends(require_project_reader)]


def actor_of(token: TokenInfo) -> Actor:
    return Actor(kind="token", id=token.id, name=token.name)


def _denied(token: TokenInfo, message: str) -> PermissionDeniedError:
    return PermissionDeniedError(message, {"scope": token.scope})
