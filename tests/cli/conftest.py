"""A real Premiere server on loopback (uvicorn in a thread) and a CLI runner against it.

The server runs on a SQLite file seeded with the demo project and a known admin
token; it lives for the whole session, so tests that change data use keys of their
own and never edit what other tests read.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner, Result

from premiere.api.app import create_app
from premiere.cli.main import cli
from premiere.cli.server.demo import seed_demo
from premiere.services.people.tokens import ensure_admin_token
from premiere.settings import Settings
from premiere.store import Store

ADMIN_TOKEN = "prm_00000000000000ad_cli-test-admin-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    database_url: str
    store: Store


class _ThreadedServer:
    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('server') / 'premiere.db'}"
    store = Store.open(database_url)
    ensure_admin_token(store, ADMIN_TOKEN)
    seed_demo(store)
    port = free_port()
    settings = Settings(database_url=database_url, port=port, admin_token=ADMIN_TOKEN)
    server = _ThreadedServer(create_app(settings, store), port)
    server.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database_url, store)
    finally:
        server.stop()
        store.close()


class Cli:
    """Runs `premiere ...` in-process with PREMIERE_URL/PREMIERE_TOKEN set for the server."""

    def __init__(self, env: Mapping[str, str | None]) -> None:
        self.env = dict(env)

    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), input=input, env={**self.env, **env},
                             catch_exceptions=False)  # fmt: skip

    def ok(self, *args: str, **env: str | None) -> Result:
        result = self(*args, **env)
        assert result.exit_code == 0, (result.stdout, result.stderr)
        return result


NO_PREMIERE_ENV = {
    name: None
    for name in (
        "PREMIERE_URL", "PREMIERE_TOKEN", "PREMIERE_PROJECT", "PREMIERE_DATABASE_URL",
        "PREMIERE_ADMIN_TOKEN", "PREMIERE_HOST", "PREMIERE_PORT", "COLUMNS",
    )
}  # fmt: skip


@pytest.fixture
def run(live_server: LiveServer) -> Cli:
    """`premiere` against the live server with the admin token, in the demo project."""
    env = {
        "PREMIERE_URL": live_server.url,
        "PREMIERE_TOKEN": ADMIN_TOKEN,
        "PREMIERE_PROJECT": "demo",
    }
    return Cli({**NO_PREMIERE_ENV, **env})


@pytest.fixture
def run_local(tmp_path: Path) -> Cli:
    """`premiere` with no server and no token, on a database of its own."""
    return Cli({**NO_PREMIERE_ENV, "PREMIERE_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"})


# -- a service to verify: /health answers 200, /slow too after 2 s, /broken 503 -----------


class _Probe(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(2)
            self.path = "/health"
        status, body = (200, b'{"status": "ok"}') if self.path == "/health" else (503, b"down")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def probe() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Probe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- CI variables a pipeline step sees ----------------------------------------------------


def github(run_id: str, attempt: str = "1") -> dict[str, str | None]:
    return {
        "GITHUB_RUN_ID": run_id,
        "GITHUB_RUN_ATTEMPT": attempt,
        "GITHUB_JOB": "deploy",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_SERVER_URL": "https://github.com",
    }
