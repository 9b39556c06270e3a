"""Single sign-on: ``GET /sign-in/sso`` sends the browser to the OpenID provider,
``GET /sign-in/sso/callback`` signs the person in when it comes back.

What the callback needs (state, nonce, PKCE code verifier, the page to go to next) is a
cookie of the browser, sent to the callback's path only, for 10 minutes: no server
table. A refused sign-in shows the sign-in page with the reason (4xx; 502 when the
provider fails), nobody signed in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import console_state, safe_next, set_session_cookie, store_of
from premiere.console.errors import STATUS_BY_CODE
from premiere.console.forms import FormErrors
from premiere.console.pages import secure
from premiere.console.signin import sign_in_form
from premiere.services.people.oidc_config import OidcConfig
from premiere.services.people.signin import sign_in_with_sso

router = APIRouter(include_in_schema=False)
FLOW_COOKIE = "premiere_sso"
CALLBACK_PATH = "/sign-in/sso/callback"
REFUSALS = (
    errors.SsoNotConfiguredError, errors.SsoStateMismatchError, errors.SsoNonceMismatchError,
    errors.SsoTokenInvalidError, errors.SsoProviderError, errors.AuthenticationError,
    errors.PermissionDeniedError,
)  # fmt: skip
"""What refuses a sign-in; ``services/people/oidc.py`` (and its HTTP client) is loaded at
the first one, not when the server starts."""


@router.get("/sign-in/sso")
async def begin_sign_in(
    request: Request, next_url: Annotated[str | None, Query(alias="next")] = None
) -> Response:
    from premiere.services.people import oidc  # its HTTP client: loaded on first use

    state = console_state(request)
    target = safe_next(next_url)
    try:
        config = _config(request)
        url, flow = await run_in_threadpool(
            oidc.begin, config, redirect_uri=state.public_url + CALLBACK_PATH, next_path=target
        )
    except REFUSALS as exc:
        return _refused(request, target, exc)
    response = secure(RedirectResponse(url, status_code=303))
    response.set_cookie(
        FLOW_COOKIE,
        flow.encode(),
        max_age=oidc.FLOW_MAX_AGE_SECONDS,
        path=CALLBACK_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.get(CALLBACK_PATH)
async def finish_sign_in(request: Request) -> Response:
    from premiere.services.people import oidc

    state = console_state(request)
    target = "/"
    try:
        config = _config(request)
        flow = oidc.Flow.decode(request.cookies.get(FLOW_COOKIE, ""))
        target = safe_next(flow.next_path)
        params = dict(request.query_params)
        claims = await run_in_threadpool(oidc.finish, config, flow, params, now=state.clock())
        started = await run_in_threadpool(
            sign_in_with_sso,
            store_of(request),
            issuer=config.issuer,
            subject=str(claims["sub"]),
            email=oidc.verified_email(claims),
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
            grants=oidc.roles_from_claims(config, claims) if config.role_map else None,
            create=config.create_accounts,
            now=state.clock(),
        )
    except REFUSALS as exc:
        return _refused(request, target, exc)
    response = secure(RedirectResponse(target, status_code=303))
    set_session_cookie(request, response, started.raw_id, int(state.policy.max_age.total_seconds()))
    _forget_flow(request, response)
    return response


def _config(request: Request) -> OidcConfig:
    config = console_state(request).sso
    if config is None:
        raise errors.SsoNotConfiguredError("single sign-on is not set up on this server")
    return config


def _refused(request: Request, target: str, exc: errors.PremiereError) -> Response:
    found = FormErrors()
    found.summary.append((None, exc.code, f"Single sign-on did not work: {exc.message}"))
    response = sign_in_form(request, target, found, STATUS_BY_CODE.get(exc.code, 400))
    _forget_flow(request, response)
    return response


def _forget_flow(request: Request, response: Response) -> None:
    response.delete_cookie(
        FLOW_COOKIE,
        path=CALLBACK_PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
