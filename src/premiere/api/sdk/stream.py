"""``GET /api/v1/sdk/stream``: the flag document, then its changes, as server-sent events.

On connect: ``event: document`` with ``id: <document version>`` and the whole document
(as ``GET /api/v1/sdk/flags`` would answer). Then one ``event: patch`` per change
(``id``: the new document version; data ``{"version", "flags", "segments"}``, where
``null`` means removed, archived or no longer visible to the token, and ``notes`` when
the published notes changed), and a
``: heartbeat`` comment every ``heartbeat_seconds``. A ``Last-Event-ID`` equal to the
current version skips the document; any other value gets the whole document.

The change broadcaster (:mod:`premiere.api.sdk.broadcaster`) runs for the lifetime of the
app: :func:`change_broadcaster` enters it in the app's lifespan. How many streams a
process holds, per client address and in total, is bounded by
:mod:`premiere.api.sdk.stream_limits` (429 / 503 with ``Retry-After`` beyond).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Query, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from premiere.api.auth import ADMIN, SDK_CLIENT, SdkCaller
from premiere.api.models import ErrorBody, answers
from premiere.api.sdk.broadcaster import BroadcastSettings, ChangeBroadcaster, Subscription
from premiere.api.sdk.mailbox import CLOSE
from premiere.api.sdk.stream_limits import StreamSlot, client_address, slots_of
from premiere.errors import PermissionDeniedError, ValidationError, Violation
from premiere.services.people.tokens import TokenInfo

router = APIRouter(prefix="/sdk", tags=["sdk"])

STREAM_EVENT: dict[str, Any] = {
    "description": "One server-sent event (OpenAPI 3.1: the schema of each event).",
    "type": "object",
    "required": ["event", "id", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["document", "patch"]},
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The document version."},
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "description": 'The flag document, or {"version", "flags", "segments"} changed.',
        },
    },
}

BROADCAST_SETTINGS = "broadcast_settings"
"""``app.state`` attribute: :class:`BroadcastSettings` for the app (defaults if unset)."""

KeyQuery = Annotated[str | None, Query(max_length=128, description="Required with admin tokens.")]


@contextlib.asynccontextmanager
async def change_broadcaster(app: FastAPI) -> AsyncIterator[ChangeBroadcaster]:
    """Run the app's change broadcaster (``app.state.broadcaster``) while the block runs."""
    settings = getattr(app.state, BROADCAST_SETTINGS, None) or BroadcastSettings()
    broadcaster = ChangeBroadcaster(app.state.store, settings)
    async with broadcaster.running():
        app.state.broadcaster = broadcaster
        try:
            yield broadcaster
        finally:
            app.state.broadcaster = None


@router.get(
    "/stream",
    summary="The flag document, then its changes, as server-sent events",
    response_class=Response,
    responses={
        **answers(None, 401, 403, 422),
        200: {
            "description": "Server-sent events: `document` (the whole flag document) first,"
            " then one `patch` per change, and `: heartbeat` comments (docs/sdk.md).",
            "content": {"text/event-stream": {"schema": STREAM_EVENT}},
        },
        429: {  # a model, so ErrorBody's schema is in the components (api/models.py, answers)
            "model": ErrorBody,
            "description": "Too many streams from this client address; see Retry-After",
        },
        503: {
            "model": ErrorBody,
            "description": "This server holds all the streams it may; see Retry-After",
        },
    },
)
async def stream_flag_document(
    request: Request,
    token: SdkCaller,
    project: KeyQuery = None,
    environment: KeyQuery = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    project_key, environment_key = stream_target(token, project, environment)
    broadcaster: ChangeBroadcaster = request.app.state.broadcaster
    slot = slots_of(request.app).acquire(client_address(request.scope))
    try:
        subscription, first = await broadcaster.subscribe(
            project_key,
            environment_key,
            client_only=token.scope == SDK_CLIENT,
            last_version=_version(last_event_id),
        )
    except BaseException:
        slot.release()
        raise
    return EventStreamResponse(broadcaster, subscription, first, slot)


class EventStreamResponse(Response):
    """Writes a subscription's frames as they come, until the client leaves or the
    broadcaster closes the subscription.

    Leaner than a ``StreamingResponse`` over a generator (one ``send`` per wake-up,
    frames queued meanwhile go out together), since one change is written to every
    stream of an environment at once.
    """

    media_type = "text/event-stream"

    def __init__(
        self,
        broadcaster: ChangeBroadcaster,
        subscription: Subscription,
        first: bytes | None,
        slot: StreamSlot,
    ) -> None:
        self.status_code = 200
        self.background = None
        self.broadcaster = broadcaster
        self.subscription = subscription
        self.first = first
        self.slot = slot
        self.init_headers({"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        subscription = self.subscription
        watcher = asyncio.create_task(self._watch_for_disconnect(receive))
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            if self.first is not None:
                await send({"type": "http.response.body", "body": self.first, "more_body": True})
            queue = subscription.queue
            while not subscription.closed:
                data = await queue.get()
                if not queue.empty():
                    data += queue.take_all()
                if subscription.closed or not data:
                    break
                await send({"type": "http.response.body", "body": data, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except OSError:
            pass  # the client went away mid-write
        finally:
            watcher.cancel()
            self.broadcaster.unsubscribe(subscription)
            self.slot.release()

    async def _watch_for_disconnect(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        self.subscription.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self.subscription.queue.put_nowait(CLOSE)


def stream_target(
    token: TokenInfo, project: str | None, environment: str | None
) -> tuple[str, str]:
    """The environment streamed: an sdk token's own (naming another is 403); admin tokens
    name it with ``?project=&environment=``."""
    if token.scope == ADMIN:
        missing = [
            Violation(f"query.{name}", "required", f"admin tokens must name the {name}")
            for name, value in (("project", project), ("environment", environment))
            if not value
        ]
        if missing or project is None or environment is None:
            raise ValidationError(missing)
        return project, environment
    if token.project is None or token.environment is None:
        raise PermissionDeniedError(
            "this token is not bound to an environment", {"scope": token.scope}
        )
    asked = (project or token.project, environment or token.environment)
    if asked != (token.project, token.environment):
        raise PermissionDeniedError(
            f"this token is bound to {token.project}/{token.environment}",
            {"scope": token.scope, "project": token.project, "environment": token.environment},
        )
    return token.project, token.environment


def _version(last_event_id: str | None) -> int | None:
    if last_event_id is None:
        return None
    text = last_event_id.strip()
    return int(text) if text.isdigit() and len(text) < 19 else None
