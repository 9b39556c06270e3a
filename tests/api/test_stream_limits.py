"""Limits on SDK streams (api/sdk/stream_limits.py): per client address (429) and in total
(503), both with Retry-After; the rest of the server keeps answering at the limit."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from premiere.api.sdk.stream_limits import (
    RESERVED_DESCRIPTORS,
    RETRY_AFTER_SECONDS,
    STREAM_LIMITS,
    StreamLimits,
    StreamSlots,
    stream_capacity,
)
from premiere.errors import CapacityReachedError, RateLimitedError
from premiere.store import Store

from .live import LiveServer, open_stream, serve

STREAM = "/api/v1/sdk/stream"


@contextlib.contextmanager
def limited(store: Store, limits: StreamLimits) -> Iterator[LiveServer]:
    with serve(store, **{STREAM_LIMITS: limits}) as server:
        server.admin("POST", "/api/v1/projects", {"key": "demo", "name": "Demo"}, 201)
        server.admin("POST", "/api/v1/projects/demo/environments", {"key": "production"}, 201)
        server.admin("POST", "/api/v1/projects/demo/flags", {"key": "dark-mode"}, 201)
        yield server


def open_streams(server: LiveServer, token: str, count: int) -> contextlib.ExitStack:
    """``count`` streams held open (each has received its document) until the stack closes."""
    stack = contextlib.ExitStack()
    readers = []  # kept referenced: a reader's chunk iterator closes its stream when collected
    for _ in range(count):
        reader = stack.enter_context(open_stream(server, token))
        reader.next_json("document")
        readers.append(reader)
    stack.callback(readers.clear)
    return stack


def refused_stream(server: LiveServer, token: str) -> httpx.Response:
    with server.client(token) as client:
        return client.get(STREAM)


def test_stream__over_the_per_client_limit__429_retry_after_until_one_closes(
    store: Store,
) -> None:
    with limited(store, StreamLimits(max_per_client=2, max_total=100)) as server:
        token = server.token("sdk-server")
        with open_streams(server, token, 1), open_streams(server, token, 1) as second:
            refused = refused_stream(server, token)
            second.close()  # one stream ends: its place is free again
            with open_stream(server, token) as again:
                _, document = again.next_json("document")

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"] == {
        "limit": 2,
        "client": "127.0.0.1",
        "retry_after_seconds": RETRY_AFTER_SECONDS,
    }
    assert set(document["flags"]) == {"dark-mode"}


def test_stream__over_the_total__503_and_the_server_still_answers_everything_else(
    store: Store,
) -> None:
    with limited(store, StreamLimits(max_per_client=0, max_total=2)) as server:
        token = server.token("sdk-server")
        with open_streams(server, token, 2), server.client(token) as sdk:
            refused = refused_stream(server, token)
            health = sdk.get("/healthz")
            admin = server.admin("GET", "/api/v1/projects/demo/flags")
            ofrep = sdk.post("/ofrep/v1/evaluate/flags/dark-mode", json={"context": {}})
            document = sdk.get("/api/v1/sdk/flags")
        after = open_streams(server, token, 2)  # both places free again
        after.close()

    assert refused.status_code == 503
    assert refused.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert refused.json()["error"]["code"] == "capacity_reached"
    assert refused.json()["error"]["details"]["limit"] == 2
    assert health.status_code == 200
    assert [flag["key"] for flag in admin] == ["dark-mode"]
    assert ofrep.status_code == 200 and ofrep.json()["key"] == "dark-mode"
    assert document.status_code == 200


def test_stream__refused_token__takes_no_place(store: Store) -> None:
    with limited(store, StreamLimits(max_per_client=1, max_total=1)) as server:
        token = server.token("sdk-server")
        unknown = refused_stream(server, "prm_not-a-token")
        with open_stream(server, token) as events:
            kind = events.next_event().event

    assert unknown.status_code == 401
    assert kind == "document"


@pytest.mark.parametrize(
    ("max_total", "descriptors", "capacity"),
    [
        (10_000, None, 10_000),
        (10_000, 1024, (1024 - RESERVED_DESCRIPTORS) * 3 // 4),
        (10_000, 1_048_576, 10_000),
        (500, 1024, 500),
        (10_000, 64, 1),
    ],
)
def test_stream_capacity__descriptor_limit__total_fits_with_room_for_other_requests(
    max_total: int, descriptors: int | None, capacity: int
) -> None:
    assert stream_capacity(max_total, descriptors) == capacity


def test_stream_slots__acquire_and_release__counted_per_client_and_in_total() -> None:
    slots = StreamSlots(StreamLimits(max_per_client=2, max_total=3), None)
    a1, a2 = slots.acquire("a"), slots.acquire("a")
    with pytest.raises(RateLimitedError):
        slots.acquire("a")
    b1 = slots.acquire("b")
    with pytest.raises(CapacityReachedError):
        slots.acquire("c")

    a1.release()
    a1.release()  # a second release changes nothing

    assert (slots.total, slots.by_client) == (2, {"a": 1, "b": 1})
    slots.acquire("c")
    for slot in (a2, b1):
        slot.release()
    assert (slots.total, slots.by_client) == (1, {"c": 1})
