"""Fixtures: the loopback server stand-in (for the client's HTTP behaviour), the in-memory
server (for everything else), and a URL where nothing listens."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from premiere.sdk.testing import InMemoryServer

from .support import FakePremiere, boolean_flag, make_document


@pytest.fixture
def server() -> Iterator[FakePremiere]:
    srv = FakePremiere()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    yield srv
    srv.cut_streams()
    srv.shutdown()
    srv.server_close()
    thread.join(2)


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def memory() -> InMemoryServer:
    """The document FakePremiere starts with: flag ``a`` serves True, ``b`` False."""
    return InMemoryServer(make_document(1, a=boolean_flag("a"), b=boolean_flag("b", serve=1)))


@pytest.fixture
def openfeature_reset() -> Iterator[None]:
    """Shuts OpenFeature's global API down after the test: providers, handlers and hooks."""
    yield
    from openfeature import api

    api.shutdown()
