"""Fixtures: the real app over the real store (SQLite, and PostgreSQL marked), a project
with three environments and a service, and small real servers on loopback for checks."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from premiere.api import create_app
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    settings = Settings(database_url="unused://", max_body_bytes=1_048_576)
    with running(create_app(settings, store)) as client:
        yield Api(client, store, admin_token)


@pytest.fixture
def shop(api: Api) -> Api:
    """Project ``shop``: development, staging, production; service ``web``."""
    api.project("shop", ("development", "staging", "production"))
    api.ok(api.post("/api/v1/projects/shop/services", {"key": "web"}), 201)
    return api


def record(
    api: Api,
    environment: str = "staging",
    version: str = "1.0.0",
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    **more: Any,
) -> Any:
    body = {"service": "web", "environment": environment, "version": version, "commit_sha": SHA}
    return api.post(
        "/api/v1/projects/shop/deployments", {**body, **more}, token=token, headers=headers or {}
    )


def deploy(api: Api, environment: str = "staging", version: str = "1.0.0", **more: Any) -> Any:
    """Record a deployment and finish it successfully (no checks: verified at once)."""
    view = api.ok(record(api, environment, version, **more), 201)
    finished = api.post(
        f"/api/v1/projects/shop/deployments/{view['id']}/finish?wait=10", {"outcome": "succeeded"}
    )
    return api.ok(finished)


class Probe(http.server.BaseHTTPRequestHandler):
    """Answers ``/ok`` 200 JSON, ``/down`` 503, ``/flaky`` 503 then 200."""

    hits: dict[str, int] = {}

    def do_GET(self) -> None:
        count = Probe.hits[self.path] = Probe.hits.get(self.path, 0) + 1
        status = 200
        if self.path == "/down" or (self.path == "/flaky" and count < 3):
            status = 503
        body = b'{"status": {"db": "ok"}, "version": "1.0.0"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def probe() -> Iterator[str]:
    """A real HTTP server on loopback; its base URL."""
    Probe.hits = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield listener.getsockname()[1]
    listener.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port
