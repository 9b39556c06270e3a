"""Fork-safety (a real os.fork, against the loopback server) and the asyncio interface."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest

from premiere.sdk import AsyncClient, Client, Config, DataSourceState
from premiere.sdk.testing import InMemoryServer

from .support import SDK_KEY, FakePremiere, boolean_flag, make_document, wait_for


def _child(client: Client, ready_fd: int) -> int:
    """Exit codes: 0 fine; 1 wrong value; 2 no background thread; 3 no update seen."""
    if client.variation("a", {"key": "u"}, None) is not True:
        return 1
    os.write(ready_fd, b"1")  # the parent changes the flag only after this
    if not any(t.name.startswith("premiere-sdk-") for t in threading.enumerate()):
        return 2
    deadline = time.monotonic() + 3
    while client.status().document_version != 2:
        if time.monotonic() > deadline:
            return 3
        time.sleep(0.01)
    return 0 if client.variation("a", {"key": "u"}, None) is False else 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("streaming", [False, True])
def test_fork__child__keeps_document_and_restarts_its_threads(
    server: FakePremiere, streaming: bool
) -> None:
    config = Config(
        sdk_key=SDK_KEY,
        base_url=server.url,
        streaming=streaming,
        poll_interval=0.05,
        reconnect_delay=0.02,
        max_reconnect_delay=0.05,
    )
    with Client(config) as client:
        client.variation("a", {"key": "u"}, None)
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 4
            try:
                code = _child(client, write_fd)
            finally:
                os._exit(code)
        os.close(write_fd)
        assert os.read(read_fd, 1) == b"1"
        os.close(read_fd)
        server.set_document(make_document(2, a=boolean_flag("a", serve=1)))
        server.push("patch", {"version": 2, "flags": {"a": boolean_flag("a", serve=1)}})
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        wait_for(lambda: client.status().document_version == 2)  # the parent still updates


def test_async_client__context_manager__waits_for_the_document(memory: InMemoryServer) -> None:
    config = Config(sdk_key=SDK_KEY, transport=memory.transport, start_wait=2.0)

    async def main() -> tuple[object, object, object]:
        async with AsyncClient(config) as client:
            value = client.bool_variation("a", {"key": "u"}, False)
            detail = client.variation_detail("b", {"key": "u"}, None)
            return value, detail.value, client.status().state

    assert asyncio.run(main()) == (True, False, DataSourceState.VALID)


def test_async_client__construction__does_not_block(dead_url: str) -> None:
    config = Config(sdk_key=SDK_KEY, base_url=dead_url, start_wait=5.0, events=False)

    async def main() -> tuple[float, bool, object]:
        t0 = time.monotonic()
        client = AsyncClient(config)
        built = time.monotonic() - t0
        ready = await client.wait_until_ready(0.1)
        value = client.variation("a", {"key": "u"}, "d")
        await client.aclose()
        return built, ready, value

    built, ready, value = asyncio.run(main())
    assert built < 1.0 and ready is False and value == "d"


def test_async_client__flush_and_ready(memory: InMemoryServer) -> None:
    config = Config(sdk_key=SDK_KEY, transport=memory.transport, streaming=False)

    async def main() -> bool:
        client = await AsyncClient(config).start()
        try:
            assert await client.wait_until_ready(1.0)
            client.variation("a", {"key": "u"}, None)
            return await client.flush()
        finally:
            await client.aclose()

    assert asyncio.run(main())
    assert memory.events and memory.events[0]["flags"][0]["key"] == "a"
