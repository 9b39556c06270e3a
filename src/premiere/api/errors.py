"""The one place where errors become HTTP responses.

Every error leaves the API as ``{"error": {"code", "message", "details"}}`` with the
status below. Domain errors come from :mod:`premiere.errors`; request validation
errors from FastAPI/pydantic are turned into ``validation_failed`` with one entry per
field and rule; routing errors (unknown path, wrong method) use the same shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response

from premiere import errors

log = logging.getLogger("premiere.api")

STATUS_BY_CODE: dict[str, int] = {
    errors.ValidationError.code: 422,
    errors.MalformedRequestError.code: 400,
    errors.PayloadTooLargeError.code: 413,
    errors.NotFoundError.code: 404,
    errors.AlreadyExistsError.code: 409,
    errors.VersionConflictError.code: 409,
    errors.VersionRequiredError.code: 428,
    errors.ConflictError.code: 409,
    errors.FlagLockedError.code: 409,
    errors.LastAdminError.code: 409,
    errors.InvalidStateError.code: 409,
    errors.InvitationExpiredError.code: 409,
    errors.AuthenticationError.code: 401,
    errors.PermissionDeniedError.code: 403,
    errors.RateLimitedError.code: 429,
    errors.CapacityReachedError.code: 503,
    errors.SsoNotConfiguredError.code: 404,
    errors.SsoStateMismatchError.code: 400,
    errors.SsoNonceMismatchError.code: 400,
    errors.SsoTokenInvalidError.code: 401,
    errors.SsoProviderError.code: 502,
}
"""HTTP status of every error code; a code missing here is a bug and answers 500."""

METHOD_NOT_ALLOWED = "method_not_allowed"
INTERNAL_ERROR = "internal_error"

_CODE_BY_HTTP_STATUS = {
    400: errors.MalformedRequestError.code,
    401: errors.AuthenticationError.code,
    403: errors.PermissionDeniedError.code,
    404: errors.NotFoundError.code,
    405: METHOD_NOT_ALLOWED,
    413: errors.PayloadTooLargeError.code,
}

# pydantic error types -> the short, stable rule names documented in docs/errors.md
_RULE_BY_PYDANTIC_TYPE = {
    "extra_forbidden": "unknown_field",
    "missing": "required",
    "string_pattern_mismatch": "key_pattern",
    "string_too_long": "max_length",
    "string_too_short": "not_empty",
    "too_long": "max_items",
    "too_short": "non_empty",
    "literal_error": "enum",
    "enum": "enum",
    "greater_than": "minimum",
    "greater_than_equal": "minimum",
    "less_than": "maximum",
    "less_than_equal": "maximum",
    "value_error": "invalid",
    "assertion_error": "invalid",
}


class BodyTooLarge(HTTPException):
    """Raised while a request body streams in, once it passes the size limit.

    An HTTP exception, so that the framework's body reader passes it on unchanged and
    the handler below answers 413; the size middleware answers itself if it escapes.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


RULE_NAMES = frozenset({*_RULE_BY_PYDANTIC_TYPE.values(), "type", "invalid"})
"""Every rule name request validation can report (documented in docs/errors.md)."""


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> bytes:
    """The JSON bytes of an error response (used by the middleware, too)."""
    payload = {"error": {"code": code, "message": message, "details": dict(details or {})}}
    return json.dumps(payload, separators=(",", ":")).encode()


def error_response(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": dict(details or {})}},
        status_code=status,
        headers=dict(headers or {}),
    )


def premiere_error_response(exc: errors.PremiereError) -> JSONResponse:
    status = STATUS_BY_CODE.get(exc.code)
    if status is None:
        log.error("error code %r has no HTTP status", exc.code, exc_info=exc)
        return internal_error_response()
    headers = {}
    if isinstance(exc, errors.RateLimitedError | errors.CapacityReachedError):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    return error_response(status, exc.code, exc.message, exc.details, headers)


def internal_error_response() -> JSONResponse:
    return error_response(500, INTERNAL_ERROR, "an unexpected error occurred; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler on ``app``; the catch-all logs with a traceback."""
    app.add_exception_handler(errors.PremiereError, _handle_premiere_error)
    app.add_exception_handler(RequestValidationError, _handle_request_validation_error)
    app.add_exception_handler(HTTPException, _handle_http_exception)
    app.add_exception_handler(Exception, _handle_unexpected)


async def _handle_premiere_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, errors.PremiereError)
    return premiere_error_response(exc)


async def _handle_request_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return premiere_error_response(translate_validation_errors(exc.errors()))


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _CODE_BY_HTTP_STATUS.get(exc.status_code, "http_error")
    if exc.status_code == 404:
        message = f"no such resource: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"method {request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    details = {"max_body_bytes": exc.limit} if isinstance(exc, BodyTooLarge) else None
    return error_response(exc.status_code, code, message, details, exc.headers)


async def _handle_unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return internal_error_response()


def translate_validation_errors(raw: Sequence[Any]) -> errors.PremiereError:
    """FastAPI/pydantic errors -> ``malformed_request`` or ``validation_failed``."""
    violations: list[errors.Violation] = []
    for item in raw:
        loc = tuple(item.get("loc", ()))
        kind = str(item.get("type", ""))
        if kind == "json_invalid":
            reason = str((item.get("ctx") or {}).get("error", "invalid JSON"))
            position = loc[1] if len(loc) > 1 else None
            return errors.MalformedRequestError(
                f"the request body is not valid JSON: {reason} at character {position}",
                {"error": reason, "position": position},
            )
        if loc in {("body",), ()}:
            return errors.MalformedRequestError(
                "the request body must be a JSON object (Content-Type: application/json)"
            )
        violations.append(errors.Violation(field_path(loc), rule_name(kind), _message(item)))
    return errors.ValidationError(violations)


_MESSAGES = {
    "extra_forbidden": "unknown field {name!r}",
    "missing": "{name} is required",
    "string_pattern_mismatch": "must match [A-Za-z0-9._-]{{1,128}}",
}


def _message(item: Mapping[str, Any]) -> str:
    """Our wording for the common cases; pydantic's for the rest."""
    template = _MESSAGES.get(str(item.get("type")))
    loc = tuple(item.get("loc", ()))
    if template is None or not loc:
        return str(item.get("msg", "invalid"))
    return template.format(name=loc[-1])


def rule_name(pydantic_type: str) -> str:
    if pydantic_type in _RULE_BY_PYDANTIC_TYPE:
        return _RULE_BY_PYDANTIC_TYPE[pydantic_type]
    if pydantic_type.endswith(("_type", "_parsing")) or pydantic_type.startswith("union_tag"):
        return "type"
    return "invalid"


def field_path(loc: Sequence[Any]) -> str:
    """``("body", "rules", 0, "op")`` -> ``rules[0].op``; ``("query", "limit")`` -> same, dotted."""
    parts = list(loc)
    where = parts.pop(0) if parts and parts[0] in {"body", "query", "header", "path"} else "body"
    out = "" if where == "body" else where
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out
