"""What every verification check is held to: a bounded body, a total deadline, targets
that are not link-local or metadata addresses, a minimal environment for commands, and
``?wait=`` that holds no worker thread. Real servers on loopback, small bounds."""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest

from premiere.api import create_app
from premiere.services.deployments.network import AddressPolicy
from premiere.services.deployments.probes import CheckLimits, command_environment
from premiere.services.deployments.verification import run_check
from premiere.services.people import tokens
from premiere.settings import Settings
from premiere.store import Store
from tests.api.support import Api, running

from .conftest import record

BASE = "/api/v1/projects/shop"


class RawServer:
    """A loopback TCP server answering each connection with ``answer(connection)``."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.sent = 0
        self.received: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                self.received.append(connection.recv(65536))
                with contextlib.suppress(OSError):  # the check hung up: that is the point
                    self.answer(self, connection)

    def send(self, connection: socket.socket, data: bytes) -> None:
        connection.sendall(data)
        self.sent += len(data)

    def close(self) -> None:
        self.listener.close()


def _huge(server: RawServer, connection: socket.socket) -> None:
    """200 OK, then up to 64 MiB of body with no Content-Length."""
    server.send(connection, b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    chunk = b"x" * 65536
    for _ in range(1024):
        server.send(connection, chunk)


def _huge_declared(server: RawServer, connection: socket.socket) -> None:
    server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\n\r\n")
    server.send(connection, b"x" * 65536)


def _slow_drip(server: RawServer, connection: socket.socket) -> None:
    """A body of 100 bytes, one every 50 ms (5 s in all; each read gets a byte in time)."""
    server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
    for _ in range(100):
        server.send(connection, b"x")
        time.sleep(0.05)


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[RawServer] = []

    def start(answer: Any) -> RawServer:
        servers.append(RawServer(answer))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def http_check(url: str, **more: Any) -> dict[str, Any]:
    return {"key": "health", "kind": "http", "url": url, "timeout_seconds": 5, **more}


def test_http_check__huge_body__failed_after_reading_at_most_the_limit(serve: Any) -> None:
    server = serve(_huge)

    result = run_check(http_check(server.url, body_contains="ok"), CheckLimits(100_000))

    assert result["status"] == "failed"
    assert result["reason"] == "the body is larger than 100000 bytes"
    assert server.sent < 16 * 1024 * 1024  # it hung up long before the 64 MiB


def test_http_check__declared_length_over_limit__failed_without_reading(serve: Any) -> None:
    server = serve(_huge_declared)

    result = run_check(http_check(server.url, body_contains="ok"), CheckLimits(1000))

    assert result["reason"] == "the body is larger than 1000 bytes"


def test_http_check__slow_drip__failed_at_the_total_deadline(serve: Any) -> None:
    server = serve(_slow_drip)
    started = time.monotonic()

    result = run_check(http_check(server.url, body_contains="x", timeout_seconds=0.5))

    assert result["status"] == "failed"
    assert result["reason"] == "no answer within 0.5 s"
    assert time.monotonic() - started < 1.5  # the drip lasts 5 s


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.10.20:8080/",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/computeMetadata/v1/",
    ],
)
def test_http_check__link_local_or_metadata_target__refused(url: str) -> None:
    result = run_check(http_check(url, timeout_seconds=0.5))

    assert result["status"] == "failed"
    assert result["reason"].startswith("refused: "), result["reason"]
    assert "PREMIERE_CHECK_ALLOWED_ADDRESSES" in result["reason"]


def test_http_check__name_resolving_to_metadata__refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        assert host == "innocent.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    result = run_check(http_check("http://innocent.example/health"))

    assert result["reason"].startswith(
        "refused: innocent.example resolves to 169.254.169.254, a link-local"
    )


def test_http_check__resolver_hangs__failed_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    release = threading.Event()
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: release.wait(10) and [])
    started = time.monotonic()
    try:
        result = run_check(http_check("http://slow.example/", timeout_seconds=0.3))
    finally:
        release.set()

    assert result["reason"] == "no answer within 0.3 s"
    assert time.monotonic() - started < 1.5


def test_address_policy__allow_list__names_addresses_networks_and_hosts() -> None:
    metadata = [ipaddress.ip_address("169.254.169.254")]
    policy = AddressPolicy(("169.254.169.254", "fe80::/10", "metadata.google.internal"))

    assert policy.refusal("x.internal", metadata) is None
    assert policy.refusal("y", [ipaddress.ip_address("fe80::7")]) is None
    assert policy.refusal("metadata.google.internal", []) is None
    assert policy.refusal("z", [ipaddress.ip_address("169.254.1.1")]) is not None
    assert AddressPolicy().refusal("x", [ipaddress.ip_address("127.0.0.1")]) is None
    assert AddressPolicy().refusal("x", [ipaddress.ip_address("10.0.0.8")]) is None


def test_http_check__loopback__allowed(serve: Any) -> None:
    server = serve(lambda s, c: s.send(c, b"HTTP/1.1 204 No Content\r\n\r\n"))

    assert run_check(http_check(server.url, expected_status=204))["status"] == "passed"


def test_command_check__server_secrets__not_in_its_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PREMIERE_ADMIN_TOKEN", "prm_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "also-secret")
    code = (
        "import os, sys; leaked = [k for k in os.environ if 'SECRET' in k or "
        "k.startswith('PREMIERE_')]; print(leaked); sys.exit(1 if leaked else 0)"
    )

    result = run_check({"key": "env", "kind": "command", "argv": [sys.executable, "-c", code]})

    assert result["status"] == "passed", result["reason"]
    assert command_environment({"PATH": "/bin", "PREMIERE_ADMIN_TOKEN": "x"}) == {"PATH": "/bin"}


def test_command_check__huge_output__reason_keeps_the_tail() -> None:
    code = "import sys; sys.stdout.write('a' * 5_000_000 + 'the end'); sys.exit(2)"

    result = run_check({"key": "loud", "kind": "command", "argv": [sys.executable, "-c", code]})

    assert result["exit_code"] == 2
    assert result["reason"].endswith("the end") and len(result["reason"]) < 600


def test_settings__check_limits__read_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "PREMIERE_CHECK_MAX_BODY_BYTES": "2048",
            "PREMIERE_CHECK_ALLOWED_ADDRESSES": " 169.254.169.254, metadata.internal ,",
        }
    )

    assert settings.check_max_body_bytes == 2048
    assert settings.check_allowed_addresses == ("169.254.169.254", "metadata.internal")
    assert Settings.from_env({}).check_max_body_bytes == 1_048_576


def test_finish_wait__checks_running__holds_no_worker_thread(shop: Api, serve: Any) -> None:
    # Given a check whose target answers only when told to
    arrived, answer = threading.Event(), threading.Event()

    def held(server: RawServer, connection: socket.socket) -> None:
        arrived.set()
        answer.wait(10)
        server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    server = serve(held)
    shop.ok(shop.post(f"{BASE}/services/web/checks", http_check(server.url)), 201)
    view = shop.ok(record(shop), 201)
    # When the pipeline finishes and waits for the outcome
    outcome: dict[str, Any] = {}
    url = f"{BASE}/deployments/{view['id']}/finish?wait=10"
    waiter = threading.Thread(
        target=lambda: outcome.update(response=shop.post(url, {"outcome": "succeeded"}))
    )
    waiter.start()
    assert arrived.wait(10)
    # Then no worker thread is held while it waits
    portal = shop.client.portal
    borrowed = portal.call(lambda: anyio.to_thread.current_default_thread_limiter().borrowed_tokens)
    answer.set()
    waiter.join(10)
    assert borrowed == 0
    assert outcome["response"].status_code == 200
    assert outcome["response"].json()["status"] == "succeeded"


def test_http_check__post__sends_empty_body_and_user_agent(serve: Any) -> None:
    def answer(server: RawServer, connection: socket.socket) -> None:
        server.send(connection, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = serve(answer)

    result = run_check(http_check(server.url, method="POST", body_contains="ok"))

    assert result["status"] == "passed", result["reason"]
    head = server.received[0].lower()
    assert b"content-length: 0" in head and b"user-agent: premiere-verification" in head


def test_finish__body_over_the_configured_limit__deployment_failed(
    store: Store, serve: Any
) -> None:
    # Given a server configured to read at most 1000 bytes of a check's answer
    admin = tokens.ensure_admin_token(store, None)
    assert admin is not None
    settings = Settings(database_url="unused://", check_max_body_bytes=1000)
    server = serve(_huge)
    with running(create_app(settings, store)) as client:
        api = Api(client, store, admin)
        api.project("shop", ("staging",))
        api.ok(api.post("/api/v1/projects/shop/services", {"key": "web"}), 201)
        check = http_check(server.url, body_contains="ok")
        api.ok(api.post(f"{BASE}/services/web/checks", check), 201)
        view = api.ok(record(api), 201)
        # When a deployment finishes against a target with a 64 MiB answer
        url = f"{BASE}/deployments/{view['id']}/finish?wait=10"
        done = api.ok(api.post(url, {"outcome": "succeeded"}))

    # Then it failed on the body's size
    assert done["status"] == "failed"
    [result] = done["verification"]["checks"]
    assert result["reason"] == "the body is larger than 1000 bytes"


def test_http_check__international_host__looked_up_in_idna(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str] = []

    def resolve(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        raise socket.gaierror(-2, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)

    result = run_check(http_check("http://ünï.example/health"))

    assert asked == ["xn--n-nga1b.example"]
    assert result["reason"].startswith("request failed: cannot resolve xn--n-nga1b.example")
