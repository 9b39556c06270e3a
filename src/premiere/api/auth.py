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

from premiere.errors import AuthenticationError, PermissionDeniedError
from premiere.services import Actor
from premiere.services import tokens as token_service
from premiere.services.tokens import TokenInfo
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


def authenticate(
    store: StoreDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)],
    api_key: Annotated[str | None, Security(_api_key)],
) -> TokenInfo:
    """The caller's token, or 401."""
    raw = bearer.credentials if bearer is not None else api_key
    if not raw:
        raise AuthenticationError(
            "a token is required: send Authorization: Bearer <token> or X-API-Key: <token>"
        )
    return token_service.authenticate(store, raw.strip())


Caller = Annotated[TokenInfo, Depends(authenticate)]


def require_admin(token: Caller) -> TokenInfo:
    """Admin scope, or 403."""
    if token.scope != ADMIN:
        raise _denied(token, "this request needs an admin token")
    return token


def require_reader(token: Caller) -> TokenInfo:
    """Admin or deploy scope (reads of projects, environments, services), or 403."""
    if token.scope not in {ADMIN, DEPLOY}:
        raise _denied(token, "this request needs an admin or deploy token")
    return token


def require_sdk(token: Caller) -> TokenInfo:
    """An sdk-server, sdk-client or admin token, or 403."""
    if token.scope not in {ADMIN, SDK_SERVER, SDK_CLIENT}:
        raise _denied(token, "this request needs an sdk-server or sdk-client token")
    return token


Admin = Annotated[TokenInfo, Depends(require_admin)]
Reader = Annotated[TokenInfo, Depends(require_reader)]
SdkCaller = Annotated[TokenInfo, Depends(require_sdk)]


def check_project(token: TokenInfo, project: str) -> None:
    """403 unless the token may touch ``project`` (tokens bound to a project)."""
    if token.project is not None and token.project != project:
        raise _denied(token, f"this token is bound to project {token.project!r}")


def require_project_admin(token: Admin, project: str) -> TokenInfo:
    """Admin scope on the ``{project}`` of the path, or 403."""
    check_project(token, project)
    return token


def require_project_reader(token: Reader, project: str) -> TokenInfo:
    """Admin or deploy scope on the ``{project}`` of the path, or 403."""
    check_project(token, project)
    return token


ProjectAdmin = Annotated[TokenInfo, Depends(require_project_admin)]
ProjectReader = Annotated[TokenInfo, Depends(require_project_reader)]


def actor_of(token: TokenInfo) -> Actor:
    return Actor(kind="token", id=token.id, name=token.name)


def _denied(token: TokenInfo, message: str) -> PermissionDeniedError:
    return PermissionDeniedError(message, {"scope": token.scope})
