"""The request log, at the cost of a counter for SDK traffic.

SDK and OFREP requests come by the thousand a second from a fleet; a line each would
cost more than answering them (and say nothing a count does not). So a request to
``/ofrep/...`` or ``/api/v1/sdk/...`` that succeeds (any status below 400) is only
counted, per method, route and status, and one summary line per route and status is
logged per interval (``PREMIERE_LOG_SUMMARY_SECONDS``; nothing is logged while there is
no traffic, and what is counted is logged when the server stops)::

    POST /ofrep/v1/evaluate/flags/{key} 200: 61234 requests in the last 60 s

Every other request, and every SDK or OFREP request answered with an error (400 and
above), is logged individually, as uvicorn's access log would::

    127.0.0.1:52114 - "GET /api/v1/projects HTTP/1.1" 200

Both go to the ``premiere.access`` logger at ``INFO``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("premiere.access")

ACCESS_LOG = "access_log"
"""``app.state`` attribute: the app's :class:`AccessCounts`."""
_ONE_FLAG = "/ofrep/v1/evaluate/flags/"
_SUMMARISED = ("/ofrep/", "/api/v1/sdk/")


class AccessCounts:
    """Successful SDK requests counted since the last summary."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        self.counts: dict[tuple[str, str, int], int] = {}
        self._since = time.monotonic()
        self._timer: asyncio.TimerHandle | None = None

    def count(self, method: str, route: str, status: int) -> None:
        """Count one request; the summary follows within the interval."""
        key = (method, route, status)
        counts = self.counts
        if not counts:
            self._since = time.monotonic()
        counts[key] = counts.get(key, 0) + 1
        if self._timer is None:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.interval, self._summarise_on_time)

    def summarise(self) -> None:
        """Log one line per method, route and status counted, and start counting anew."""
        counts, self.counts = self.counts, {}
        seconds = time.monotonic() - self._since
        for (method, route, status), number in sorted(counts.items()):
            log.info(
                "%s %s %d: %d requests in the last %.0f s", method, route, status, number, seconds
            )

    def _summarise_on_time(self) -> None:
        self._timer = None
        self.summarise()


class AccessLog:
    """Pure ASGI middleware: counts or logs every HTTP request (see the module's text)."""

    def __init__(self, app: ASGIApp, counts: AccessCounts) -> None:
        self.app = app
        self.counts = counts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._summarising(send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def logging_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                self._record(scope, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        except BaseException:
            if not started:  # the server answers 500 (and logs the traceback)
                self._record(scope, 500)
            raise

    def _record(self, scope: Scope, status: int) -> None:
        path: str = scope["path"]
        if status < 400 and path.startswith(_SUMMARISED):
            route = _ONE_FLAG + "{key}" if path.startswith(_ONE_FLAG) else path
            self.counts.count(scope["method"], route, status)
        elif log.isEnabledFor(logging.INFO):
            log.info(
                '%s - "%s %s HTTP/%s" %d',
                _client(scope),
                scope["method"],
                _path_and_query(scope),
                scope.get("http_version", "1.1"),
                status,
            )

    def _summarising(self, send: Send) -> Send:
        async def summarising_send(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                self.counts.summarise()
            await send(message)

        return summarising_send


def _client(scope: Scope) -> str:
    client: Any = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"


def _path_and_query(scope: Scope) -> str:
    """The path and query as logged, without the secrets URLs carry: a ``token=`` in the
    query (a calendar's feed token), an OpenID provider's ``code=`` and ``state=`` (the
    single sign-on callback), the secret of an invitation or unsubscribe link."""
    path: str = scope.get("root_path", "") + scope["path"]
    path = _SECRET_IN_PATH.sub(r"\1REDACTED", path)
    query: bytes = scope.get("query_string", b"")
    if not query:
        return path
    text = _SECRET_IN_QUERY.sub(r"\1REDACTED", query.decode("latin-1"))
    return f"{path}?{text}"


_SECRET_IN_QUERY = re.compile(r"((?:^|&)(?:token|code|state)=)[^&]*", re.IGNORECASE)
_SECRET_IN_PATH = re.compile(r"^(/join/[0-9a-f]{16}\.|/join/|/api/v1/unsubscribe/)[^/]+")
