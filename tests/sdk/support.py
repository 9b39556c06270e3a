"""Test support: a Premiere server stand-in on loopback (stdlib http.server), and flag documents.

It speaks the SDK endpoints the way docs/api.md describes them: the flag document with
ETag / If-None-Match, the server-sent-event stream (a document on connect, then what a
test pushes), and the events endpoint. Tests switch it into failure modes.
"""

from __future__ import annotations

import copy
import json
import queue
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SDK_KEY = "prm_test_secret"


def boolean_flag(key: str, *, on: bool = True, serve: int = 0, **extra: Any) -> dict[str, Any]:
    flag: dict[str, Any] = {
        "key": key,
        "kind": "boolean",
        "version": 1,
        "salt": f"{key}-salt",
        "client_visible": False,
        "variations": [{"value": True, "name": "on"}, {"value": False, "name": "off"}],
        "on": on,
        "off_variation": 1,
        "prerequisites": [],
        "targets": [],
        "rules": [],
        "fallthrough": {"variation": serve},
    }
    flag.update(extra)
    return flag


def rule_rollout_flag(key: str = "new-checkout") -> dict[str, Any]:
    """plan in [enterprise] -> true; otherwise a 25 % rollout by key."""
    return boolean_flag(
        key,
        rules=[
            {
                "id": "enterprise",
                "clauses": [
                    {"attribute": "plan", "op": "in", "values": ["enterprise"], "negate": False}
                ],
                "serve": {"variation": 0},
            }
        ],
        fallthrough={
            "rollout": {
                "bucket_by": "key",
                "variations": [
                    {"variation": 0, "weight": 25000},
                    {"variation": 1, "weight": 75000},
                ],
            }
        },
    )


def string_flag(key: str, values: list[str], serve: int = 0) -> dict[str, Any]:
    flag = boolean_flag(key, serve=serve)
    flag["kind"] = "string"
    flag["variations"] = [{"value": v} for v in values]
    flag["off_variation"] = len(values) - 1
    return flag


def number_flag(key: str, values: list[float], serve: int = 0) -> dict[str, Any]:
    flag = string_flag(key, [], serve)
    flag["kind"] = "number"
    flag["variations"] = [{"value": v} for v in values]
    flag["off_variation"] = len(values) - 1
    return flag


def make_document(version: int = 1, **flags: dict[str, Any]) -> dict[str, Any]:
    return {
        "project": "demo",
        "environment": "production",
        "version": version,
        "flags": {f["key"]: f for f in flags.values()},
        "segments": {},
    }


class FakePremiere(ThreadingHTTPServer):
    """State shared by the handler threads; tests set the modes and read the records."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.document: dict[str, Any] = make_document(
            1, a=boolean_flag("a"), b=boolean_flag("b", serve=1)
        )
        # ok | no-etag | garbage | truncated | not-an-object | 401 | 403 | 500
        self.flags_mode = "ok"
        self.stream_mode = "ok"  # ok | 404 | 501 | 401 | 429 | 503
        self.retry_after: str | None = None  # Retry-After of a refused stream
        self.events_status = 202
        self.events_retry_after: str | None = None  # Retry-After of a refused batch
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.arrived: list[tuple[str, float]] = []  # path, time.monotonic() on arrival
        self.events: list[dict[str, Any]] = []
        self.streams: list[queue.Queue[bytes | None]] = []
        self.heartbeat = 0.05

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def set_document(self, doc: dict[str, Any]) -> None:
        with self.lock:
            self.document = copy.deepcopy(doc)

    def push(self, event: str, data: Any, event_id: int | None = None) -> None:
        """Send one event to every open stream."""
        lines = f"event: {event}\n"
        if event_id is not None:
            lines += f"id: {event_id}\n"
        payload = data if isinstance(data, str) else json.dumps(data)
        lines += "".join(f"data: {line}\n" for line in payload.split("\n")) + "\n"
        for q in list(self.streams):
            q.put(lines.encode())

    def cut_streams(self) -> None:
        for q in list(self.streams):
            q.put(None)

    def count(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, p, _ in self.requests if p == path)

    def arrivals(self, path: str) -> list[float]:
        """When each request for ``path`` arrived (``time.monotonic()``), oldest first."""
        with self.lock:
            return [t for p, t in self.arrived if p == path]

    def headers_of(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [h for _, p, h in self.requests if p == path]


class _Handler(BaseHTTPRequestHandler):
    server: FakePremiere
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> bool:
        with self.server.lock:
            self.server.requests.append((self.command, self.path, dict(self.headers.items())))
            self.server.arrived.append((self.path, time.monotonic()))
        return self.headers.get("Authorization") == f"Bearer {SDK_KEY}"

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        authorized = self._record()
        if not authorized:
            self._send(401, b'{"error": {"code": "unauthorized"}}')
        elif self.path == "/api/v1/sdk/flags":
            self._flags()
        elif self.path == "/api/v1/sdk/stream":
            self._stream()
        else:
            self._send(404)

    def do_POST(self) -> None:
        self._record()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/api/v1/sdk/events":
            if self.server.events_status < 300:
                with self.server.lock:
                    self.server.events.append(json.loads(body))
            retry_after = self.server.events_retry_after
            self._send(
                self.server.events_status,
                headers={"Retry-After": retry_after} if retry_after else None,
            )
        else:
            self._send(404)

    def _flags(self) -> None:
        mode = self.server.flags_mode
        if mode in ("401", "403", "500"):
            self._send(int(mode), b"{}")
            return
        with self.server.lock:
            doc = self.server.document
            body = json.dumps(doc).encode()
        etag = f'"{doc["version"]}"'
        if mode == "garbage":
            body = b"<html>502 Bad Gateway</html>"
        elif mode == "truncated":
            body = body[: len(body) // 2]
        elif mode == "not-an-object":
            body = b"[1, 2, 3]"
        if mode == "no-etag":
            self._send(200, body, {"Content-Type": "application/json"})
            return
        if mode == "ok" and self.headers.get("If-None-Match") == etag:
            self._send(304, headers={"ETag": etag})
            return
        self._send(200, body, {"ETag": etag, "Content-Type": "application/json"})

    def _stream(self) -> None:
        mode = self.server.stream_mode
        if mode != "ok":
            retry_after = self.server.retry_after
            self._send(int(mode), b"{}", {"Retry-After": retry_after} if retry_after else None)
            return
        q: queue.Queue[bytes | None] = queue.Queue()
        self.server.streams.append(q)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            with self.server.lock:
                doc = self.server.document
            self.wfile.write(
                f"event: document\nid: {doc['version']}\ndata: {json.dumps(doc)}\n\n".encode()
            )
            self.wfile.flush()
            while True:
                try:
                    item = q.get(timeout=self.server.heartbeat)
                except queue.Empty:
                    item = b": heartbeat\n\n"
                if item is None:
                    return
                self.wfile.write(item)
                self.wfile.flush()
        except OSError:
            return
        finally:
            self.server.streams.remove(q)


def wait_for(condition: Callable[[], object], timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)
