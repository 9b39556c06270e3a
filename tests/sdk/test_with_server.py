"""The client against the real Premiere server (uvicorn on loopback, SQLite store)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from premiere.api import create_app
from premiere.sdk import Client, Config, DataSourceState
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store

from .support import wait_for

FLAGS = "/api/v1/sdk/flags"


class Live:
    def __init__(self, url: str, admin_token: str, answered: list[tuple[str, int]]) -> None:
        self.url = url
        self.admin_token = admin_token
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_token}"})
        self.answered = answered  # (path, status) of each answer the server started

    def count(self, path: str, status: int) -> int:
        return sum(1 for p, s in list(self.answered) if (p, s) == (path, status))

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None


def recording(app: ASGIApp, answered: list[tuple[str, int]]) -> ASGIApp:
    """``app``, noting the path and status of each HTTP answer it starts."""

    async def record(scope: Scope, receive: Receive, send: Send) -> None:
        async def noting(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered.append((scope["path"], message["status"]))
            await send(message)

        await app(scope, receive, noting if scope["type"] == "http" else send)

    return record


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    store = Store.open(f"sqlite:///{tmp_path / 'premiere.db'}")
    admin = tokens.ensure_admin_token(store, None)
    assert admin is not None
    answered: list[tuple[str, int]] = []
    app = recording(create_app(Settings(database_url="unused://"), store), answered)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run)
    thread.start()
    wait_for(lambda: server.started or not thread.is_alive(), timeout=10)
    port = server.servers[0].sockets[0].getsockname()[1]
    live = Live(f"http://127.0.0.1:{port}", admin, answered)
    yield live
    live.http.close()
    server.should_exit = True
    thread.join(10)
    store.close()


def test_live_server__flag_turned_on__client_sees_it_and_listener_fires(live: Live) -> None:
    api = live.http
    live.ok(api.post("/api/v1/projects", json={"key": "demo", "name": "Demo"}), 201)
    live.ok(api.post("/api/v1/projects/demo/environments", json={"key": "production"}), 201)
    live.ok(api.post("/api/v1/projects/demo/flags", json={"key": "new-checkout"}), 201)
    token = live.ok(
        api.post(
            "/api/v1/tokens",
            json={
                "name": "app",
                "scope": "sdk-server",
                "project": "demo",
                "environment": "production",
            },
        ),
        201,
    )["token"]
    changes: list[frozenset[str]] = []
    config = Config(
        sdk_key=token,
        base_url=live.url,
        streaming=False,
        poll_interval=0.1,
        start_wait=5.0,
        reconnect_delay=0.05,
    )
    with Client(config) as client:
        assert client.status().state is DataSourceState.VALID
        detail = client.variation_detail("new-checkout", {"key": "u1"}, None)
        assert (detail.value, detail.reason) == (False, "OFF")
        client.on_change(changes.append)

        path = "/api/v1/projects/demo/flags/new-checkout/environments/production"
        version = live.ok(api.get(path))["version"]
        live.ok(api.patch(path, json={"on": True}, headers={"If-Match": f'"{version}"'}))
        wait_for(lambda: client.bool_variation("new-checkout", {"key": "u1"}, False), timeout=5)
        assert changes and "new-checkout" in changes[-1]
        # A few more polls, answered 304 from the ETag, keep the document valid.
        unchanged = live.count(FLAGS, 304)
        wait_for(lambda: live.count(FLAGS, 304) >= unchanged + 3, timeout=5)
        assert client.status().state is DataSourceState.VALID
        assert client.bool_variation("new-checkout", {"key": "u1"}, False) is True


def test_live_server__revoked_key__last_known_flags_kept(live: Live) -> None:
    api = live.http
    live.ok(api.post("/api/v1/projects", json={"key": "demo", "name": "Demo"}), 201)
    live.ok(api.post("/api/v1/projects/demo/environments", json={"key": "production"}), 201)
    live.ok(api.post("/api/v1/projects/demo/flags", json={"key": "f"}), 201)
    created = live.ok(
        api.post(
            "/api/v1/tokens",
            json={
                "name": "app",
                "scope": "sdk-server",
                "project": "demo",
                "environment": "production",
            },
        ),
        201,
    )
    config = Config(
        sdk_key=created["token"],
        base_url=live.url,
        streaming=False,
        poll_interval=0.05,
        events=False,
    )
    with Client(config) as client:
        live.ok(api.delete(f"/api/v1/tokens/{created['id']}"), 200)
        wait_for(lambda: client.status().state is DataSourceState.REFUSED, timeout=5)
        assert "(401)" in (client.status().last_error or "")
        assert client.variation_detail("f", {"key": "u"}, None).reason == "OFF"


@pytest.mark.parametrize("streaming", [False, True], ids=["polling", "streaming"])
def test_live_server__admin_token_as_sdk_key__status_gives_the_servers_reason(
    live: Live, streaming: bool
) -> None:
    refused = live.http.get(FLAGS)  # what the server says to an admin token without a project
    assert refused.status_code >= 400
    error = refused.json()["error"]
    config = Config(
        sdk_key=live.admin_token,
        base_url=live.url,
        streaming=streaming,
        poll_interval=0.05,
        events=False,
    )
    with Client(config) as client:
        wait_for(lambda: error["message"] in (client.status().last_error or ""), timeout=5)
        last_error = client.status().last_error or ""
    assert f"answered {refused.status_code} ({error['code']}: " in last_error
