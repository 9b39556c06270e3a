"""Settings, read once at the edge from ``PREMIERE_*`` variables and passed inward.

Every setting is documented in ``docs/configuration.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from premiere.errors import ValidationError

DEFAULT_DATABASE_URL = "sqlite:///premiere.db"
MAX_COUNT = 10**12
"""The largest count one entry of an SDK event batch may carry."""
ADMIN_TOKEN_MIN_LENGTH = 32
MAX_RETENTION_DAYS = 36_500

T = TypeVar("T", int, float)


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8700
    admin_token: str | None = None
    metrics_token: str | None = None
    max_body_bytes: int = 1_048_576
    log_level: str = "info"
    log_summary_seconds: float = 60.0
    sse_heartbeat_seconds: float = 15.0
    ofrep_rate_per_second: float = 20_000.0
    ofrep_burst: int = 40_000
    ofrep_max_context_bytes: int = 65_536
    stream_max_per_client: int = 1_000
    stream_max_total: int = 10_000
    scheduler_interval: float = 1.0
    events_max_age_seconds: int = 3600
    events_client_max_count: int = 10_000
    events_server_max_count: int = 1_000_000_000
    events_client_rate_per_minute: int = 600
    events_key_rate_per_minute: int = 600_000
    events_retention_days: int = 90
    feedback_client_rate_per_minute: int = 30
    feedback_context_rate_per_minute: int = 10
    webhook_delivery_retention_days: int = 30
    check_max_body_bytes: int = 1_048_576
    check_allowed_addresses: tuple[str, ...] = ()
    webhook_allowed_addresses: tuple[str, ...] = ()
    outbox_retention_days: int = 30
    console_session_idle_seconds: int = 8 * 3600
    console_session_max_age_seconds: int = 7 * 24 * 3600
    public_url: str = "http://127.0.0.1:8700"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "premiere@localhost"
    smtp_starttls: bool = True
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_scopes: str = "openid email profile"
    oidc_roles_claim: str = "groups"
    oidc_role_map: str = ""
    oidc_create_accounts: bool = False
    oidc_label: str = "Sign in with SSO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``environ`` (default ``os.environ``).

        A value that does not parse raises :class:`ValidationError` naming the variable.
        """
        env = os.environ if environ is None else environ
        base = cls()

        def number(
            name: str, kind: Callable[[str], T], default: T, minimum: T, maximum: T | None = None
        ) -> T:
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
            if maximum is not None and value > maximum:
                raise ValidationError.single(name, "maximum", f"must be at most {maximum}")
            return value

        return replace(
            base,
            database_url=env.get("PREMIERE_DATABASE_URL") or base.database_url,
            host=env.get("PREMIERE_HOST") or base.host,
            port=number("PREMIERE_PORT", int, base.port, 0),
            admin_token=_admin_token(env.get("PREMIERE_ADMIN_TOKEN") or None),
            metrics_token=(env.get("PREMIERE_METRICS_TOKEN") or "").strip() or None,
            max_body_bytes=number("PREMIERE_MAX_BODY_BYTES", int, base.max_body_bytes, 1),
            log_level=env.get("PREMIERE_LOG_LEVEL") or base.log_level,
            log_summary_seconds=number(
                "PREMIERE_LOG_SUMMARY_SECONDS", float, base.log_summary_seconds, 0.01
            ),
            sse_heartbeat_seconds=number(
                "PREMIERE_SSE_HEARTBEAT_SECONDS", float, base.sse_heartbeat_seconds, 0.01
            ),
            ofrep_rate_per_second=number(
                "PREMIERE_OFREP_RATE_PER_SECOND", float, base.ofrep_rate_per_second, 0.0
            ),
            ofrep_burst=number("PREMIERE_OFREP_BURST", int, base.ofrep_burst, 1),
            ofrep_max_context_bytes=number(
                "PREMIERE_OFREP_MAX_CONTEXT_BYTES", int, base.ofrep_max_context_bytes, 2
            ),
            stream_max_per_client=number(
                "PREMIERE_STREAM_MAX_PER_CLIENT", int, base.stream_max_per_client, 0
            ),
            stream_max_total=number("PREMIERE_STREAM_MAX_TOTAL", int, base.stream_max_total, 1),
            scheduler_interval=number(
                "PREMIERE_SCHEDULER_INTERVAL", float, base.scheduler_interval, 0.01
            ),
            **_event_settings(number, base),
            webhook_delivery_retention_days=number(
                "PREMIERE_WEBHOOK_DELIVERY_RETENTION_DAYS",
                int,
                base.webhook_delivery_retention_days,
                1,
                MAX_RETENTION_DAYS,
            ),
            check_max_body_bytes=number(
                "PREMIERE_CHECK_MAX_BODY_BYTES", int, base.check_max_body_bytes, 1
            ),
            console_session_idle_seconds=number(
                "PREMIERE_CONSOLE_SESSION_IDLE_SECONDS", int, base.console_session_idle_seconds, 60
            ),
            console_session_max_age_seconds=number(
                "PREMIERE_CONSOLE_SESSION_MAX_AGE_SECONDS",
                int,
                base.console_session_max_age_seconds,
                60,
            ),
            public_url=(env.get("PREMIERE_PUBLIC_URL") or base.public_url).rstrip("/"),
            smtp_port=number("PREMIERE_SMTP_PORT", int, base.smtp_port, 1, 65535),
            **_smtp_settings(env, base),
            **_oidc_settings(env, base),
            check_allowed_addresses=_list(env, "PREMIERE_CHECK_ALLOWED_ADDRESSES"),
            webhook_allowed_addresses=_list(env, "PREMIERE_WEBHOOK_ALLOWED_ADDRESSES"),
            outbox_retention_days=number(
                "PREMIERE_OUTBOX_RETENTION_DAYS",
                int,
                base.outbox_retention_days,
                1,
                MAX_RETENTION_DAYS,
            ),
        )


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated setting's items, blanks dropped."""
    return tuple(part.strip() for part in env.get(name, "").split(",") if part.strip())


