from __future__ import annotations

from typing import Any

import pytest

from premiere.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidStateError,
    NotFoundError,
    ValidationError,
    VersionConflictError,
)
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.environments import create_environment
from premiere.services.flags.definitions import (
    archive_flag,
    create_flag,
    get_flag,
    list_flags,
    restore_flag,
    update_flag,
    update_flag_config,
)
from premiere.services.sdk.documents import document_version
from premiere.store import Store


def _rules(error: pytest.ExceptionInfo[ValidationError]) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in error.value.violations}


def test_create_flag__boolean_defaults__off_everywhere(
    store: Store, actor: Actor, project: str
) -> None:
    view = create_flag(store, actor, project, {"key": "new-checkout"})

    assert view["kind"] == "boolean"
    assert [v["value"] for v in view["variations"]] == [True, False]
    assert view["archived"] is False
    assert view["client_visible"] is False
    assert len(view["salt"]) == 16
    assert list(view["environments"]) == ["staging", "production"]
    config = view["environments"]["production"]
    assert config["on"] is False
    assert config["off_variation"] == 1
    assert config["fallthrough"] == {"variation": 0}
    assert config["version"] == 1
    assert get_flag(store, project, "new-checkout") == view


def test_create_flag__two_flags__different_salts(store: Store, actor: Actor, project: str) -> None:
    a = create_flag(store, actor, project, {"key": "a"})
    b = create_flag(store, actor, project, {"key": "b"})

    assert a["salt"] != b["salt"]


def test_create_flag__string_kind__on_and_off_variation_applied(
    store: Store, actor: Actor, project: str
) -> None:
    variations = [{"value": "red"}, {"value": "green", "name": "Green"}, {"value": "blue"}]

    view = create_flag(
        store,
        actor,
        project,
        {
            "key": "colour",
            "kind": "string",
            "variations": variations,
            "on_variation": 2,
            "off_variation": 0,
        },
    )

    assert view["variations"][1] == {"value": "green", "name": "Green", "description": None}
    config = view["environments"]["staging"]
    assert (config["off_variation"], config["fallthrough"]) == (0, {"variation": 2})


def test_create_flag__off_variation_null__serves_callers_default_when_off(
    store: Store, actor: Actor, project: str
) -> None:
    view = create_flag(store, actor, project, {"key": "f", "off_variation": None})

    assert view["environments"]["production"]["off_variation"] is None


def test_create_flag__duplicate__already_exists(store: Store, actor: Actor, project: str) -> None:
    create_flag(store, actor, project, {"key": "f"})

    with pytest.raises(AlreadyExistsError):
        create_flag(store, actor, project, {"key": "f"})


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"key": "bad key"}, "key", "key_pattern"),
        ({"key": "f", "kind": "colour"}, "kind", "enum"),
        ({"key": "f", "kind": "string"}, "variations", "required"),
        (
            {"key": "f", "kind": "number", "variations": [{"value": "1"}]},
            "variations[0].value",
            "type",
        ),
        (
            {"key": "f", "kind": "boolean", "variations": [{"value": True}, {"value": True}]},
            "variations[1].value",
            "duplicate",
        ),
        ({"key": "f", "variations": []}, "variations", "non_empty"),
        ({"key": "f", "on_variation": 5}, "on_variation", "index_range"),
        ({"key": "f", "off_variation": 2}, "off_variation", "index_range"),
        ({"key": "f", "tags": ["ok", "not ok"]}, "tags[1]", "key_pattern"),
        ({"key": "f", "client_visible": "yes"}, "client_visible", "type"),
        ({"key": "f", "owner": "me"}, "owner", "unknown_field"),
    ],
)
def test_create_flag__bad_data__names_field_and_rule(
    store: Store, actor: Actor, project: str, data: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        create_flag(store, actor, project, data)

    assert (field, rule) in _rules(caught)


def test_create_flag__unknown_project__not_found(store: Store, actor: Actor) -> None:
    with pytest.raises(NotFoundError) as caught:
        create_flag(store, actor, "nope", {"key": "f"})

    assert caught.value.details == {"resource": "project", "key": "nope"}


def test_create_flag__any__bumps_every_document_version(
    store: Store, actor: Actor, project: str
) -> None:
    before = [document_version(store, project, env) for env in ("staging", "production")]

    create_flag(store, actor, project, {"key": "f"})

    after = [document_version(store, project, env) for env in ("staging", "production")]
    assert after == [v + 1 for v in before]


def test_create_environment__existing_flags__get_an_off_config(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "f"})

    create_environment(store, actor, project, {"key": "qa"})

    assert get_flag(store, project, "f")["environments"]["qa"]["on"] is False


def test_list_flags__filters__tag_query_and_archived(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "checkout", "tags": ["web"]})
    create_flag(store, actor, project, {"key": "search", "name": "Better Search", "tags": ["api"]})
    old = create_flag(store, actor, project, {"key": "legacy", "tags": ["web"]})
    archive_flag(store, actor, project, "legacy", old["version"])

    assert [f["key"] for f in list_flags(store, project)] == ["checkout", "search"]
    assert [f["key"] for f in list_flags(store, project, tag="web")] == ["checkout"]
    assert [f["key"] for f in list_flags(store, project, query="better")] == ["search"]
    assert [f["key"] for f in list_flags(store, project, include_archived=True, tag="web")] == [
        "checkout",
        "legacy",
    ]


