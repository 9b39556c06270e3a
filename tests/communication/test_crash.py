"""The outbox is durable: a delivery committed with its change survives ``kill -9``
of the ``premiere serve`` that recorded it, and the next server sends it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from standardwebhooks import Webhook as Verifier

from tests.cli.conftest import NO_PREMIERE_ENV, free_port

from .conftest import SHA, Receiver

TOKEN = "prm_00000000000000ad_outbox-crash-admin-secret"
pytestmark = pytest.mark.slow


def _serve(database: Path, port: int, *args: str) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    environ |= {
        "PREMIERE_DATABASE_URL": f"sqlite:///{database}",
        "PREMIERE_PORT": str(port),
        "PREMIERE_ADMIN_TOKEN": TOKEN,
        "PREMIERE_SCHEDULER_INTERVAL": "0.2",
    }
    command = [sys.executable, "-m", "premiere.cli", "serve", *args]
    process = subprocess.Popen(
        command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("premiere serve did not start")


def test_kill_9_after_commit__delivered_by_the_next_server(
    tmp_path: Path, receiver: Receiver
) -> None:
    database = tmp_path / "premiere.db"
    port = free_port()
    first = _serve(database, port, "--no-scheduler")  # records, never sends
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    try:
        assert client.post("/projects", json={"key": "shop"}).status_code == 201
        assert client.post("/projects/shop/environments", json={"key": "prod"}).status_code == 201
        assert client.post("/projects/shop/services", json={"key": "web"}).status_code == 201
        hook = client.post(
            "/projects/shop/webhooks",
            json={"url": receiver.url, "events": ["deployment.recorded"]},
        ).json()
        deployment = {"service": "web", "environment": "prod", "version": "2.0.0",
                      "commit_sha": SHA}  # fmt: skip
        recorded = client.post("/projects/shop/deployments", json=deployment)
        assert recorded.status_code == 201
    finally:
        client.close()
        first.kill()  # SIGKILL: no shutdown code runs
        first.wait(timeout=10)
    assert receiver.requests == []

    second = _serve(database, port)
    try:
        assert receiver.arrived.wait(timeout=30), "the outbox row was not delivered"
        [request] = receiver.requests
        payload = Verifier(hook["secret"]).verify(request.body, request.headers)
        assert payload["type"] == "deployment.recorded"
        assert payload["data"]["resource_key"] == str(recorded.json()["id"])
    finally:
        second.terminate()
        second.wait(timeout=15)
