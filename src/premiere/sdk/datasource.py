"""Data sources keep the client's document current: polling, and server-sent events.

A data source is anything with ``start()`` and ``stop()`` that puts documents into a
:class:`~premiere.sdk.holder.DocumentHolder`. Both here run one daemon thread each.
Whatever fails, the holder keeps serving the last good document; failures are reported
to the holder's status tracker and logged.
"""

from __future__ import annotations

import json
import threading
from typing import Protocol

from premiere.sdk.backoff import Backoff
from premiere.sdk.config import Config
from premiere.sdk.document import DocumentError
from premiere.sdk.holder import DocumentHolder
from premiere.sdk.sse import Comment, ServerSentEvent, SSEParser
from premiere.sdk.transport import StreamResponse, Transport, TransportError, retry_after_seconds

UNAUTHORIZED = (401, 403)
STREAM_UNAVAILABLE = (404, 405, 501)
STREAM_REFUSED_FOR_NOW = (429, 503)  # the server holds as many streams as it may


class DataSource(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class _Worker:
    """A stoppable daemon thread."""

    name = "premiere-sdk"

    def __init__(self, transport: Transport, holder: DocumentHolder, config: Config) -> None:
        self.transport = transport
        self.holder = holder
        self.config = config
        self.log = config.log
        self.stopping = threading.Event()
        self.backoff = Backoff(config.reconnect_delay, config.max_reconnect_delay)
        self._thread: threading.Thread | None = None
        self._last_failure: str | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        try:
            self.transport.interrupt_streams()
        except Exception:  # a transport's own bug: close() must not raise
            self.log.exception("premiere: interrupting the stream failed")
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def _run(self) -> None:
        try:
            self.run()
        except Exception:  # the thread must never die silently
            self.log.exception("premiere: the %s thread failed", self.name)
            self.holder.status.error("internal error in the data source")

    def run(self) -> None:
        raise NotImplementedError

    def poll_loop(self) -> None:
        while not self.stopping.is_set():
            delay = self.poll_once()
            self.stopping.wait(delay)

    def poll_once(self) -> float:
        """One request; returns how long to wait before the next."""
        config = self.config
        try:
            fetched = self.transport.fetch_document(self.holder.etag)
        except TransportError as exc:
            self.fail(f"cannot reach {config.base_url}: {_describe(exc)}")
            return min(self.backoff.next_delay(), config.poll_interval)
        if fetched.status == 304:
            self.backoff.reset()
            self.recovered()
            self.holder.status.contact_succeeded()
            return config.poll_interval
        if fetched.status in UNAUTHORIZED:
            return self.refuse(fetched.status, fetched.body)
        if fetched.status != 200:
            self.fail(_answered("GET /api/v1/sdk/flags", fetched.status, fetched.body))
            return min(self.backoff.next_delay(), config.poll_interval)
        self.backoff.reset()
        try:
            self.holder.put_document_json(fetched.body, "server", fetched.etag)
        except (ValueError, DocumentError) as exc:
            self.fail(f"the server sent an unusable document ({exc}); keeping the last good one")
        else:
            self.recovered()
        return config.poll_interval

    def fail(self, message: str, *, level: str = "warning", final: bool = False) -> None:
        """Report a failure; a failure repeating the previous one is logged at debug level."""
        if message == self._last_failure:
            level = "debug"
        self._last_failure = message
        getattr(self.log, level)("premiere: %s", message)
        self.holder.status.error(message, final=final)

    def refuse(self, status: int, body: bytes) -> float:
        """The server refused the key (401, 403): say why, once, at ERROR, and stop for
        good; retrying would not make a wrong key right."""
        message = _unauthorized(status, body)
        self.log.error("premiere: %s", message)
        self._last_failure = message
        self.stopping.set()
        self.holder.status.refused(message)
        return 0.0

    def recovered(self) -> None:
        if self._last_failure is not None:
            self.log.info("premiere: flag updates are flowing again")
            self._last_failure = None


class PollingDataSource(_Worker):
    """GET the document every ``poll_interval`` with If-None-Match; 304 keeps it."""

    name = "premiere-sdk-poll"

    def run(self) -> None:
        self.poll_loop()


class StreamingDataSource(_Worker):
    """GET /api/v1/sdk/stream (server-sent events); reconnects with backoff.

    Falls back to polling for good when the server has no stream endpoint.
    """

    name = "premiere-sdk-stream"
    server_retry: float | None = None  # seconds, from the stream's last `retry:` field

    def run(self) -> None:
        while not self.stopping.is_set():
            delay = self.connect_once()
            if delay is None:
                self.log.info("premiere: the server offers no stream; polling instead")
                self.poll_loop()
                return
            self.stopping.wait(delay)

    def connect_once(self) -> float | None:
        """One connection, read to its end; the delay before the next (None: no stream)."""
        version = self.holder.version
        last_id = str(version) if version is not None else None
        try:
            with self.transport.open_stream(last_id) as response:
                status = response.status
                if status in STREAM_UNAVAILABLE:
                    return None
                if status in UNAUTHORIZED:
                    return self.refuse(status, next(iter(response.chunks), b""))
                if status in STREAM_REFUSED_FOR_NOW:
                    return self.refused_for_now(status, response.retry_after)
                if status != 200:
                    body = next(iter(response.chunks), b"")
                    self.fail(_answered("GET /api/v1/sdk/stream", status, body))
                    return self.backoff.next_delay()
                self.backoff.connected()
                self.read(response)
        except TransportError as exc:
            if not self.stopping.is_set():
                self.fail(f"stream to {self.config.base_url} failed: {_describe(exc)}")
        except DocumentError as exc:
            self.fail(f"the stream sent unusable data ({exc}); keeping the last good document")
        else:
            if not self.stopping.is_set():
                self.fail("the server closed the stream")
        # A `retry:` field from the server is a floor (capped like a 401's slow retry).
        floor = min(self.server_retry or 0.0, self.config.unauthorized_retry_interval)
        return max(self.backoff.next_delay(), floor)

    def refused_for_now(self, status: int, retry_after: str | None) -> float:
        """The stream was refused for now (429, 503): fetch the document once (a 304 when
        unchanged), and wait at least ``Retry-After`` (capped like a 401's slow retry)."""
        self.fail(f"GET /api/v1/sdk/stream answered {status}; fetching the flags meanwhile")
        try:
            fetched = self.transport.fetch_document(self.holder.etag)
            if fetched.status == 200:
                self.holder.put_document_json(fetched.body, "server", fetched.etag)
            elif fetched.status == 304:
                self.holder.status.contact_succeeded()
        except (TransportError, ValueError, DocumentError) as exc:
            self.log.debug("premiere: fetching the flags failed too: %s", exc)
        floor = min(retry_after_seconds(retry_after), self.config.unauthorized_retry_interval)
        return max(self.backoff.next_delay(), floor)

    def read(self, response: StreamResponse) -> None:
        parser = SSEParser()
        for chunk in response.chunks:
            for item in parser.feed(chunk):
                if isinstance(item, Comment):
                    self.holder.status.contact_succeeded()
                else:
                    self.handle(item)
            if parser.retry is not None:
                self.server_retry = parser.retry / 1000
            if self.stopping.is_set():
                return

    def handle(self, event: ServerSentEvent) -> None:
        if event.event not in ("document", "patch"):
            return
        try:
            data = json.loads(event.data)
        except ValueError as exc:
            raise DocumentError(f"{event.event} event is not JSON: {exc}") from exc
        if event.event == "document":
            self.holder.put_document(data, "server")
            self.recovered()
            return
        version = data.get("version") if isinstance(data, dict) else None
        current = self.holder.version
        if isinstance(version, int) and current is not None and version <= current:
            self.holder.status.contact_succeeded()  # already applied
            return
        self.holder.put_patch(data)


def _unauthorized(status: int, body: bytes) -> str:
    what = "not accepted (401)" if status == 401 else "not allowed to read flags (403)"
    answered = _answered("the server", status, body)
    reason = answered[answered.index(" (") :] if " (" in answered else ""
    return (
        f"the SDK key was {what}{reason}; no more requests will be made, the last known "
        "flags (if any) are served. Check Config.sdk_key: it must be an sdk-server token "
        "of this environment; then restart the client"
    )


def _answered(request: str, status: int, body: bytes) -> str:
    """``<request> answered <status>``, with the server's own reason when its error body
    gives one (``{"error": {"code", "message"}}``): an admin token used as the SDK key,
    for instance, is told which token the endpoint needs."""
    message = f"{request} answered {status}"
    try:
        error = json.loads(body[:65536])["error"]
        reason = f"{error['code']}: {error['message']}"
    except (ValueError, TypeError, KeyError, IndexError):
        return message
    return f"{message} ({reason[:500]})"


def _describe(exc: TransportError) -> str:
    return str(exc) or type(exc).__name__
