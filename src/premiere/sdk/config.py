"""The one configuration object of the SDK client."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from premiere.sdk.transport import TransportFactory

DEFAULT_BASE_URL = "http://127.0.0.1:8700"


@dataclass(frozen=True)
class Config:
    """Everything a :class:`~premiere.sdk.Client` needs, in one immutable value.

    Durations are in seconds. Every field is described in ``docs/sdk.md``.
    """

    sdk_key: str = ""
    base_url: str = DEFAULT_BASE_URL
    # How long Client(config) waits for the first document before returning.
    start_wait: float = 5.0
    # Server-sent events when the server offers them; polling otherwise.
    streaming: bool = True
    poll_interval: float = 30.0
    # A document to start from: a file path, or the document itself.
    bootstrap_path: str | os.PathLike[str] | None = None
    bootstrap: Mapping[str, Any] | None = field(default=None, hash=False, compare=False)
    # No network at all: serve the bootstrap (or cache) document only, send no events.
    offline: bool = False
    # Where the last good document from the server is kept across restarts.
    cache_path: str | os.PathLike[str] | None = None
    # Merged into every evaluation context as "premiere.service" / "premiere.service_version".
    service_name: str | None = None
    service_version: str | None = None
    # Fill the "now" attribute (Unix milliseconds) when the context has none.
    fill_now: bool = True
    # Evaluation counts and custom events.
    events: bool = True
    event_flush_interval: float = 30.0
    event_buffer_size: int = 10_000
    # HTTP behaviour.
    request_timeout: float = 10.0
    stream_read_timeout: float = 300.0
    reconnect_delay: float = 1.0
    max_reconnect_delay: float = 30.0
    unauthorized_retry_interval: float = 300.0
    logger: logging.Logger | None = field(default=None, compare=False)
    # How the client reaches the server: makes each client its transport (None: HTTP to
    # base_url; premiere.sdk.testing.InMemoryServer.transport for tests).
    transport: TransportFactory | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        positive = (
            "poll_interval",
            "event_flush_interval",
            "request_timeout",
            "stream_read_timeout",
            "reconnect_delay",
            "max_reconnect_delay",
            "unauthorized_retry_interval",
        )
        for name in positive:
            if not getattr(self, name) > 0:
                raise ValueError(f"Config.{name} must be greater than 0")
        if self.start_wait < 0:
            raise ValueError("Config.start_wait must not be negative")
        if self.event_buffer_size < 1:
            raise ValueError("Config.event_buffer_size must be at least 1")
        if self.bootstrap is not None and self.bootstrap_path is not None:
            raise ValueError("give Config.bootstrap or Config.bootstrap_path, not both")
        if not self.offline and not self.sdk_key:
            raise ValueError("Config.sdk_key is required unless offline=True")

    @property
    def log(self) -> logging.Logger:
        return self.logger or logging.getLogger("premiere.sdk")

    @property
    def api_url(self) -> str:
        return self.base_url.rstrip("/") + "/api/v1/sdk"
