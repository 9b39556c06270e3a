"""A Premiere server in memory, for testing code that uses the SDK.

    from premiere.sdk import Client, Config
    from premiere.sdk.testing import InMemoryServer

    server = InMemoryServer()
    server.serve("new-checkout", True)                   # a flag serving True to everyone
    client = Client(Config(sdk_key="test", transport=server.transport))
    assert client.bool_variation("new-checkout", {"key": "u1"}, False)
    server.serve("new-checkout", False)                  # the client sees it at once
    client.flush()
    server.events                                        # the event batches it sent

It plays the server's part of the SDK endpoints: the flag document with an ETag, the
stream (the document on connect, then each change as a patch), and the events endpoint
(which accepts every batch). No socket, no thread of its own; the client runs as it
does against a real server. One server may serve several clients of one process.
"""

from __future__ import annotations

import contextlib
import copy
import json
import queue
import threading
from collections.abc import Iterator, Mapping
from typing import Any

from premiere.sdk.config import Config
from premiere.sdk.transport import Fetched, StreamResponse, Transport, TransportError

_KINDS = ((bool, "boolean"), (str, "string"), ((int, float), "number"))


class InMemoryServer:
    """One environment's flag document, changed by the test, and the events sent to it.

    Every change raises the document's ``version`` by one, so polling clients see it
    at their next poll (its ETag changes) and streaming clients receive it at once.
    """

    def __init__(self, document: Mapping[str, Any] | None = None) -> None:
        self._lock = threading.Lock()
        self._document: dict[str, Any] = {
            "project": "test",
            "environment": "test",
            "version": 0,
            "flags": {},
            "segments": {},
        }
        self._events: list[dict[str, Any]] = []
        self._streams: set[queue.SimpleQueue[bytes | None]] = set()
        self._refusing: int | None = None
        self._requests = 0
        self.set_document(document if document is not None else self._document)

    def transport(self, config: Config) -> Transport:
        """A client's connection to this server: give it as ``Config.transport``."""
        return _InMemoryTransport(self)

    # -- what the test does ---------------------------------------------------------------

    @property
    def document(self) -> dict[str, Any]:
        """A copy of the document served now."""
        with self._lock:
            return copy.deepcopy(self._document)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The event batches received, oldest first (as ``POST /api/v1/sdk/events`` bodies)."""
        with self._lock:
            return copy.deepcopy(self._events)

    def set_document(self, document: Mapping[str, Any]) -> None:
        """Serve ``document`` whole (streams receive it as a ``document`` event). Its
        version becomes the greater of its own and the current one plus one (a new
        server's document keeps its own, or is version 1)."""
        doc = json.loads(json.dumps(document))
        with self._lock:
            version = doc.get("version")
            current = self._document["version"]
            doc["version"] = max(version if isinstance(version, int) else 0, current + 1)
            self._document = doc
            self._send(_event("document", doc))

    def set_flag(self, flag: Mapping[str, Any]) -> None:
        """Add or replace one flag (a flag as docs/flag-document.md describes it)."""
        self._change("flags", str(flag["key"]), flag)

    def delete_flag(self, key: str) -> None:
        self._change("flags", key, None)

    def set_segment(self, segment: Mapping[str, Any]) -> None:
        self._change("segments", str(segment["key"]), segment)

    def delete_segment(self, key: str) -> None:
        self._change("segments", key, None)

    def serve(self, key: str, value: Any) -> None:
        """Add or replace flag ``key``, on, serving ``value`` to everyone; its kind
        follows the value's type (boolean, string, number, or else json)."""
        kind = next((k for t, k in _KINDS if isinstance(value, t)), "json")
        self.set_flag(
            {
                "key": key,
                "kind": kind,
                "version": 1,
                "salt": key,
                "variations": [{"value": value}],
                "on": True,
                "off_variation": 0,
                "prerequisites": [],
                "targets": [],
                "rules": [],
                "fallthrough": {"variation": 0},
            }
        )

    def refuse_key(self, status: int = 401) -> None:
        """Answer every later request ``status`` (401 or 403), as a server does to a wrong
        or revoked SDK key; streams open now are ended."""
        with self._lock:
            self._refusing = status
            for stream in self._streams:
                stream.put(None)

    @property
    def requests(self) -> int:
        """How many flag requests (fetches and streams) clients have made."""
        return self._requests

    def _change(self, part: str, key: str, item: Mapping[str, Any] | None) -> None:
        value = None if item is None else json.loads(json.dumps(item))
        with self._lock:
            doc = self._document
            doc["version"] += 1
            if value is None:
                doc[part].pop(key, None)
            else:
                doc[part][key] = value
            patch = {"version": doc["version"], "flags": {}, "segments": {}}
            patch[part][key] = value
            self._send(_event("patch", patch))

    def _send(self, message: bytes) -> None:  # with the lock held
        for stream in self._streams:
            stream.put(message)

    # -- what the transports do -----------------------------------------------------------

    def _fetch(self, etag: str | None) -> Fetched:
        with self._lock:
            self._requests += 1
            if self._refusing is not None:
                return Fetched(self._refusing, None, _REFUSED[self._refusing == 403])
            current = f'"{self._document["version"]}"'
            if etag == current:
                return Fetched(304, current, b"")
            return Fetched(200, current, json.dumps(self._document).encode())

    def _refused(self) -> int | None:
        """Count a stream request; the status it is refused with, if it is."""
        with self._lock:
            self._requests += 1
            return self._refusing

    def _subscribe(self) -> queue.SimpleQueue[bytes | None]:
        stream: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        with self._lock:
            stream.put(_event("document", self._document))
            self._streams.add(stream)
        return stream

    def _unsubscribe(self, stream: queue.SimpleQueue[bytes | None]) -> None:
        with self._lock:
            self._streams.discard(stream)

    def _receive(self, payload: dict[str, Any]) -> int:
        batch = json.loads(json.dumps(payload))
        with self._lock:
            if self._refusing is not None:
                return self._refusing
            self._events.append(batch)
        return 202


class _InMemoryTransport:
    """One client's :class:`~premiere.sdk.transport.Transport` to an :class:`InMemoryServer`."""

    def __init__(self, server: InMemoryServer) -> None:
        self._server = server
        self._streams: set[queue.SimpleQueue[bytes | None]] = set()
        self._closed = False

    def fetch_document(self, etag: str | None) -> Fetched:
        self._check_open()
        return self._server._fetch(etag)

    @contextlib.contextmanager
    def open_stream(self, last_event_id: str | None) -> Iterator[StreamResponse]:
        self._check_open()
        refused = self._server._refused()
        if refused is not None:
            yield StreamResponse(refused, None, iter([_REFUSED[refused == 403]]))
            return
        stream = self._server._subscribe()
        self._streams.add(stream)
        try:
            yield StreamResponse(200, None, _chunks(stream))
        finally:
            self._streams.discard(stream)
            self._server._unsubscribe(stream)

    def post_events(self, payload: dict[str, Any]) -> tuple[int, float]:
        self._check_open()
        return self._server._receive(payload), 0.0

    def interrupt_streams(self) -> None:
        for stream in list(self._streams):
            stream.put(None)

    def close(self) -> None:
        self._closed = True
        self.interrupt_streams()

    def _check_open(self) -> None:
        if self._closed:
            raise TransportError("the transport is closed")


def _chunks(stream: queue.SimpleQueue[bytes | None]) -> Iterator[bytes]:
    while (chunk := stream.get()) is not None:
        yield chunk


def _event(name: str, data: Mapping[str, Any]) -> bytes:
    return f"event: {name}\nid: {data['version']}\ndata: {json.dumps(data)}\n\n".encode()


_REFUSED = (  # the bodies of a 401 and a 403
    b'{"error": {"code": "unauthorized", "message": "unknown or revoked token"}}',
    b'{"error": {"code": "forbidden", "message": "this token may not read flags"}}',
)
