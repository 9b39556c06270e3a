"""asyncio use: construction and start-up never block the event loop.

Evaluation itself is in-memory and takes about a microsecond, so the evaluation methods
are plain (synchronous) methods, safe to call from coroutines. Only the calls that may
wait (start-up, flush, close) are coroutines.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any

from premiere.sdk.client import Client
from premiere.sdk.config import Config
from premiere.sdk.evaluation import EvaluationDetail
from premiere.sdk.holder import Listener
from premiere.sdk.status import Status


class AsyncClient:
    """A :class:`Client` for asyncio programs.

        async with AsyncClient(config) as client:      # waits up to config.start_wait
            if client.bool_variation("new-checkout", ctx, False): ...

    or ``client = AsyncClient(config); await client.wait_until_ready(2.0)``.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        # Start the background threads without waiting; the wait is awaited instead.
        self._client = Client(replace(config, start_wait=0))
        self.variation = self._client.variation
        self.bool_variation = self._client.bool_variation
        self.string_variation = self._client.string_variation
        self.int_variation = self._client.int_variation
        self.float_variation = self._client.float_variation
        self.json_variation = self._client.json_variation
        self.variation_detail: Callable[..., EvaluationDetail] = self._client.variation_detail
        self.all_flags: Callable[[Mapping[str, Any]], dict[str, Any]] = self._client.all_flags
        self.track = self._client.track

    @property
    def sync(self) -> Client:
        """The underlying synchronous client (for code that is not async)."""
        return self._client

    async def start(self) -> AsyncClient:
        """Wait up to ``config.start_wait`` for the server's document (as Client() does)."""
        if not self.config.offline and self.config.start_wait > 0:
            await asyncio.to_thread(self._client._status.wait_started, self.config.start_wait)
        return self

    async def wait_until_ready(self, timeout: float | None = None) -> bool:
        """True once a document is loaded; False when ``timeout`` passed first."""
        if self._client.is_ready():
            return True
        return await asyncio.to_thread(self._client.wait_until_ready, timeout)

    def is_ready(self) -> bool:
        return self._client.is_ready()

    def status(self) -> Status:
        return self._client.status()

    def on_change(self, callback: Listener) -> Callable[[], None]:
        return self._client.on_change(callback)

    async def flush(self) -> bool:
        return await asyncio.to_thread(self._client.flush)

    async def aclose(self) -> None:
        await asyncio.to_thread(self._client.close)

    async def __aenter__(self) -> AsyncClient:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
