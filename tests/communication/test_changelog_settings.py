"""A project's changelog settings: off until turned on, categories kept in their
order, versioned and audited, bad input refused naming the field."""

from __future__ import annotations

from typing import Any

import pytest

from premiere.errors import ValidationError, VersionConflictError, VersionRequiredError
from premiere.services.audit import list_audit_events
from premiere.services.communication.changelog import (
    get_changelog_settings,
    update_changelog_settings,
)
from premiere.store import Store
from tests.releases.conftest import CREATOR


def test_settings__never_saved__on_every_category_version_0(store: Store, project: str) -> None:
    settings = get_changelog_settings(store, project)

    assert settings == {
        "project": "demo",
        "enabled": True,
        "categories": ["new", "improved", "fixed", "deprecated", "security"],
        "version": 0,
        "updated_at": None,
    }


def test_settings__saved_twice__versioned_audited_categories_in_order(
    store: Store, project: str
) -> None:
    first = update_changelog_settings(store, CREATOR, project, {"enabled": False}, 0)
    second = update_changelog_settings(
        store, CREATOR, project, {"categories": ["fixed", "new"]}, first["version"]
    )

    assert (first["enabled"], first["version"]) == (False, 1)
    assert (second["enabled"], second["categories"], second["version"]) == (
        False,
        ["new", "fixed"],
        2,
    )
    assert get_changelog_settings(store, project) == second
    events = list_audit_events(store, project=project, resource_type="changelog")["items"]
    assert [e["action"] for e in events] == ["changelog.updated", "changelog.updated"]


def test_settings__stale_or_missing_version__refused(store: Store, project: str) -> None:
    update_changelog_settings(store, CREATOR, project, {"enabled": True}, 0)

    with pytest.raises(VersionConflictError):
        update_changelog_settings(store, CREATOR, project, {"enabled": False}, 0)
    with pytest.raises(VersionRequiredError):
        update_changelog_settings(store, CREATOR, project, {"enabled": False}, None)
    assert get_changelog_settings(store, project)["enabled"] is True


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"enabled": "yes"}, "enabled", "type"),
        ({"categories": []}, "categories", "non_empty"),
        ({"categories": "new"}, "categories", "type"),
        ({"categories": ["new", "rumours"]}, "categories[1]", "enum"),
        ({"public": True}, "public", "unknown_field"),
    ],
)
def test_settings__bad_input__refused_naming_field_and_rule(
    store: Store, project: str, data: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        update_changelog_settings(store, CREATOR, project, data, 0)

    assert [(v.field, v.rule) for v in refused.value.violations] == [(field, rule)]
    assert get_changelog_settings(store, project)["version"] == 0
