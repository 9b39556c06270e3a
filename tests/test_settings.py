from __future__ import annotations

import pytest

from premiere.errors import ValidationError
from premiere.settings import DEFAULT_DATABASE_URL, Settings


def test_settings__empty_environment__defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.port == 8700


def test_settings__variables_given__parsed() -> None:
    settings = Settings.from_env(
        {
            "PREMIERE_DATABASE_URL": "postgresql://db/premiere",
            "PREMIERE_PORT": "9000",
            "PREMIERE_ADMIN_TOKEN": "s" * 32,
            "PREMIERE_OFREP_RATE_PER_SECOND": "0",
            "PREMIERE_SCHEDULER_INTERVAL": "0.5",
            "PREMIERE_OFREP_MAX_CONTEXT_BYTES": "4096",
            "PREMIERE_STREAM_MAX_PER_CLIENT": "0",
            "PREMIERE_STREAM_MAX_TOTAL": "50000",
        }
    )
    assert settings.database_url == "postgresql://db/premiere"
    assert settings.port == 9000
    assert settings.admin_token == "s" * 32
    assert settings.ofrep_rate_per_second == 0.0
    assert settings.scheduler_interval == 0.5
    assert settings.ofrep_max_context_bytes == 4096
    assert (settings.stream_max_per_client, settings.stream_max_total) == (0, 50000)


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("PREMIERE_PORT", "eighty", "type"),
        ("PREMIERE_MAX_BODY_BYTES", "0", "minimum"),
        ("PREMIERE_SCHEDULER_INTERVAL", "soon", "type"),
        ("PREMIERE_OFREP_BURST", "1.5", "type"),
        ("PREMIERE_OFREP_MAX_CONTEXT_BYTES", "1", "minimum"),
        ("PREMIERE_STREAM_MAX_PER_CLIENT", "-1", "minimum"),
        ("PREMIERE_STREAM_MAX_TOTAL", "0", "minimum"),
        ("PREMIERE_EVENTS_MAX_AGE_SECONDS", "10", "minimum"),
        ("PREMIERE_EVENTS_CLIENT_MAX_COUNT", "1000000000001", "maximum"),
        ("PREMIERE_EVENTS_RETENTION_DAYS", "0", "minimum"),
        ("PREMIERE_ADMIN_TOKEN", "s" * 31, "min_length"),
        ("PREMIERE_ADMIN_TOKEN", "secret", "min_length"),
    ],
)
def test_settings__bad_value__names_variable_and_rule(name: str, value: str, rule: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings.from_env({name: value})
    assert caught.value.violations[0].field == name
    assert caught.value.violations[0].rule == rule
    assert name in caught.value.message


def test_settings__event_variables__parsed() -> None:
    settings = Settings.from_env(
        {
            "PREMIERE_EVENTS_MAX_AGE_SECONDS": "600",
            "PREMIERE_EVENTS_CLIENT_MAX_COUNT": "500",
            "PREMIERE_EVENTS_SERVER_MAX_COUNT": "5000000",
            "PREMIERE_EVENTS_CLIENT_RATE_PER_MINUTE": "0",
            "PREMIERE_EVENTS_KEY_RATE_PER_MINUTE": "1200",
            "PREMIERE_EVENTS_RETENTION_DAYS": "30",
        }
    )
    assert (
        settings.events_max_age_seconds,
        settings.events_client_max_count,
        settings.events_server_max_count,
        settings.events_client_rate_per_minute,
        settings.events_key_rate_per_minute,
        settings.events_retention_days,
    ) == (600, 500, 5_000_000, 0, 1200, 30)
