"""What the client needs from the network, as one small interface.

The data sources and the event sender speak to the server only through a
:class:`Transport`: fetch the flag document (with its ETag), open the event stream, post
an event batch. :class:`~premiere.sdk.http_transport.HttpTransport` (the default) does it
over HTTP; :class:`~premiere.sdk.testing.InMemoryServer` does it in memory, for tests of
code that uses the SDK. ``Config.transport`` picks one: a callable that makes each
client its own transport from the config (called again in a forked child).

A transport reports a failure to reach the server (connection refused, timeout, a
stream cut) by raising :class:`TransportError`; every answer the server gives, whatever
its status, is returned. This module does no I/O.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from premiere.sdk.config import Config


class TransportError(Exception):
    """The server could not be reached, or a connection broke; the message says how."""


@dataclass(frozen=True)
class Fetched:
    """The answer to ``GET /api/v1/sdk/flags``: status, ETag and body (the document's
    JSON text when the status is 200)."""

    status: int
    etag: str | None
    body: bytes


@dataclass(frozen=True)
class StreamResponse:
    """The answer to ``GET /api/v1/sdk/stream``: its status, its ``Retry-After`` header,
    and (when the status is 200) the event-stream bytes as they arrive. Iterating
    ``chunks`` blocks until the server sends more; it ends when the stream ends and
    raises :class:`TransportError` when the connection breaks."""

    status: int
    retry_after: str | None
    chunks: Iterator[bytes]


class Transport(Protocol):
    """One client's connection to the server; only its client's threads use it."""

    def fetch_document(self, etag: str | None) -> Fetched:
        """``GET /api/v1/sdk/flags``, with ``If-None-Match: etag`` when given."""
        ...

    def open_stream(self, last_event_id: str | None) -> AbstractContextManager[StreamResponse]:
        """``GET /api/v1/sdk/stream`` (with ``Last-Event-ID`` when given), closed on exit."""
        ...

    def post_events(self, payload: dict[str, Any]) -> tuple[int, float]:
        """``POST /api/v1/sdk/events``: the answer's status and its ``Retry-After`` in
        seconds (0 when none)."""
        ...

    def interrupt_streams(self) -> None:
        """Wake a thread blocked reading a stream: its ``chunks`` end or raise."""
        ...

    def close(self) -> None:
        """Interrupt the streams and release the connections; not used again."""
        ...


TransportFactory = Callable[["Config"], Transport]
"""Makes a client's transport from its :class:`~premiere.sdk.config.Config`."""


def retry_after_seconds(retry_after: str | None, now: float | None = None) -> float:
    """A ``Retry-After`` in seconds: delay-seconds, or an HTTP date (until then from
    ``now``, a Unix time); 0 when absent, past or unreadable."""
    text = (retry_after or "").strip()
    if text.isdigit():
        return float(text) if len(text) < 10 else 0.0
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return 0.0
    if moment.tzinfo is None:  # "-0000" or none: RFC 9110 dates are in UTC
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))
