"""A bounded queue of server-sent-event frames for one SDK stream."""

from __future__ import annotations

import asyncio
from collections import deque

CLOSE = b""
"""The frame that tells the stream's writer to end the response."""


class Mailbox:
    """A bounded queue of frames for one reader: what ``asyncio.Queue`` does, minus what
    a fan-out to thousands of streams pays for and never uses (task accounting, a
    deque of getters, a putter side)."""

    __slots__ = ("_frames", "_limit", "_waiter")

    def __init__(self, limit: int) -> None:
        self._frames: deque[bytes] = deque()
        self._limit = max(1, limit)
        self._waiter: asyncio.Future[None] | None = None

    def put_nowait(self, data: bytes) -> None:
        """Add a frame, or ``asyncio.QueueFull`` when the reader is ``limit`` behind."""
        if len(self._frames) >= self._limit:
            raise asyncio.QueueFull
        self._frames.append(data)
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def empty(self) -> bool:
        return not self._frames

    def get_nowait(self) -> bytes:
        if not self._frames:
            raise asyncio.QueueEmpty
        return self._frames.popleft()

    async def get(self) -> bytes:
        """The next frame, waiting for one (a single reader at a time)."""
        while not self._frames:
            waiter = asyncio.get_running_loop().create_future()
            self._waiter = waiter
            try:
                await waiter
            finally:
                if self._waiter is waiter:
                    self._waiter = None
        return self._frames.popleft()

    def take_all(self) -> bytes:
        """Every frame queued, joined (empty when none)."""
        data = b"".join(self._frames)
        self._frames.clear()
        return data
