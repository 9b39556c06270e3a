"""Who is calling, and may they: tokens in, :class:`TokenInfo` out, the permission
table (``services/people/permissions.py``) as dependencies.

A token is sent as ``Authorization: Bearer <token>`` or ``X-API-Key: <token>``.
Every admin route declares one action with :func:`permit` (the aliases below); the
caller's scope or role must allow it in the ``{project}`` of the path (or of the
``project`` query parameter), else 403 ``forbidden`` naming the role it needs. SDK
routes take ``sdk-server`` and ``sdk-client`` tokens (:data:`SdkCaller`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security import utils as security_utils
from starlette.concurrency import run_in_threadpool

from premiere.errors import AuthenticationError, PermissionDeniedError
from premiere.services import Actor
from premiere.services.people import access, permissions
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


async def require_sdk(token: Caller) -> TokenInfo:
    """An sdk-server, sdk-client or admin token, or 403."""
    if token.scope not in {ADMIN, SDK_SERVER, SDK_CLIENT}:
        raise _denied(token, "this request needs an sdk-server or sdk-client token")
    return token


SdkCaller = Annotated[TokenInfo, Depends(require_sdk)]


def permit(action: str, *, in_body: bool = False) -> Callable[..., Awaitable[TokenInfo]]:
    """A dependency: the caller, if the permission table lets them take ``action`` in the
    request's project (and, for flag changes, its ``{environment}``: without one, every
    environment of the project); else ``PermissionDeniedError``. ``in_body``: the
    environment is in the body, and the route checks it (:func:`check_flag_change`);
    here only the least role is. The route's action is kept on the dependency
    (``action``), for the tests that check every route."""

    async def permitted(request: Request, token: Caller) -> TokenInfo:
        params = request.path_params
        project = params.get("project") or request.query_params.get("project") or None
        if action == permissions.FLAGS_CHANGE and project is not None and not in_body:
            store = request.app.state.store
            needs = await run_in_threadpool(
                access.flag_role, store, project, params.get("environment")
            )
            permissions.authorize(token.caller, action, project, needs=needs)
        else:
            permissions.authorize(token.caller, action, project)
        return token

    permitted.action = action  # type: ignore[attr-defined]
    permitted.__name__ = f"permit_{action.replace('.', '_')}"
    return permitted


Anyone = Annotated[TokenInfo, Depends(permit(permissions.ANYONE))]
LedgerReader = Annotated[TokenInfo, Depends(permit(permissions.LEDGER))]
Reader = Annotated[TokenInfo, Depends(permit(permissions.READ))]
Deployer = Annotated[TokenInfo, Depends(permit(permissions.DEPLOY))]
FlagCreator = Annotated[TokenInfo, Depends(permit(permissions.FLAGS_CREATE))]
FlagChanger = Annotated[TokenInfo, Depends(permit(permissions.FLAGS_CHANGE))]
FlagScheduler = Annotated[TokenInfo, Depends(permit(permissions.FLAGS_CHANGE, in_body=True))]
ReleaseManager = Annotated[TokenInfo, Depends(permit(permissions.RELEASES))]
Approver = Annotated[TokenInfo, Depends(permit(permissions.APPROVE))]
SettingsAdmin = Annotated[TokenInfo, Depends(permit(permissions.SETTINGS))]
TokenAdmin = Annotated[TokenInfo, Depends(permit(permissions.TOKENS))]
PeopleAdmin = Annotated[TokenInfo, Depends(permit(permissions.PEOPLE))]
ProjectCreator = Annotated[TokenInfo, Depends(permit(permissions.PROJECTS))]


def check_flag_change(store: Store, token: TokenInfo, project: str, environment: Any) -> None:
    """For a route whose body names the environment: may ``token`` change flags there?"""
    where = environment if isinstance(environment, str) else None
    access.authorize_flag_change(store, token.caller, project, where)


def require_project_access(token: TokenInfo, project: str) -> None:
    """403 unless the token may touch ``project`` (tokens bound to a project)."""
    if token.project is not None and token.project != project:
        raise _denied(token, f"this token is bound to project {token.project!r}")


def actor_of(token: TokenInfo) -> Actor:
    """Who the audit log names: the token's person or service account, else the token."""
    return token.caller.actor


def _denied(token: TokenInfo, message: str) -> PermissionDeniedError:
    return PermissionDeniedError(message, {"scope": token.scope})
