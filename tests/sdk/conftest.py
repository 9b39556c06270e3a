"""Fixtures: the loopback server stand-in, and a URL where nothing listens."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from .support import FakePremiere


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
