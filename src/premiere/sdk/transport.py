"""HTTP to the Premiere server: the flag document, the stream, the events endpoint."""

from __future__ import annotations

import contextlib
import email.utils
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx

from premiere import __version__
from premiere.sdk.config import Config

USER_AGENT = f"premiere-python-sdk/{__version__}"


@dataclass(frozen=True)
class Fetched:
    status: int
    etag: str | None
    body: bytes


class Transport:
    """One connection pool per client (recreated in a forked child, never shared)."""

    def __init__(self, config: Config) -> None:
        self._url = config.api_url
        self._http = httpx.Client(
            headers={"Authorization": f"Bearer {config.sdk_key}", "User-Agent": USER_AGENT},
            timeout=httpx.Timeout(config.request_timeout),
            follow_redirects=True,
        )
        self._stream_timeout = httpx.Timeout(
            config.request_timeout, read=config.stream_read_timeout
        )
        self._streams: set[httpx.Response] = set()

    def fetch_document(self, etag: str | None) -> Fetched:
        headers = {"If-None-Match": etag} if etag else {}
        r = self._http.get(f"{self._url}/flags", headers=headers)
        return Fetched(r.status_code, r.headers.get("ETag"), r.content)

    @contextlib.contextmanager
    def open_stream(self, last_event_id: str | None) -> Iterator[httpx.Response]:
        headers = {
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            "Accept-Encoding": "identity",  # a compressed stream would be held back in buffers
        }
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        request = self._http.build_request(
            "GET", f"{self._url}/stream", headers=headers, timeout=self._stream_timeout
        )
        response = self._http.send(request, stream=True)
        self._streams.add(response)
        try:
            yield response
        finally:
            self._streams.discard(response)
            response.close()

    def post_events(self, payload: dict[str, Any]) -> tuple[int, float]:
        """The answer's status and its ``Retry-After`` in seconds (0 when none)."""
        response = self._http.post(f"{self._url}/events", json=payload)
        return response.status_code, retry_after_seconds(response.headers.get("Retry-After"))

    def interrupt_streams(self) -> None:
        """Wake a thread blocked reading a stream (closing a socket alone does not)."""
        for response in list(self._streams):
            stream = response.extensions.get("network_stream")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.interrupt_streams()
        self._http.close()


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
