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
        }
    )
    assert settings.database_url == "postgresql://db/premiere"
    assert settings.port == 9000
    assert settings.admin_token == "s" * 32
    assert settings.ofrep_rate_per_second == 0.0
    assert settings.scheduler_interval == 0.5


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("PREMIERE_PORT", "eighty", "type"),
        ("PREMIERE_MAX_BODY_BYTES", "0", "minimum"),
        ("PREMIERE_SCHEDULER_INTERVAL", "soon", "type"),
        ("PREMIERE_OFREP_BURST", "1.5", "type"),
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
