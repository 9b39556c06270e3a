"""A real server on a free loopback port (uvicorn in a thread), for streaming and OFREP
tests, and a reader of server-sent events on top of ``httpx``."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from premiere.api import create_app
from premiere.api.sdk.broadcaster import BroadcastSettings
from premiere.api.sdk.stream import BROADCAST_SETTINGS
from premiere.console import install_console
from premiere.sdk.sse import Comment, ServerSentEvent, SSEParser
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import share_compiled


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    store: Store
    admin_token: str

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10, **kwargs)

    def admin(
        self, method: str, path: str, body: Any = None, status: int = 200, **headers: str
    ) -> Any:
        with self.client() as client:
            response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def token(
        self, scope: str, project: str | None = "demo", environment: str | None = "production"
    ) -> str:
        body = {"name": scope, "scope": scope, "project": project, "environment": environment}
        body = {k: v for k, v in body.items() if v is not None}
        return str(self.admin("POST", "/api/v1/tokens", body, 201)["token"])


@contextmanager
def serve(
    store: Store,
    *,
    admin_token: str | None = None,
    broadcast: BroadcastSettings | None = None,
    console: bool = False,
    **state: Any,
) -> Iterator[LiveServer]:
    """The app on ``store`` (with the web console installed, if asked, as ``premiere
    serve`` does), served on loopback until the block ends."""
    if admin_token is None:
        admin_token = tokens.ensure_admin_token(store, None) or ""
    assert admin_token, "the store already has tokens: pass admin_token"
    settings = Settings(database_url="unused://")
    app = create_app(settings, store)
    if console:
        install_console(app, settings)
    setattr(app.state, BROADCAST_SETTINGS, broadcast or BroadcastSettings(heartbeat_seconds=30))
    for name, value in state.items():
        setattr(app.state, name, value)
    share_compiled(app)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, store, admin_token)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


class EventReader:
    """Server-sent events from a streaming ``httpx`` response, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.parser = SSEParser()
        self._chunks = response.iter_raw()
        self._pending: deque[ServerSentEvent | Comment] = deque()

    def next(self) -> ServerSentEvent | Comment:
        while not self._pending:
            self._pending.extend(self.parser.feed(next(self._chunks)))
        return self._pending.popleft()

    def next_event(self) -> ServerSentEvent:
        """The next event, skipping heartbeats."""
        while True:
            item = self.next()
            if isinstance(item, ServerSentEvent):
                return item

    def next_json(self, kind: str) -> tuple[int, Any]:
        event = self.next_event()
        assert event.event == kind, event
        assert event.id is not None
        return int(event.id), json.loads(event.data)


@contextmanager
def open_stream(
    server: LiveServer, token: str, *, timeout: float = 5, **headers: str
) -> Iterator[EventReader]:
    with (
        httpx.Client(base_url=server.url, timeout=timeout) as client,
        client.stream(
            "GET", "/api/v1/sdk/stream", headers={"Authorization": f"Bearer {token}", **headers}
        ) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)
