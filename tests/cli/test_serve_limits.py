"""`premiere serve` under a low file-descriptor limit: SDK streams stop at what the limit
leaves room for, and health checks, the admin API and OFREP keep being answered."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from premiere.api.sdk.stream_limits import stream_capacity

from .conftest import NO_PREMIERE_ENV, free_port

ADMIN = "prm_0123456789abcdef_limits-secret"
DESCRIPTORS = 256


def _low_descriptor_limit() -> None:  # in the child, before it runs Python
    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTORS, DESCRIPTORS))


@contextlib.contextmanager
def _served(database: Path) -> Iterator[str]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in NO_PREMIERE_ENV}
    environ |= {
        "PREMIERE_DATABASE_URL": f"sqlite:///{database}",
        "PREMIERE_PORT": str(port),
        "PREMIERE_ADMIN_TOKEN": ADMIN,
        "PREMIERE_STREAM_MAX_PER_CLIENT": "0",
        "PREMIERE_LOG_LEVEL": "critical",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "premiere.cli", "serve", "--demo", "--no-scheduler"],
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_low_descriptor_limit,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None and time.monotonic() < deadline, "serve did not start"
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            time.sleep(0.05)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


def _stream_status(port: int, token: str) -> tuple[int, socket.socket]:
    """Ask for a stream on a raw connection; the status code and the open connection."""
    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
    request = (
        "GET /api/v1/sdk/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\n\r\n"
    )
    connection.sendall(request.encode())
    head = b""
    while b"\r\n" not in head:
        chunk = connection.recv(1024)
        assert chunk, "the server closed the connection without an answer"
        head += chunk
    return int(head.split(b" ", 2)[1]), connection


@pytest.mark.slow
def test_serve__more_streams_than_descriptors_allow__503_and_everything_else_answers(
    tmp_path: Path,
) -> None:
    capacity = stream_capacity(10_000, DESCRIPTORS)
    admin = {"Authorization": f"Bearer {ADMIN}"}
    with _served(tmp_path / "p.db") as url, contextlib.ExitStack() as held:
        port = int(url.rsplit(":", 1)[1])
        body = {
            "name": "app",
            "scope": "sdk-server",
            "project": "demo",
            "environment": "production",
        }
        created = httpx.post(f"{url}/api/v1/tokens", json=body, headers=admin, timeout=10)
        token = created.json()["token"]

        # When an application fleet asks for more streams than the descriptors allow
        statuses = []
        for _ in range(DESCRIPTORS + 50):
            status, connection = _stream_status(port, token)
            statuses.append(status)
            if status == 200:
                held.callback(connection.close)  # the stream stays open
            else:
                connection.close()

        # Then the streams stop at the capacity, and everything else is still answered
        sdk = {"Authorization": f"Bearer {token}"}
        health = httpx.get(f"{url}/healthz", timeout=10)
        projects = httpx.get(f"{url}/api/v1/projects", headers=admin, timeout=10)
        ofrep = httpx.post(f"{url}/ofrep/v1/evaluate/flags", json={}, headers=sdk, timeout=10)

    assert capacity == (DESCRIPTORS - 128) * 3 // 4
    assert statuses.count(200) == capacity
    assert set(statuses[capacity:]) == {503}
    assert health.status_code == 200
    assert [p["key"] for p in projects.json()] == ["demo"]
    assert ofrep.status_code == 200 and ofrep.json()["flags"]
