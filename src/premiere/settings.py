"""Settings, read once at the edge from ``PREMIERE_*`` variables and passed inward.

Every setting is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from premiere.errors import ValidationError

DEFAULT_DATABASE_URL = "sqlite:///premiere.db"
ADMIN_TOKEN_MIN_LENGTH = 32

T = TypeVar("T", int, float)


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
        """Settings from ``environ`` (default ``os.environ``).

        A value that does not parse raises :class:`ValidationError` naming the variable.
        """
        env = os.environ if environ is None else environ
        base = cls()

        def number(name: str, kind: Callable[[str], T], default: T, minimum: T) -> T:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return default
            try:
                value = kind(raw.strip())
            except ValueError:
                what = "a whole number" if kind is int else "a number"
                raise ValidationError.single(name, "type", f"{raw!r} is not {what}") from None
            if value < minimum:
                raise ValidationError.single(name, "minimum", f"must be at least {minimum}")
            return value

        return replace(
            base,
            database_url=env.get("PREMIERE_DATABASE_URL") or base.database_url,
            host=env.get("PREMIERE_HOST") or base.host,
            port=number("PREMIERE_PORT", int, base.port, 0),
            admin_token=_admin_token(env.get("PREMIERE_ADMIN_TOKEN") or None),
            max_body_bytes=number("PREMIERE_MAX_BODY_BYTES", int, base.max_body_bytes, 1),
            log_level=env.get("PREMIERE_LOG_LEVEL") or base.log_level,
            sse_heartbeat_seconds=number(
                "PREMIERE_SSE_HEARTBEAT_SECONDS", float, base.sse_heartbeat_seconds, 0.01
            ),
            ofrep_rate_per_second=number(
                "PREMIERE_OFREP_RATE_PER_SECOND", float, base.ofrep_rate_per_second, 0.0
            ),
            ofrep_burst=number("PREMIERE_OFREP_BURST", int, base.ofrep_burst, 1),
            scheduler_interval=number(
                "PREMIERE_SCHEDULER_INTERVAL", float, base.scheduler_interval, 0.01
            ),
        )


def _admin_token(raw: str | None) -> str | None:
    """A preset admin token is a password to the whole server: refuse short ones."""
    if raw is not None and len(raw) < ADMIN_TOKEN_MIN_LENGTH:
        raise ValidationError.single(
            "PREMIERE_ADMIN_TOKEN",
            "min_length",
            f"must be at least {ADMIN_TOKEN_MIN_LENGTH} characters long (it has {len(raw)}); "
            "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
        )
    return raw