def test_update_flag__metadata__new_version_and_audit_before_after(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "f"})

    view = update_flag(store, actor, project, "f", {"name": "Renamed", "tags": ["a", "a"]}, 1)

    assert (view["name"], view["tags"], view["version"]) == ("Renamed", ["a"], 2)
    event = list_audit_events(store, action="flag.updated")["items"][0]
    assert event["before"]["name"] == "f"
    assert event["after"]["name"] == "Renamed"


def test_update_flag__stale_version__conflict(store: Store, actor: Actor, project: str) -> None:
    create_flag(store, actor, project, {"key": "f"})
    update_flag(store, actor, project, "f", {"name": "A"}, 1)

    with pytest.raises(VersionConflictError) as caught:
        update_flag(store, actor, project, "f", {"name": "B"}, 1)

    assert caught.value.details["current_version"] == 2


def test_update_flag__removing_used_variation__refused(
    store: Store, actor: Actor, project: str
) -> None:
    three = [{"value": "a"}, {"value": "b"}, {"value": "c"}]
    create_flag(store, actor, project, {"key": "f", "kind": "string", "variations": three})
    # production falls through to variation 2 ("c"), as the default off-variation is the last.

    with pytest.raises(ValidationError) as caught:
        update_flag(store, actor, project, "f", {"variations": three[:2]}, 1)

    assert _rules(caught) == {("variations", "variation_in_use")}
    assert "off_variation" in caught.value.violations[0].message


def test_update_flag__removing_variation_a_prerequisite_needs__refused(
    store: Store, actor: Actor, project: str
) -> None:
    three = [{"value": "a"}, {"value": "b"}, {"value": "c"}]
    create_flag(
        store,
        actor,
        project,
        {"key": "base", "kind": "string", "variations": three, "off_variation": 0},
    )
    create_flag(store, actor, project, {"key": "child"})
    update_flag_config(
        store,
        actor,
        project,
        "child",
        "staging",
        {"prerequisites": [{"key": "base", "variation": 2}]},
        1,
        partial=True,
    )

    with pytest.raises(ValidationError) as caught:
        update_flag(store, actor, project, "base", {"variations": three[:2]}, 1)

    assert _rules(caught) == {("variations", "variation_in_use")}
    assert "child" in caught.value.violations[0].message


def test_update_flag__kind_without_matching_variations__refused(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "f"})

    with pytest.raises(ValidationError) as caught:
        update_flag(store, actor, project, "f", {"kind": "number"}, 1)

    assert ("variations[0].value", "type") in _rules(caught)


def test_archive_flag__live__archived_then_restored(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "f"})

    archived = archive_flag(store, actor, project, "f", 1)
    restored = restore_flag(store, actor, project, "f", archived["version"])

    assert (archived["archived"], archived["version"]) == (True, 2)
    assert (restored["archived"], restored["version"]) == (False, 3)
    actions = [e["action"] for e in list_audit_events(store, resource_key="f")["items"]]
    assert actions == ["flag.restored", "flag.archived", "flag.created"]


def test_archive_flag__twice__invalid_state(store: Store, actor: Actor, project: str) -> None:
    create_flag(store, actor, project, {"key": "f"})
    archive_flag(store, actor, project, "f", 1)

    with pytest.raises(InvalidStateError):
        archive_flag(store, actor, project, "f", 2)
    restore_flag(store, actor, project, "f", 2)
    with pytest.raises(InvalidStateError):
        restore_flag(store, actor, project, "f", 3)


def test_archive_flag__prerequisite_of_live_flag__conflict(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "base"})
    create_flag(store, actor, project, {"key": "child"})
    update_flag_config(
        store,
        actor,
        project,
        "child",
        "production",
        {"prerequisites": [{"key": "base", "variation": 0}]},
        1,
        partial=True,
    )

    with pytest.raises(ConflictError) as caught:
        archive_flag(store, actor, project, "base", 1)

    assert caught.value.details["required_by"] == ["child"]


def test_restore_flag__requires_an_archived_flag__conflict(
    store: Store, actor: Actor, project: str
) -> None:
    create_flag(store, actor, project, {"key": "base"})
    create_flag(store, actor, project, {"key": "child"})
    update_flag_config(
        store,
        actor,
        project,
        "child",
        "staging",
        {"prerequisites": [{"key": "base", "variation": 0}]},
        1,
        partial=True,
    )
    archive_flag(store, actor, project, "child", 1)
    archive_flag(store, actor, project, "base", 1)

    with pytest.raises(ConflictError) as caught:
        restore_flag(store, actor, project, "child", 2)

    assert caught.value.details["requires"] == ["base"]
    restore_flag(store, actor, project, "base", 2)
    assert restore_flag(store, actor, project, "child", 2)["archived"] is False
