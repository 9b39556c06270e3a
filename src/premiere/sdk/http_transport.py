"""The default :class:`~premiere.sdk.transport.Transport`: HTTP to the Premiere server,
through httpx. Every httpx failure leaves it as a
:class:`~premiere.sdk.transport.TransportError`."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import httpx

from premiere import __version__
from premiere.sdk.config import Config
from premiere.sdk.transport import Fetched, StreamResponse, TransportError, retry_after_seconds

USER_AGENT = f"premiere-python-sdk/{__version__}"


class HttpTransport:
    """One connection pool per client (made again in a forked child, never shared)."""

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
        with _translated():
            r = self._http.get(f"{self._url}/flags", headers=headers)
        return Fetched(r.status_code, r.headers.get("ETag"), r.content)

    @contextlib.contextmanager
    def open_stream(self, last_event_id: str | None) -> Iterator[StreamResponse]:
        headers = {
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            "Accept-Encoding": "identity",  # a compressed stream would be held back in buffers
        }
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        with _translated():
            request = self._http.build_request(
                "GET", f"{self._url}/stream", headers=headers, timeout=self._stream_timeout
            )
            response = self._http.send(request, stream=True)
        self._streams.add(response)
        try:
            retry_after = response.headers.get("Retry-After")
            yield StreamResponse(response.status_code, retry_after, _chunks(response))
        finally:
            self._streams.discard(response)
            response.close()

    def post_events(self, payload: dict[str, Any]) -> tuple[int, float]:
        with _translated():
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


def _chunks(response: httpx.Response) -> Iterator[bytes]:
    with _translated():
        yield from response.iter_bytes()


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """httpx's errors, and the RuntimeError of a closed client, as TransportError."""
    try:
        yield
    except (httpx.HTTPError, RuntimeError) as exc:
        raise TransportError(
            f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        ) from exc
