"""One write per response: uvicorn's httptools protocol over a transport that coalesces.

uvicorn writes a response's status line and headers when the application sends
``http.response.start``, and its body when it sends ``http.response.body``: two socket
writes, two TCP segments and two wake-ups of the client for every small answer. The
SDK hot paths (an OFREP evaluation, a flag document's 304) answer both messages in one
turn of the event loop, so :class:`CoalescingTransport` keeps what is written during a
turn and hands it to the socket as one write at the end of that turn (``call_soon``):
the same bytes, in the same order, one system call. Closing writes what is pending
first. ``premiere serve`` uses :class:`CoalescingHttpToolsProtocol` when httptools is
installed (it is with ``premiere[server]``; importing this module fails without it),
uvicorn's default protocol otherwise.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """A transport whose writes during one turn of the event loop leave as one."""

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)

    def flush(self) -> None:
        """Write what is pending now (nothing if the connection is closing)."""
        pending, self._pending = self._pending, []
        if pending and not self._transport.is_closing():
            self._transport.write(b"".join(pending))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through a :class:`CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing = CoalescingTransport(transport, asyncio.get_running_loop())
        super().connection_made(coalescing)  # type: ignore[arg-type]
