from __future__ import annotations

import copy
from typing import Any

import pytest

from premiere.engine import KEY_PATTERN, RULE_NAMES, is_valid_key, validate_flag, validate_segment

from .conftest import boolean_flag

RULE = {
    "id": "r",
    "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}],
    "serve": {"variation": 0},
}


def _with(path: str, value: Any) -> dict[str, Any]:
    """A valid flag (with one rule) where the dotted ``path`` is set to ``value``."""
    flag = boolean_flag(rules=[copy.deepcopy(RULE)])
    target: Any = flag
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return flag


_DELETE = object()
ROLLOUT = {
    "rollout": {"variations": [{"variation": 0, "weight": 1}, {"variation": 1, "weight": 2}]}
}

CASES = [
    ("key", _DELETE, "key", "required"),
    ("key", "has space", "key", "key_pattern"),
    ("key", "x" * 129, "key", "key_pattern"),
    ("key", 5, "key", "type"),
    ("kind", "integer", "kind", "enum"),
    ("kind", _DELETE, "kind", "required"),
    ("variations", [], "variations", "non_empty"),
    ("variations", {}, "variations", "type"),
    ("variations.1.value", "no", "variations[1].value", "type"),
    ("variations.1", {"name": "x"}, "variations[1].value", "required"),
    ("variations.1.name", 3, "variations[1].name", "type"),
    ("on", "yes", "on", "type"),
    ("salt", 1, "salt", "type"),
    ("version", True, "version", "type"),
    ("off_variation", 2, "off_variation", "index_range"),
    ("off_variation", -1, "off_variation", "index_range"),
    ("off_variation", "0", "off_variation", "type"),
    ("fallthrough", _DELETE, "fallthrough", "required"),
    ("fallthrough", {}, "fallthrough", "one_of"),
    ("fallthrough", {"variation": 0, "rollout": {}}, "fallthrough", "one_of"),
    ("fallthrough.variation", 9, "fallthrough.variation", "index_range"),
    ("fallthrough", ROLLOUT, "fallthrough.rollout.variations", "weights_sum"),
    ("fallthrough", {"rollout": {"variations": []}}, "fallthrough.rollout.variations", "non_empty"),
    (
        "fallthrough",
        {"rollout": {"variations": [{"variation": 0, "weight": 100_001}]}},
        "fallthrough.rollout.variations[0].weight",
        "weight_range",
    ),
    (
        "fallthrough",
        {"rollout": {"variations": [{"variation": 0}]}},
        "fallthrough.rollout.variations[0].weight",
        "required",
    ),
    (
        "fallthrough",
        {"rollout": {"bucket_by": "", "variations": [{"variation": 0, "weight": 100_000}]}},
        "fallthrough.rollout.bucket_by",
        "type",
    ),
    ("rules.0.id", _DELETE, "rules[0].id", "required"),
    ("rules.0.id", "a b", "rules[0].id", "key_pattern"),
    ("rules.0.serve", _DELETE, "rules[0].serve", "required"),
    ("rules.0.clauses", "x", "rules[0].clauses", "type"),
    ("rules.0.clauses.0.op", "equals", "rules[0].clauses[0].op", "enum"),
    ("rules.0.clauses.0.op", _DELETE, "rules[0].clauses[0].op", "required"),
    ("rules.0.clauses.0.attribute", _DELETE, "rules[0].clauses[0].attribute", "required"),
    ("rules.0.clauses.0.attribute", "", "rules[0].clauses[0].attribute", "type"),
    ("rules.0.clauses.0.negate", "no", "rules[0].clauses[0].negate", "type"),
    ("rules.0.clauses.0.values", [], "rules[0].clauses[0].values", "non_empty"),
    ("rules.0.clauses.0.values", _DELETE, "rules[0].clauses[0].values", "required"),
    ("rules.0.clauses.0.values.0", None, "rules[0].clauses[0].values[0]", "type"),
    ("rules.0.clauses.0.values.0", {"a": 1}, "rules[0].clauses[0].values[0]", "type"),
    ("prerequisites", [{"key": "p"}], "prerequisites[0].variation", "required"),
    ("prerequisites", [{"variation": 0}], "prerequisites[0].key", "required"),
    ("prerequisites", "p", "prerequisites", "type"),
    ("targets", [{"variation": 0, "values": [1]}], "targets[0].values[0]", "type"),
    ("targets", [{"variation": 5, "values": ["u"]}], "targets[0].variation", "index_range"),
    ("targets", [{"variation": 0}], "targets[0].values", "required"),
]


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"), CASES, ids=[f"{c[2]}-{c[3]}" for c in CASES]
)
def test_validate_flag__broken_field__names_field_and_rule(
    path: str, value: Any, field: str, rule: str
) -> None:
    violations = validate_flag(_with(path, value))

    assert (field, rule) in [(v.field, v.rule) for v in violations]
    assert all(v.rule in RULE_NAMES for v in violations)


def _clause_flag(op: str, values: list[Any], **extra: Any) -> dict[str, Any]:
    clause = {"attribute": "a", "op": op, "values": values, **extra}
    return boolean_flag(rules=[{"id": "r", "clauses": [clause], "serve": {"variation": 0}}])


