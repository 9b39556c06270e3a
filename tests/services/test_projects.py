from __future__ import annotations

import pytest

from premiere.errors import (
    AlreadyExistsError,
    NotFoundError,
    ValidationError,
    VersionConflictError,
    VersionRequiredError,
)
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.projects import create_project, get_project, list_projects, update_project
from premiere.store import Store


def test_create_project__new_key__returns_view_and_audits(store: Store, actor: Actor) -> None:
    view = create_project(store, actor, {"key": "demo", "name": "Demo"})

    assert view["key"] == "demo"
    assert view["name"] == "Demo"
    assert view["version"] == 1
    assert view["created_at"].endswith("Z")
    assert get_project(store, "demo") == view
    events = list_audit_events(store, project="demo")["items"]
    assert [e["action"] for e in events] == ["project.created"]
    assert events[0]["actor"] == {"kind": "user", "id": "u-1", "name": "Ada"}
    assert events[0]["before"] is None
    assert events[0]["after"] == view


def test_create_project__duplicate_key__already_exists(store: Store, actor: Actor) -> None:
    create_project(store, actor, {"key": "demo"})

    with pytest.raises(AlreadyExistsError):
        create_project(store, actor, {"key": "demo"})


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"key": "no spaces"}, "key", "key_pattern"),
        ({}, "key", "required"),
        ({"key": "ok", "name": ""}, "name", "non_empty"),
        ({"key": "ok", "colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_create_project__bad_data__names_field_and_rule(
    store: Store, actor: Actor, data: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        create_project(store, actor, data)

    assert (field, rule) in [(v.field, v.rule) for v in caught.value.violations]


def test_update_project__current_version__bumps_version(store: Store, actor: Actor) -> None:
    create_project(store, actor, {"key": "demo"})

    view = update_project(store, actor, "demo", {"name": "Renamed"}, 1)

    assert (view["name"], view["version"]) == ("Renamed", 2)
    assert [p["name"] for p in list_projects(store)] == ["Renamed"]


def test_update_project__stale_version__conflict_with_current(store: Store, actor: Actor) -> None:
    create_project(store, actor, {"key": "demo"})
    update_project(store, actor, "demo", {"name": "A"}, 1)

    with pytest.raises(VersionConflictError) as caught:
        update_project(store, actor, "demo", {"name": "B"}, 1)

    assert caught.value.details["current_version"] == 2


def test_update_project__no_version__version_required(store: Store, actor: Actor) -> None:
    create_project(store, actor, {"key": "demo"})

    with pytest.raises(VersionRequiredError):
        update_project(store, actor, "demo", {"name": "B"}, None)


def test_get_project__unknown__not_found_names_it(store: Store) -> None:
    with pytest.raises(NotFoundError) as caught:
        get_project(store, "nope")

    assert caught.value.details == {"resource": "project", "key": "nope"}
