"""Settings, read once at the edge from ``PREMIERE_*`` variables and passed inward.

Every setting is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

DEFAULT_DATABASE_URL = "sqlite:///premiere.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8700
    admin_token: str | None = None
    max_body_bytes: int = 1_048_576
    log_level: str = "info"
    sse_heartbeat_seconds: float = 15.0
    ofrep_rate_per_second: float = 1000.0
    ofrep_burst: int = 2000
    scheduler_interval: float = 1.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        base = cls()
        return replace(
            base,
            database_url=env.get("PREMIERE_DATABASE_URL", base.database_url),
            host=env.get("PREMIERE_HOST", base.host),
            port=int(env.get("PREMIERE_PORT", base.port)),
            admin_token=env.get("PREMIERE_ADMIN_TOKEN") or None,
            max_body_bytes=int(env.get("PREMIERE_MAX_BODY_BYTES", base.max_body_bytes)),
            log_level=env.get("PREMIERE_LOG_LEVEL", base.log_level),
            sse_heartbeat_seconds=float(
                env.get("PREMIERE_SSE_HEARTBEAT_SECONDS", base.sse_heartbeat_seconds)
            ),
            ofrep_rate_per_second=float(
                env.get("PREMIERE_OFREP_RATE_PER_SECOND", base.ofrep_rate_per_second)
            ),
            ofrep_burst=int(env.get("PREMIERE_OFREP_BURST", base.ofrep_burst)),
            scheduler_interval=float(
                env.get("PREMIERE_SCHEDULER_INTERVAL", base.scheduler_interval)
            ),
        )
