from __future__ import annotations

import pytest

from premiere.errors import AlreadyExistsError, ConflictError, NotFoundError, ValidationError
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.flags.definitions import create_flag, update_flag_config
from premiere.services.flags.segments import (
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    update_segment,
)
from premiere.services.sdk.documents import document_version
from premiere.store import Store

EMAIL_RULE = {
    "id": "staff-email",
    "clauses": [
        {"attribute": "email", "op": "ends_with", "values": ["@example.com"], "negate": False}
    ],
}


def test_create_segment__valid__stored_and_bumps_every_environment(
    store: Store, actor: Actor, project: str
) -> None:
    before = [document_version(store, project, e) for e in ("staging", "production")]

    view = create_segment(
        store, actor, project, {"key": "staff", "included": ["u1", "u1"], "rules": [EMAIL_RULE]}
    )

    assert (view["key"], view["included"], view["excluded"], view["version"]) == (
        "staff",
        ["u1"],
        [],
        1,
    )
    assert get_segment(store, project, "staff") == view
    assert [s["key"] for s in list_segments(store, project)] == ["staff"]
    after = [document_version(store, project, e) for e in ("staging", "production")]
    assert after == [v + 1 for v in before]


def test_create_segment__duplicate__already_exists(
    store: Store, actor: Actor, project: str
) -> None:
    create_segment(store, actor, project, {"key": "staff"})

    with pytest.raises(AlreadyExistsError):
        create_segment(store, actor, project, {"key": "staff"})


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"key": "a b"}, "key", "key_pattern"),
        ({"key": "s", "included": [1]}, "included[0]", "type"),
        (
            {"key": "s", "rules": [{"clauses": [{"op": "segment_match", "values": ["x"]}]}]},
            "rules[0].clauses[0].op",
            "not_allowed",
        ),
        ({"key": "s", "members": []}, "members", "unknown_field"),
    ],
)
def test_create_segment__bad_data__names_field_and_rule(
    store: Store, actor: Actor, project: str, data: dict[str, object], field: str, rule: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        create_segment(store, actor, project, data)

    assert (field, rule) in {(v.field, v.rule) for v in caught.value.violations}


def test_update_segment__put__replaces_fields(store: Store, actor: Actor, project: str) -> None:
    create_segment(store, actor, project, {"key": "staff", "included": ["u1"], "name": "Staff"})

    view = update_segment(store, actor, project, "staff", {"excluded": ["u9"]}, 1)

    assert (view["included"], view["excluded"], view["name"], view["version"]) == (
        [],
        ["u9"],
        "staff",
        2,
    )


def test_delete_segment__unused__gone_and_audited(store: Store, actor: Actor, project: str) -> None:
    create_segment(store, actor, project, {"key": "staff"})

    delete_segment(store, actor, project, "staff", 1)

    with pytest.raises(NotFoundError):
        get_segment(store, project, "staff")
    event = list_audit_events(store, action="segment.deleted")["items"][0]
    assert (event["before"]["key"], event["after"]) == ("staff", None)


def test_delete_segment__used_by_a_flag__conflict_names_it(
    store: Store, actor: Actor, project: str
) -> None:
    create_segment(store, actor, project, {"key": "staff"})
    create_flag(store, actor, project, {"key": "f"})
    rule = {
        "id": "r",
        "clauses": [{"op": "segment_match", "values": ["staff"]}],
        "serve": {"variation": 0},
    }
    update_flag_config(store, actor, project, "f", "staging", {"rules": [rule]}, 1, partial=True)

    with pytest.raises(ConflictError) as caught:
        delete_segment(store, actor, project, "staff", 1)

    assert caught.value.details["used_by"] == [{"flag": "f", "environment": "staging"}]


def test_create_segment__lone_surrogate_in_clause_value__lone_surrogate_nothing_stored(
    store: Store, actor: Actor, project: str
) -> None:
    rule = {"id": "r", "clauses": [{"attribute": "country", "op": "in", "values": ["\ud800"]}]}

    with pytest.raises(ValidationError) as caught:
        create_segment(store, actor, project, {"key": "eu", "rules": [rule]})

    assert [(v.field, v.rule) for v in caught.value.violations] == [
        ("rules[0].clauses[0].values[0]", "lone_surrogate")
    ]
    assert list_segments(store, project) == []
