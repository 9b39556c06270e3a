"""The console's error pages, installed beside the API's JSON errors.

Paths of the API (``/api/``, ``/ofrep/``) and of machines (``/metrics``, ``/healthz``)
keep their JSON errors; every other path gets an HTML page: a friendly 404, 403 for a
form without its CSRF token, and the sign-in redirect for a visitor without a session.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from premiere import errors
from premiere.console.auth import CsrfRejected, SignInRequired
from premiere.console.pages import page, secure

API_PREFIXES = ("/api/", "/ofrep/")
MACHINE_PATHS = ("/api", "/ofrep", "/metrics", "/healthz")  # read by scrapers and probes
STATUS_BY_CODE = {
    errors.NotFoundError.code: 404,
    errors.PermissionDeniedError.code: 403,
    errors.AuthenticationError.code: 401,
    errors.ValidationError.code: 422,
    errors.MalformedRequestError.code: 400,
    errors.PayloadTooLargeError.code: 413,
    errors.RateLimitedError.code: 429,
    errors.CapacityReachedError.code: 503,
    errors.SsoNotConfiguredError.code: 404,
    errors.SsoStateMismatchError.code: 400,
    errors.SsoNonceMismatchError.code: 400,
    errors.SsoTokenInvalidError.code: 401,
    errors.SsoProviderError.code: 502,
}
"""Status of an error page; the codes a person can fix on a form are 409 otherwise."""

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES) or path in MACHINE_PATHS


def install_error_pages(app: FastAPI) -> None:
    """HTML error pages for console paths; the API's handlers answer the rest."""
    api_http = cast(Handler, app.exception_handlers[HTTPException])
    api_domain = cast(Handler, app.exception_handlers[errors.PremiereError])

    async def http_error(request: Request, exc: Exception) -> Response:
        if is_api_path(request.url.path) or not isinstance(exc, HTTPException):
            return await api_http(request, exc)
        if exc.status_code == 405:
            return error_page(request, 405, "Not allowed", "This page does not take that request.")
        return not_found_page(request)

    async def domain_error(request: Request, exc: Exception) -> Response:
        if is_api_path(request.url.path) or not isinstance(exc, errors.PremiereError):
            return await api_domain(request, exc)
        status = STATUS_BY_CODE.get(exc.code, 409)
        if status == 404:
            return not_found_page(request, exc.message)
        return error_page(request, status, "That did not work", exc.message, code=exc.code)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(errors.PremiereError, domain_error)
    app.add_exception_handler(SignInRequired, _sign_in_redirect)
    app.add_exception_handler(CsrfRejected, _csrf_rejected)


def not_found_page(request: Request, detail: str | None = None) -> Response:
    return error_page(
        request,
        404,
        "Page not found",
        detail or "There is no page at this address. Check the address, or start again.",
    )


def error_page(
    request: Request, status: int, title: str, message: str, *, code: str | None = None
) -> Response:
    context = {"title": title, "message": message, "code": code, "status": status}
    return page(request, "error.html", context, status=status)


async def _sign_in_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = "/sign-in" + ("" if exc.next_url == "/" else "?" + urlencode({"next": exc.next_url}))
    return secure(RedirectResponse(target, status_code=303))


async def _csrf_rejected(request: Request, exc: Exception) -> Response:
    message = (
        "This form was sent without its security token, or with an old one, so nothing "
        "was changed. Go back, reload the page and try again."
    )
    return error_page(request, 403, "Form expired", message, code="csrf_failed")
