"""Fixtures of release communication's tests.

- Notes: the releases' project ``demo`` (flags ``checkout`` and ``banner``, segment
  ``staff``) and a release ``new-checkout`` whose plan goes staff, 5 %, 50 %, 100 %,
  with the code it needs deployed.
- Webhooks: a loopback HTTP receiver, a clock the tests move, and a project with a
  service to record deployments of."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from premiere.api import create_app
from premiere.services import Actor
from premiere.services.catalog import create_service
from premiere.services.communication.webhooks import create_webhook, webhook_addresses
from premiere.services.deployments.ledger import record_deployment
from premiere.services.people import tokens
from premiere.services.releases import records as releases
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running
from tests.releases.conftest import CREATOR, demo, release_data
from tests.releases.conftest import deploy as deploy_features

__all__ = ["demo", "release"]

SHA = "0123456789abcdef0123456789abcdef01234567"
LOOPBACK_SETTINGS = Settings(database_url="unused://", webhook_allowed_addresses=("127.0.0.1",))
LOOPBACK = webhook_addresses(LOOPBACK_SETTINGS)
"""The receivers here listen on loopback, which webhooks reach only when allowed."""


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """What a loopback server received; ``statuses`` are its answers in turn (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with state.lock:
                state.requests.append(
                    Received({k.lower(): v for k, v in self.headers.items()}, body)
                )
            status = state.answer()
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            state.arrived.set()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()


class Clock:
    """A clock the test moves; starts a minute after the wall clock's now, so that what
    the test records meanwhile is due."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def shop(store: Store, actor: Actor, project: str) -> str:
    """Project ``demo`` (staging, production) with service ``web``."""
    create_service(store, actor, project, {"key": "web"})
    return project


def subscribe(
    store: Store, actor: Actor, project: str, url: str, *events: str, **more: Any
) -> dict[str, Any]:
    return create_webhook(
        store,
        actor,
        project,
        {"url": url, "events": list(events or ["deployment.recorded"]), **more},
        LOOPBACK,
    )


def deploy(store: Store, actor: Actor, project: str, version: str = "1.0.0") -> dict[str, Any]:
    body = {"service": "web", "environment": "staging", "version": version, "commit_sha": SHA}
    view, _ = record_deployment(store, actor, project, body)
    return dict(view)


@pytest.fixture
def api(store: Store) -> Iterator[Api]:
    """The real app over ``store``, with an admin token."""
    admin_token = tokens.ensure_admin_token(store, None)
    assert admin_token is not None
    with running(create_app(LOOPBACK_SETTINGS, store)) as client:
        yield Api(client, store, admin_token)


@pytest.fixture
def release(store: Store, demo: str) -> dict[str, Any]:
    deploy_features(store, features=["checkout"])
    return releases.create_release(store, CREATOR, demo, release_data())
