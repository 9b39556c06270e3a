"""Limits on what callers may send: body sizes, and SDK event batches per minute.

:class:`BodySizeLimit` is a pure ASGI middleware that caps the size of request bodies.
It never buffers: a declared ``Content-Length`` over the limit is refused before the
application runs; otherwise the body is counted as it streams in (chunked uploads
included) and the request is refused with 413 as soon as the count passes the limit.

:class:`EventRateLimits` counts SDK event batches per client address and per SDK key
(sliding windows of a minute, in memory, per process) and refuses the excess with
``RateLimitedError`` (429 with ``Retry-After``); :class:`FeedbackRateLimits` does the
same for end users' feedback on notes, per client address and per context key.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from premiere.api.errors import BodyTooLarge, error_body
from premiere.errors import PayloadTooLargeError, RateLimitedError


class EventRateLimits:
    """Batches per minute per client address and per SDK key; 0 switches one off.

    A key is shared by a whole fleet (every browser of an app holds the same
    ``sdk-client`` key), so the per-key limit is meant to be generous; the per-client
    limit is what stops one caller from flooding.
    """

    def __init__(self, per_client_per_minute: int, per_key_per_minute: int) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._per_client = _per_minute(per_client_per_minute)
        self._per_key = _per_minute(per_key_per_minute)

    def check(self, client: str, key: str) -> None:
        """Count one batch from ``client`` with ``key``, or raise ``RateLimitedError``."""
        for item, who, what in (
            (self._per_client, client, "from this client"),
            (self._per_key, key, "with this SDK key"),
        ):
            if item is not None and not self._limiter.hit(item, "events", what, who):
                reset = self._limiter.get_window_stats(item, "events", what, who).reset_time
                retry_after = min(60, max(1, math.ceil(reset - time.time())))
                raise RateLimitedError(
                    f"more than {item.amount} event batches a minute {what}", retry_after
                )


class FeedbackRateLimits:
    """End users' feedback a minute per client address and per context key (one end
    user); 0 switches one off. Checked before anything is stored."""

    def __init__(self, per_client_per_minute: int, per_context_per_minute: int) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._per_client = _per_minute(per_client_per_minute)
        self._per_context = _per_minute(per_context_per_minute)

    def check(self, client: str, context_key: str) -> None:
        """Count one piece of feedback, or raise ``RateLimitedError``."""
        for item, who, what in (
            (self._per_client, client, "from this client"),
            (self._per_context, context_key, "for this context key"),
        ):
            if item is not None and not self._limiter.hit(item, "feedback", what, who):
                reset = self._limiter.get_window_stats(item, "feedback", what, who).reset_time
                retry_after = min(60, max(1, math.ceil(reset - time.time())))
                raise RateLimitedError(
                    f"more than {item.amount} pieces of feedback a minute {what}", retry_after
                )


def _per_minute(amount: int) -> RateLimitItem | None:
    return RateLimitItemPerMinute(amount) if amount > 0 else None


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge(self.max_body_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = error_body(
            PayloadTooLargeError.code,
            f"the request body is larger than {self.max_body_bytes} bytes",
            {"max_body_bytes": self.max_body_bytes},
        )
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
