from __future__ import annotations

from typing import Any

import pytest

from premiere.errors import NotFoundError, ValidationError, VersionRequiredError
from premiere.services import Actor
from premiere.services.audit import list_audit_events
from premiere.services.flags.definitions import create_flag, get_flag_config, update_flag_config
from premiere.services.flags.segments import create_segment
from premiere.services.sdk.documents import document_version
from premiere.store import Store

RULE = {
    "id": "enterprise",
    "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"], "negate": False}],
    "serve": {"variation": 0},
}


@pytest.fixture
def flag(store: Store, actor: Actor, project: str) -> str:
    create_flag(store, actor, project, {"key": "f"})
    return "f"


def _patch(store: Store, actor: Actor, data: dict[str, Any], version: int = 1) -> dict[str, Any]:
    return update_flag_config(store, actor, "demo", "f", "production", data, version, partial=True)


def _violations(store: Store, actor: Actor, data: dict[str, Any]) -> set[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        _patch(store, actor, data)
    return {(v.field, v.rule) for v in caught.value.violations}


def test_update_flag_config__patch__merges_and_bumps_only_that_environment(
    store: Store, actor: Actor, project: str, flag: str
) -> None:
    staging_before = document_version(store, project, "staging")
    production_before = document_version(store, project, "production")

    view = _patch(store, actor, {"on": True, "rules": [RULE]})

    assert (view["on"], view["rules"], view["version"]) == (True, [RULE], 2)
    assert view["fallthrough"] == {"variation": 0}  # kept from before
    assert get_flag_config(store, project, flag, "production") == view
    assert get_flag_config(store, project, flag, "staging")["version"] == 1
    assert document_version(store, project, "production") == production_before + 1
    assert document_version(store, project, "staging") == staging_before


def test_update_flag_config__put__replaces_and_requires_fallthrough(
    store: Store, actor: Actor, project: str, flag: str
) -> None:
    _patch(store, actor, {"rules": [RULE]})

    with pytest.raises(ValidationError) as caught:
        update_flag_config(
            store, actor, project, flag, "production", {"on": True}, 2, partial=False
        )
    view = update_flag_config(
        store,
        actor,
        project,
        flag,
        "production",
        {"on": True, "fallthrough": {"variation": 1}},
        2,
        partial=False,
    )

    assert [(v.field, v.rule) for v in caught.value.violations] == [("fallthrough", "required")]
    assert (view["rules"], view["off_variation"], view["version"]) == ([], None, 3)


def test_update_flag_config__any__audited_with_environment(
    store: Store, actor: Actor, project: str, flag: str
) -> None:
    _patch(store, actor, {"on": True})

    event = list_audit_events(store, action="flag_config.updated")["items"][0]
    assert (event["resource_type"], event["resource_key"], event["environment"]) == (
        "flag",
        "f",
        "production",
    )
    assert (event["before"]["on"], event["after"]["on"]) == (False, True)


def test_update_flag_config__rule_without_id__gets_one(
    store: Store, actor: Actor, project: str, flag: str
) -> None:
    rule = {key: value for key, value in RULE.items() if key != "id"}

    view = _patch(store, actor, {"rules": [rule, RULE]})

    assert view["rules"][0]["id"].startswith("rule-")
    assert view["rules"][1]["id"] == "enterprise"


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"off_variation": 7}, "off_variation", "index_range"),
        (
            {"fallthrough": {"rollout": {"variations": [{"variation": 0, "weight": 10}]}}},
            "fallthrough.rollout.variations",
            "weights_sum",
        ),
        (
            {
                "rules": [
                    {**RULE, "clauses": [{"attribute": "a", "op": "matches", "values": ["("]}]}
                ]
            },
            "rules[0].clauses[0].values[0]",
            "regex",
        ),
        (
            {"rules": [{**RULE, "clauses": [{"attribute": "a", "op": "in", "values": []}]}]},
            "rules[0].clauses[0].values",
            "non_empty",
        ),
        ({"rules": [RULE, RULE]}, "rules[1].id", "duplicate"),
        (
            {"targets": [{"variation": 0, "values": ["u1"]}, {"variation": 1, "values": ["u1"]}]},
            "targets[1].values[0]",
            "duplicate",
        ),
        (
            {"rules": [{**RULE, "clauses": [{"op": "segment_match", "values": ["nope"]}]}]},
            "rules[0].clauses[0].values[0]",
            "unknown_segment",
        ),
        (
            {"prerequisites": [{"key": "ghost", "variation": 0}]},
            "prerequisites[0].key",
            "unknown_flag",
        ),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_update_flag_config__bad_data__names_field_and_rule(
    store: Store, actor: Actor, flag: str, data: dict[str, Any], field: str, rule: str
) -> None:
    assert (field, rule) in _violations(store, actor, data)


def test_update_flag_config__known_segment__accepted(
    store: Store, actor: Actor, project: str, flag: str
) -> None:
    create_segment(store, actor, project, {"key": "staff", "included": ["u1"]})
    rule = {**RULE, "clauses": [{"op": "segment_match", "values": ["staff"]}]}

    view = _patch(store, actor, {"rules": [rule]})

    assert view["rules"][0]["clauses"][0]["values"] == ["staff"]


def test_update_flag_config__prerequisite_variation_out_of_range__refused(
    store: Store, actor: Actor, project: str, flag: str
) -> None:
    create_flag(store, actor, project, {"key": "base"})

    violations = _violations(store, actor, {"prerequisites": [{"key": "base", "variation": 2}]})

    assert violations == {("prerequisites[0].variation", "index_range")}


def test_update_flag_config__prerequisite_cycle__refused(
    store: Store, actor: Actor, project: str, flag: str
) -> None:
    create_flag(store, actor, project, {"key": "g"})
    create_flag(store, actor, project, {"key": "h"})
    update_flag_config(
        store,
        actor,
        project,
        "g",
        "production",
        {"prerequisites": [{"key": "h", "variation": 0}]},
        1,
        partial=True,
    )
    update_flag_config(
        store,
        actor,
        project,
        "h",
        "production",
        {"prerequisites": [{"key": "f", "variation": 0}]},
        1,
        partial=True,
    )

    with pytest.raises(ValidationError) as caught:
        _patch(store, actor, {"prerequisites": [{"key": "g", "variation": 0}]})

    violation = caught.value.violations[0]
    assert (violation.field, violation.rule) == ("prerequisites", "prerequisite_cycle")
    assert "f -> g -> h -> f" in violation.message
    # The same edges in another environment are fine: cycles are per environment.
    update_flag_config(
        store,
        actor,
        project,
        flag,
        "staging",
        {"prerequisites": [{"key": "g", "variation": 0}]},
        1,
        partial=True,
    )


def test_update_flag_config__self_prerequisite__refused(
    store: Store, actor: Actor, flag: str
) -> None:
    assert _violations(store, actor, {"prerequisites": [{"key": "f", "variation": 0}]}) == {
        ("prerequisites", "prerequisite_cycle")
    }


def test_update_flag_config__no_version__version_required(
    store: Store, actor: Actor, flag: str
) -> None:
    with pytest.raises(VersionRequiredError):
        update_flag_config(
            store, actor, "demo", "f", "production", {"on": True}, None, partial=True
        )


def test_get_flag_config__unknown_environment__not_found_names_it(
    store: Store, flag: str, project: str
) -> None:
    with pytest.raises(NotFoundError) as caught:
        get_flag_config(store, project, flag, "qa")

    assert caught.value.details == {"resource": "environment", "key": "qa"}
