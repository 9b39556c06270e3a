"""The single sign-on's settings: read from ``PREMIERE_OIDC_*``, checked at start-up."""

from __future__ import annotations

import pytest

from premiere.errors import ValidationError
from premiere.services.people.oidc_config import (
    RoleMapping,
    config_from_settings,
    parse_role_map,
)
from premiere.settings import Settings

BASE = {
    "PREMIERE_OIDC_ISSUER": "https://sso.example.com/realms/acme",
    "PREMIERE_OIDC_CLIENT_ID": "premiere",
    "PREMIERE_OIDC_CLIENT_SECRET": "s3cret",
}


def _fields(refused: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in refused.value.violations]


def test_config_from_settings__every_variable__read() -> None:
    env = {
        **BASE,
        "PREMIERE_OIDC_SCOPES": "openid email groups",
        "PREMIERE_OIDC_ROLES_CLAIM": "roles",
        "PREMIERE_OIDC_ROLE_MAP": "eng=engineer,release=shop:release_manager",
        "PREMIERE_OIDC_CREATE_ACCOUNTS": "true",
        "PREMIERE_OIDC_LABEL": "Sign in with Acme",
    }

    config = config_from_settings(Settings.from_env(env))

    assert config is not None
    assert config.issuer == "https://sso.example.com/realms/acme"
    assert (config.client_id, config.client_secret) == ("premiere", "s3cret")
    assert config.scopes == "openid email groups"
    assert config.roles_claim == "roles"
    assert config.role_map == (
        RoleMapping("eng", None, "engineer"),
        RoleMapping("release", "shop", "release_manager"),
    )
    assert config.create_accounts is True
    assert config.label == "Sign in with Acme"
    assert "s3cret" not in repr(config)


def test_config_from_settings__defaults__documented_values() -> None:
    config = config_from_settings(Settings.from_env(BASE))

    assert config is not None
    assert config.scopes == "openid email profile"
    assert config.roles_claim == "groups"
    assert config.role_map == ()
    assert config.create_accounts is False
    assert config.label == "Sign in with SSO"


def test_config_from_settings__no_issuer__no_single_sign_on() -> None:
    assert config_from_settings(Settings.from_env({})) is None


def test_config_from_settings__issuer_without_client__refused_naming_the_variables() -> None:
    issuer_only = {"PREMIERE_OIDC_ISSUER": BASE["PREMIERE_OIDC_ISSUER"]}
    with pytest.raises(ValidationError) as refused:
        config_from_settings(Settings.from_env(issuer_only))

    assert _fields(refused) == [
        ("PREMIERE_OIDC_CLIENT_ID", "required"),
        ("PREMIERE_OIDC_CLIENT_SECRET", "required"),
    ]


def test_config_from_settings__scopes_without_openid__refused() -> None:
    with pytest.raises(ValidationError) as refused:
        config_from_settings(Settings.from_env({**BASE, "PREMIERE_OIDC_SCOPES": "email"}))

    assert _fields(refused) == [("PREMIERE_OIDC_SCOPES", "enum")]


def test_settings__create_accounts_not_a_boolean__refused_naming_the_variable() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.from_env({**BASE, "PREMIERE_OIDC_CREATE_ACCOUNTS": "maybe"})

    assert _fields(refused) == [("PREMIERE_OIDC_CREATE_ACCOUNTS", "type")]


def test_parse_role_map__unknown_role__refused_naming_the_variable_and_the_role() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_role_map("eng=engineer, boss=overlord")

    assert _fields(refused) == [("PREMIERE_OIDC_ROLE_MAP", "enum")]
    assert "'overlord'" in refused.value.message


@pytest.mark.parametrize("entry", ["eng", "=engineer", "eng=", "eng=shop:"])
def test_parse_role_map__entry_not_group_equals_role__refused(entry: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_role_map(entry)

    assert _fields(refused) == [("PREMIERE_OIDC_ROLE_MAP", "type")]


def test_parse_role_map__bad_project_key__refused() -> None:
    with pytest.raises(ValidationError) as refused:
        parse_role_map("eng=my shop:engineer")

    assert _fields(refused) == [("PREMIERE_OIDC_ROLE_MAP", "key_pattern")]


def test_parse_role_map__blanks_and_spaces__ignored() -> None:
    assert parse_role_map(" eng = engineer ,, ops=admin ") == (
        RoleMapping("eng", None, "engineer"),
        RoleMapping("ops", None, "admin"),
    )