@pytest.mark.parametrize(
    ("op", "value", "rule"),
    [
        ("matches", "(", "regex"),
        ("matches", 5, "type"),
        ("starts_with", 5, "type"),
        ("lt", "5", "type"),
        ("gte", True, "type"),
        ("semver_eq", "1.2.x", "semver"),
        ("semver_lt", "v1.0.0", "semver"),
        ("semver_gt", 1, "type"),
        ("before", "tomorrow", "date"),
        ("after", "2026-01-01", "date"),
        ("after", "2026-01-01T00:00:00", "date"),
        ("segment_match", "a b", "key_pattern"),
        ("segment_match", 3, "type"),
    ],
)
def test_validate_flag__bad_clause_value__rule_named(op: str, value: Any, rule: str) -> None:
    violations = validate_flag(_clause_flag(op, [value]))

    assert [(v.field, v.rule) for v in violations] == [("rules[0].clauses[0].values[0]", rule)]


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("in", 1.5),
        ("in", False),
        ("matches", "^a+$"),
        ("semver_eq", "1.2"),
        ("semver_gte", "1.0.0-rc.1+build"),
        ("before", "2026-01-01T00:00:00.123456789+05:30"),
        ("after", 1767225600000),
        ("segment_match", "staff"),
    ],
)
def test_validate_flag__good_clause_value__no_violation(op: str, value: Any) -> None:
    assert validate_flag(_clause_flag(op, [value])) == []


def test_validate_flag__segment_match_without_attribute__valid() -> None:
    flag = boolean_flag(
        rules=[
            {
                "id": "r",
                "clauses": [{"op": "segment_match", "values": ["s"]}],
                "serve": {"variation": 0},
            }
        ]
    )
    assert validate_flag(flag) == []


def test_validate_flag__duplicates__each_reported() -> None:
    flag = boolean_flag(
        rules=[
            {"id": "r", "clauses": [], "serve": {"variation": 0}},
            {"id": "r", "clauses": [], "serve": {"variation": 1}},
        ],
        targets=[{"variation": 0, "values": ["u"]}, {"variation": 1, "values": ["v", "u"]}],
        prerequisites=[{"key": "p", "variation": 0}, {"key": "p", "variation": 1}],
    )

    found = {(v.field, v.rule) for v in validate_flag(flag)}

    assert found == {
        ("rules[1].id", "duplicate"),
        ("targets[1].values[1]", "duplicate"),
        ("prerequisites[1].key", "duplicate"),
    }


def test_validate_flag__not_an_object__one_type_violation() -> None:
    assert [(v.field, v.rule) for v in validate_flag([1])] == [("", "type")]


def test_validate_flag__json_kind__accepts_nested_values_rejects_nan() -> None:
    ok = boolean_flag(
        kind="json", variations=[{"value": {"a": [1, None, {"b": "c"}]}}, {"value": None}]
    )
    bad = boolean_flag(kind="json", variations=[{"value": float("nan")}, {"value": {1: 2}}])

    assert validate_flag(ok) == []
    assert [(v.field, v.rule) for v in validate_flag(bad)] == [
        ("variations[0].value", "type"),
        ("variations[1].value", "type"),
    ]


def test_validate_flag__unknown_fields__ignored() -> None:
    assert validate_flag(boolean_flag(name="x", tags=["a"], archived=False)) == []


def test_validate_segment__valid__no_violations() -> None:
    segment = {
        "key": "staff",
        "included": ["u"],
        "excluded": [],
        "rules": [{"clauses": [{"attribute": "email", "op": "ends_with", "values": ["@x.org"]}]}],
    }
    assert validate_segment(segment) == []


@pytest.mark.parametrize(
    ("segment", "field", "rule"),
    [
        ({}, "key", "required"),
        ({"key": "s", "included": "u"}, "included", "type"),
        ({"key": "s", "excluded": [1]}, "excluded[0]", "type"),
        ({"key": "s", "rules": {}}, "rules", "type"),
        ({"key": "s", "rules": [{"id": "a"}, {"id": "a"}]}, "rules[1].id", "duplicate"),
        (
            {"key": "s", "rules": [{"clauses": [{"op": "segment_match", "values": ["t"]}]}]},
            "rules[0].clauses[0].op",
            "not_allowed",
        ),
    ],
)
def test_validate_segment__broken__names_field_and_rule(
    segment: dict[str, Any], field: str, rule: str
) -> None:
    assert (field, rule) in [(v.field, v.rule) for v in validate_segment(segment)]


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("a", True),
        ("A-b_c.9", True),
        ("x" * 128, True),
        ("", False),
        ("x" * 129, False),
        ("a b", False),
        ("a\n", False),
        ("ä", False),
        (5, False),
    ],
)
def test_is_valid_key__examples__match_key_pattern(key: Any, valid: bool) -> None:
    assert is_valid_key(key) is valid
    if isinstance(key, str):
        assert (KEY_PATTERN.fullmatch(key) is not None) is valid
