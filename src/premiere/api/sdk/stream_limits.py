"""How many SDK streams a server process holds: per client address, and in total.

A stream holds a connection, and with it a file descriptor, for as long as the
application runs. One SDK key is shared by a whole fleet, so streams are counted by
the address they come from (``scope["client"]``: the peer, or the address a trusted
proxy forwarded) and in total, not by key. Past the per-address limit a new stream is
refused with 429 ``rate_limited``; past the total, with 503 ``capacity_reached``; both
with ``Retry-After``. The total never exceeds three quarters of what the process's
file-descriptor limit leaves after :data:`RESERVED_DESCRIPTORS`, so that health checks,
the admin API and OFREP always find a descriptor when streams are at their limit.

Counting happens on the event loop (acquire in the route, release when the response
ends), so it needs no lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from premiere.errors import CapacityReachedError, RateLimitedError

STREAM_LIMITS = "stream_limits"
"""``app.state`` attribute: :class:`StreamLimits` for the app (defaults if unset)."""

RETRY_AFTER_SECONDS = 30
"""``Retry-After`` of a refused stream: SDKs keep their flags meanwhile."""

RESERVED_DESCRIPTORS = 128
"""File descriptors never counted on for connections: the database pool, log files,
the listening socket, the event loop's own."""


@dataclass(frozen=True)
class StreamLimits:
    max_per_client: int = 1_000
    """Streams one client address may hold at once; 0 switches this limit off."""
    max_total: int = 10_000
    """Streams the process holds at once (lowered to fit the file-descriptor limit)."""


def stream_capacity(max_total: int, descriptor_limit: int | None) -> int:
    """The total stream limit: ``max_total``, or less when the process may not open
    enough file descriptors to hold that many streams beside everything else."""
    if descriptor_limit is None:
        return max_total
    return max(1, min(max_total, connection_capacity(descriptor_limit) * 3 // 4))


def connection_capacity(descriptor_limit: int) -> int:
    """Connections the process can hold with ``descriptor_limit`` file descriptors."""
    return max(1, descriptor_limit - RESERVED_DESCRIPTORS)


def descriptor_limit() -> int | None:
    """The process's (soft) limit on open file descriptors; ``None`` when unlimited or
    unknown."""
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


class StreamSlots:
    """The streams held, by client address and in total."""

    def __init__(self, limits: StreamLimits, descriptors: int | None) -> None:
        self.max_per_client = limits.max_per_client
        self.max_total = stream_capacity(limits.max_total, descriptors)
        self.total = 0
        self.by_client: dict[str, int] = {}

    def acquire(self, client: str) -> StreamSlot:
        """A slot for one more stream from ``client``, or the error refusing it."""
        held = self.by_client.get(client, 0)
        if self.max_per_client and held >= self.max_per_client:
            raise RateLimitedError(
                f"{client} already holds {held} SDK streams, the most one address may "
                "hold; an application needs one stream per process",
                RETRY_AFTER_SECONDS,
                {"limit": self.max_per_client, "client": client},
            )
        if self.total >= self.max_total:
            raise CapacityReachedError(
                f"this server holds {self.total} SDK streams, the most it may hold; "
                "try again later or another replica",
                RETRY_AFTER_SECONDS,
                {"limit": self.max_total},
            )
        self.by_client[client] = held + 1
        self.total += 1
        return StreamSlot(self, client)

    def _release(self, client: str) -> None:
        self.total -= 1
        held = self.by_client.pop(client, 1) - 1
        if held > 0:
            self.by_client[client] = held


class StreamSlot:
    """One stream's place; :meth:`release` gives it back (once, however often called)."""

    __slots__ = ("client", "slots")

    def __init__(self, slots: StreamSlots | None, client: str) -> None:
        self.slots = slots
        self.client = client

    def release(self) -> None:
        slots, self.slots = self.slots, None
        if slots is not None:
            slots._release(self.client)


def slots_of(app: Any) -> StreamSlots:
    """The stream slots of ``app`` (made at first use, from ``app.state.stream_limits``)."""
    state = app.state
    slots: StreamSlots | None = getattr(state, "stream_slots", None)
    if slots is None:
        limits = getattr(state, STREAM_LIMITS, None) or StreamLimits()
        slots = StreamSlots(limits, descriptor_limit())
        state.stream_slots = slots
    return slots


def client_address(scope: Any) -> str:
    """The address a request comes from (``"unknown"`` when the server does not say)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