def _event_settings(number: Callable[..., int], base: Settings) -> dict[str, Any]:
    """The ``PREMIERE_EVENTS_*`` settings (docs/configuration.md, "SDK events"), and the
    limits on end users' feedback (``PREMIERE_FEEDBACK_*``)."""
    return {
        "events_max_age_seconds": number(
            "PREMIERE_EVENTS_MAX_AGE_SECONDS", int, base.events_max_age_seconds, 60
        ),
        "events_client_max_count": number(
            "PREMIERE_EVENTS_CLIENT_MAX_COUNT", int, base.events_client_max_count, 1, MAX_COUNT
        ),
        "events_server_max_count": number(
            "PREMIERE_EVENTS_SERVER_MAX_COUNT", int, base.events_server_max_count, 1, MAX_COUNT
        ),
        "events_client_rate_per_minute": number(
            "PREMIERE_EVENTS_CLIENT_RATE_PER_MINUTE", int, base.events_client_rate_per_minute, 0
        ),
        "events_key_rate_per_minute": number(
            "PREMIERE_EVENTS_KEY_RATE_PER_MINUTE", int, base.events_key_rate_per_minute, 0
        ),
        "events_retention_days": number(
            "PREMIERE_EVENTS_RETENTION_DAYS", int, base.events_retention_days, 1
        ),
        "feedback_client_rate_per_minute": number(
            "PREMIERE_FEEDBACK_CLIENT_RATE_PER_MINUTE", int, base.feedback_client_rate_per_minute, 0
        ),
        "feedback_context_rate_per_minute": number(
            "PREMIERE_FEEDBACK_CONTEXT_RATE_PER_MINUTE",
            int,
            base.feedback_context_rate_per_minute,
            0,
        ),
    }


def _smtp_settings(env: Mapping[str, str], base: Settings) -> dict[str, Any]:
    """The ``PREMIERE_SMTP_*`` settings but the port: where email goes (none: no email)."""
    starttls = env.get("PREMIERE_SMTP_STARTTLS", "").strip().lower()
    if starttls not in ("", "true", "false", "1", "0"):
        raise ValidationError.single("PREMIERE_SMTP_STARTTLS", "type", "must be true or false")
    return {
        "smtp_host": env.get("PREMIERE_SMTP_HOST") or None,
        "smtp_username": env.get("PREMIERE_SMTP_USERNAME") or None,
        "smtp_password": env.get("PREMIERE_SMTP_PASSWORD") or None,
        "smtp_from": env.get("PREMIERE_SMTP_FROM") or base.smtp_from,
        "smtp_starttls": base.smtp_starttls if not starttls else starttls in ("true", "1"),
    }


def _oidc_settings(env: Mapping[str, str], base: Settings) -> dict[str, Any]:
    """The ``PREMIERE_OIDC_*`` settings: single sign-on (docs/sso.md). Their meaning is
    checked when the console starts (``services/people/oidc.py``)."""
    create = env.get("PREMIERE_OIDC_CREATE_ACCOUNTS", "").strip().lower()
    if create not in ("", "true", "false", "1", "0"):
        raise ValidationError.single(
            "PREMIERE_OIDC_CREATE_ACCOUNTS", "type", "must be true or false"
        )
    return {
        "oidc_issuer": (env.get("PREMIERE_OIDC_ISSUER") or "").strip() or None,
        "oidc_client_id": (env.get("PREMIERE_OIDC_CLIENT_ID") or "").strip() or None,
        "oidc_client_secret": env.get("PREMIERE_OIDC_CLIENT_SECRET") or None,
        "oidc_scopes": (env.get("PREMIERE_OIDC_SCOPES") or "").strip() or base.oidc_scopes,
        "oidc_roles_claim": (env.get("PREMIERE_OIDC_ROLES_CLAIM") or "").strip()
        or base.oidc_roles_claim,
        "oidc_role_map": env.get("PREMIERE_OIDC_ROLE_MAP", "").strip(),
        "oidc_create_accounts": create in ("true", "1"),
        "oidc_label": (env.get("PREMIERE_OIDC_LABEL") or "").strip() or base.oidc_label,
    }


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
