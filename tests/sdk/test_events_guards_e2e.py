"""End to end: an SDK client evaluates a rolled-out flag against the real server, tracks
errors with ``flag=``, the server counts them per variation, and the release guards
read treatment and control arms from those counts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from premiere.api import create_app
from premiere.sdk import Client, Config
from premiere.services.people import tokens
from premiere.services.releases import guards
from premiere.services.releases.guard_stats import evaluate_guard
from premiere.services.sdk import events as event_service
from premiere.settings import Settings
from premiere.store import Store

from .support import wait_for

FLAG = "new-checkout"


class Server:
    def __init__(self, url: str, admin: str, store: Store) -> None:
        self.url = url
        self.store = store
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin}"})

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    store = Store.open(f"sqlite:///{tmp_path / 'premiere.db'}")
    admin = tokens.ensure_admin_token(store, None)
    assert admin is not None
    app = create_app(Settings(database_url="unused://"), store)
    uv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=uv.run)
    thread.start()
    wait_for(lambda: uv.started or not thread.is_alive(), timeout=10)
    port = uv.servers[0].sockets[0].getsockname()[1]
    server = Server(f"http://127.0.0.1:{port}", admin, store)
    yield server
    server.http.close()
    uv.should_exit = True
    thread.join(10)
    store.close()


def rolled_out_flag(server: Server) -> str:
    """demo/production with FLAG on, its fallthrough a 30/70 rollout; an sdk token."""
    api = server.http
    server.ok(api.post("/api/v1/projects", json={"key": "demo", "name": "Demo"}), 201)
    server.ok(api.post("/api/v1/projects/demo/environments", json={"key": "production"}), 201)
    server.ok(api.post("/api/v1/projects/demo/flags", json={"key": FLAG}), 201)
    path = f"/api/v1/projects/demo/flags/{FLAG}/environments/production"
    version = server.ok(api.get(path))["version"]
    rollout = {
        "bucket_by": "key",
        "variations": [{"variation": 0, "weight": 30_000}, {"variation": 1, "weight": 70_000}],
    }
    body = {"on": True, "fallthrough": {"rollout": rollout}}
    server.ok(api.patch(path, json=body, headers={"If-Match": f'"{version}"'}))
    token = {"name": "app", "scope": "sdk-server", "project": "demo", "environment": "production"}
    raw: str = server.ok(api.post("/api/v1/tokens", json=token), 201)["token"]
    return raw


def test_track_with_flag__live_server__guards_see_treatment_and_control(server: Server) -> None:
    token = rolled_out_flag(server)
    config = Config(
        sdk_key=token,
        base_url=server.url,
        streaming=False,
        poll_interval=60.0,
        start_wait=5.0,
        event_flush_interval=60.0,
    )
    served = {0: 0, 1: 0}
    errors = {0: 0, 1: 0}
    with Client(config) as client:
        assert client.is_ready()
        client.track("error", {"key": "warm-up"}, flag=FLAG)  # starts remembering FLAG
        for i in range(2000):
            context = {"key": f"user-{i}"}
            treatment = client.bool_variation(FLAG, context, False)
            variation = 0 if treatment else 1
            served[variation] += 1
            # The new code path fails for every 5th user, the old one for every 25th.
            if i % (5 if treatment else 25) == 0:
                client.track("error", context, flag=FLAG)
                errors[variation] += 1
        assert client.flush()

    rows = event_service.list_custom_events(server.store, "demo", "production", key="error")
    attributed = {(r["flag"], r["variation"]): r["count"] for r in rows}
    assert attributed == {(None, None): 1, (FLAG, 0): errors[0], (FLAG, 1): errors[1]}
    assert 450 < served[0] < 750 and errors[0] > 3 * errors[1] * served[0] / served[1]

    now = datetime.now(UTC)
    release = {"project": "demo", "environment": "production"}
    with server.store.read() as session:
        treatment_arm, control_arm, missing = guards.read_arms(
            session,
            release,
            {"metric": "errors", "aggregate": "rate"},
            FLAG,
            0,
            since=now - timedelta(hours=1),
            until=now + timedelta(minutes=2),
        )
    assert missing is None
    assert (treatment_arm.n, treatment_arm.total) == (served[0], errors[0])
    assert (control_arm.n, control_arm.total) == (served[1], errors[1])
    assert treatment_arm.mean > 3 * control_arm.mean
    parameters = guards.parameters_for({"max_regression": 0.1, "min_sample": 100})
    verdict = evaluate_guard(treatment_arm, control_arm, parameters).verdict
    assert verdict == "regressed"
