"""`premiere serve`'s transport: what one turn of the event loop writes leaves as one
write (cli/server/coalescing.py)."""

from __future__ import annotations

import asyncio

from premiere.cli.server.coalescing import CoalescingTransport


class Socket:
    """A transport that records its writes."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str) -> str:
        return f"info:{name}"


def test_coalescing__headers_then_body_in_one_turn__one_write_at_the_end_of_the_turn() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes]]:
        socket = Socket()
        transport = CoalescingTransport(socket, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
        transport.write(b"{}")
        during = list(socket.writes)
        await asyncio.sleep(0)  # the end of the turn
        return during, socket.writes

    during, after = asyncio.run(scenario())

    assert during == []
    assert after == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"]


def test_coalescing__close__pending_bytes_written_first() -> None:
    async def scenario() -> Socket:
        socket = Socket()
        transport = CoalescingTransport(socket, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"a")
        transport.write(b"b")
        transport.close()
        await asyncio.sleep(0)
        return socket

    socket = asyncio.run(scenario())

    assert (socket.writes, socket.closed) == ([b"ab"], True)


def test_coalescing__connection_closing__pending_bytes_dropped_other_calls_passed_on() -> None:
    async def scenario() -> tuple[Socket, str]:
        socket = Socket()
        transport = CoalescingTransport(socket, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"a")
        socket.closed = True  # the peer went away
        await asyncio.sleep(0)
        return socket, transport.get_extra_info("peername")

    socket, info = asyncio.run(scenario())

    assert socket.writes == []
    assert info == "info:peername"
