"""What's new for end users, their feedback, and the widget (docs/communication.md,
"What's new and feedback").

- ``POST /api/v1/whats-new``: the published notes that apply to the body's
  ``context``, newest first, with ``seen`` each and the ``unseen`` count;
- ``POST /api/v1/whats-new/seen``: marks notes seen by the context's key;
- ``POST /api/v1/whats-new/{note}/feedback``: a reaction and/or comment (201);
- ``GET /widget/whats-new.js``: the ``<premiere-whats-new>`` web component.

Callers hold an ``sdk-client`` (browsers) or ``sdk-server`` token, whose environment is
the one answered; these endpoints only read notes and flags and write seen notes and
feedback. Each request counts against the client address's OFREP rate limit (429 with
``Retry-After``); feedback has limits of its own per client address and per context
key (``app.state.feedback_limits``), checked before anything is stored. Any web page may
call them (CORS: any origin, no credentials), as for the public flag document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import FileResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from premiere.api.auth import SDK_CLIENT, SDK_SERVER, authenticate_request
from premiere.api.communication.models import FeedbackView, WhatsNew
from premiere.api.limits import FeedbackRateLimits
from premiere.api.models import answers
from premiere.api.params import reject_lone_surrogates
from premiere.api.sdk.ofrep import client_address, services_of
from premiere.errors import MalformedRequestError, PermissionDeniedError, ValidationError, Violation
from premiere.services.communication import feedback, whatsnew
from premiere.services.sdk.compiled import CompiledFlags

router = APIRouter(tags=["whats-new"])
widget_router = APIRouter(tags=["whats-new"])

WIDGET = Path(__file__).with_name("widget") / "whats-new.js"
FEEDBACK_LIMITS = "feedback_limits"
"""``app.state`` attribute: the app's :class:`FeedbackRateLimits`."""
CORS_PREFIX = "/api/v1/whats-new"
CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"POST, OPTIONS"),
    (b"access-control-allow-headers", b"Authorization, X-API-Key, Content-Type"),
    (b"access-control-expose-headers", b"Retry-After"),
    (b"access-control-max-age", b"600"),
]
_ERRORS = answers(WhatsNew, 400, 401, 403, 413, 422, 429)


class WhatsNewCors:
    """CORS for ``/api/v1/whats-new``: every answer (errors too) may be read by any
    origin, and a preflight ``OPTIONS`` is answered 204 without a token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(CORS_PREFIX):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": CORS_HEADERS})
            await send({"type": "http.response.body", "body": b""})
            return

        async def with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *CORS_HEADERS]}
            await send(message)

        await self.app(scope, receive, with_cors)


@router.post(
    "/whats-new",
    summary="What's new for an end user: the published notes that apply to a context",
    responses=_ERRORS,
)
async def post_whats_new(request: Request) -> JSONResponse:
    flags, data = await _caller(request)
    context = whatsnew.read_context(data)
    store = request.app.state.store
    return JSONResponse(await run_in_threadpool(whatsnew.list_whats_new, store, flags, context))


@router.post(
    "/whats-new/seen",
    summary="Mark notes seen by an end user (body: context, notes: [ids] or all)",
    responses=_ERRORS,
)
async def post_whats_new_seen(request: Request) -> JSONResponse:
    flags, data = await _caller(request)
    context = whatsnew.read_context(data, key_required=True)
    store = request.app.state.store
    notes = data.get("notes")
    answer = await run_in_threadpool(whatsnew.mark_notes_seen, store, flags, context, notes)
    return JSONResponse(answer)


@router.post(
    "/whats-new/{note}/feedback",
    status_code=201,
    summary="An end user's reaction and/or comment on a published note",
    responses=answers(FeedbackView, 400, 401, 403, 413, 422, 429, status=201),
)
async def post_note_feedback(note: int, request: Request) -> JSONResponse:
    flags, data = await _caller(request)
    context = whatsnew.read_context(data, key_required=True)
    limits: FeedbackRateLimits = getattr(request.app.state, FEEDBACK_LIMITS)
    limits.check(client_address(request.scope), context["key"])
    store = request.app.state.store
    view = await run_in_threadpool(feedback.record_feedback, store, flags, note, context, data)
    return JSONResponse(view, status_code=201)


@widget_router.get("/widget/whats-new.js", include_in_schema=False)
async def get_widget() -> FileResponse:
    headers = {
        "Cache-Control": "public, max-age=300",
        "Access-Control-Allow-Origin": "*",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(WIDGET, media_type="text/javascript; charset=utf-8", headers=headers)


async def _caller(request: Request) -> tuple[CompiledFlags, dict[str, Any]]:
    """The environment's compiled document (as ``sdk-server`` SDKs get it) and the JSON
    body, or 401/403/429/400/422. The rate limit is checked before the body is read."""
    token = await authenticate_request(request)
    if token.scope not in {SDK_SERVER, SDK_CLIENT} or token.environment is None:
        raise PermissionDeniedError(
            "what's new needs an sdk-client or sdk-server token", {"scope": token.scope}
        )
    assert token.project is not None
    services = services_of(request.app)
    services.limiter.check(client_address(request.scope))
    body = await request.body()
    if len(body) > services.max_context_bytes:
        message = f"must be at most {services.max_context_bytes} bytes"
        raise ValidationError([Violation("body", "max_length", message)])
    try:
        data: Any = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise MalformedRequestError("the request body is not valid JSON") from None
    reject_lone_surrogates(data)
    if not isinstance(data, dict):
        raise ValidationError([Violation("body", "type", "must be a JSON object")])
    flags = await services.flags(token.project, token.environment, client_only=False)
    return flags, data
