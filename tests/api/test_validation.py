"""Bad input is refused with 4xx naming the field and the rule it broke."""

from __future__ import annotations

from typing import Any

import pytest

from .support import Api

FLAGS = "/api/v1/projects/demo/flags"
CONFIG = f"{FLAGS}/f/environments/production"


def _violations(response: Any) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert error["message"]
    return [(e["field"], e["rule"]) for e in error["details"]["errors"]]


@pytest.fixture
def flagged(demo: Api) -> Api:
    demo.flag("demo", "f")
    return demo


def _put_config(api: Api, **fields: Any) -> Any:
    body = {"on": True, "off_variation": 1, "fallthrough": {"variation": 0}, "version": 1}
    return api.put(CONFIG, {**body, **fields})


def _rule(*clauses: dict[str, Any], serve: Any = None) -> dict[str, Any]:
    return {"id": "r", "clauses": list(clauses), "serve": serve or {"variation": 0}}


# unknown fields ------------------------------------------------------------------------


def test_unknown_field__top_level__422_unknown_field(api: Api) -> None:
    response = api.post("/api/v1/projects", {"key": "p", "colour": "red"})
    assert _violations(response) == [("colour", "unknown_field")]
    assert response.json()["error"]["message"] == "colour: unknown field 'colour'"


def test_unknown_field__nested_in_clause__422_names_the_path(flagged: Api) -> None:
    clause = {"attribute": "plan", "op": "in", "values": ["x"], "nagate": True}
    response = _put_config(flagged, rules=[_rule({"op": "in", "values": [1]}, clause)])
    assert ("rules[0].clauses[1].nagate", "unknown_field") in _violations(response)


def test_unknown_field__read_only_fields_sent_back__422(flagged: Api) -> None:
    response = flagged.patch(f"{FLAGS}/f", {"name": "x", "created_at": "2024-01-01", "version": 1})
    assert _violations(response) == [("created_at", "unknown_field")]


# wrong types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"on": "true"}, "on"),
        ({"on": 1}, "on"),
        ({"off_variation": "1"}, "off_variation"),
        ({"off_variation": 1.0}, "off_variation"),
        ({"off_variation": True}, "off_variation"),
        ({"rules": {}}, "rules"),
        ({"targets": [{"variation": 0, "values": [1]}]}, "targets[0].values[0]"),
        ({"fallthrough": []}, "fallthrough"),
        ({"rules": [_rule({"op": 5, "values": []})]}, "rules[0].clauses[0].op"),
        ({"on": None}, "on"),
    ],
)
def test_wrong_type__config_patch__422_type(flagged: Api, body: Any, field: str) -> None:
    response = flagged.patch(CONFIG, {**body, "version": 1})
    assert (field, "type") in _violations(response)


def test_missing_required__put_config_without_fallthrough__422_required(flagged: Api) -> None:
    response = flagged.put(CONFIG, {"on": True, "version": 1})
    assert _violations(response) == [("fallthrough", "required")]


def test_wrong_kind__flag_create__422_enum(demo: Api) -> None:
    assert _violations(demo.post(FLAGS, {"key": "f", "kind": "colour"})) == [("kind", "enum")]


def test_variation_value_not_fitting_kind__422_type(demo: Api) -> None:
    response = demo.post(
        FLAGS, {"key": "f", "kind": "number", "variations": [{"value": 1}, {"value": "two"}]}
    )
    assert ("variations[1].value", "type") in _violations(response)


# keys ----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "has space", "slash/y", "ü", "x" * 129, "a?b"])
def test_bad_key__create_project__422_key_pattern(api: Api, key: str) -> None:
    assert _violations(api.post("/api/v1/projects", {"key": key})) == [("key", "key_pattern")]


def test_bad_key__flag_tags__422_key_pattern_with_index(demo: Api) -> None:
    response = demo.post(FLAGS, {"key": "f", "tags": ["ok", "not ok"]})
    assert _violations(response) == [("tags[1]", "key_pattern")]


def test_bad_key__key_as_number__422_type(api: Api) -> None:
    assert _violations(api.post("/api/v1/projects", {"key": 12})) == [("key", "type")]


# domain rules (checked by the services, reported the same way) -------------------------


def test_invalid_regex__matches_clause__422_regex(flagged: Api) -> None:
    clause = {"attribute": "email", "op": "matches", "values": ["(unclosed"]}
    response = _put_config(flagged, rules=[_rule(clause)])
    assert ("rules[0].clauses[0].values[0]", "regex") in _violations(response)


@pytest.mark.parametrize("pattern", ["^(?!admin@)", "(a)\\1", "a{2000}"])
def test_pattern_re2_rejects__matches_clause__422_regex_and_nothing_changes(
    flagged: Api, pattern: str
) -> None:
    before = flagged.get(CONFIG).json()
    clause = {"attribute": "email", "op": "matches", "values": ["^ok$", pattern]}
    response = _put_config(flagged, rules=[_rule(clause)])

    assert response.status_code == 422
    assert _violations(response) == [("rules[0].clauses[0].values[1]", "regex")]
    assert "RE2" in response.json()["error"]["details"]["errors"][0]["message"]
    assert flagged.get(CONFIG).json() == before


def test_unknown_operator__clause__422_enum(flagged: Api) -> None:
    response = _put_config(flagged, rules=[_rule({"attribute": "a", "op": "near", "values": [1]})])
    assert ("rules[0].clauses[0].op", "enum") in _violations(response)


def test_rollout_weights__not_100_percent__422_weights_sum(flagged: Api) -> None:
    rollout = {
        "variations": [{"variation": 0, "weight": 50_000}, {"variation": 1, "weight": 40_000}]
    }
    response = _put_config(flagged, fallthrough={"rollout": rollout})
    violations = _violations(response)
    assert [rule for _, rule in violations] == ["weights_sum"]
    assert violations[0][0].startswith("fallthrough.rollout")


def test_unknown_variation__off_variation_out_of_range__422_index_range(flagged: Api) -> None:
    response = _put_config(flagged, off_variation=5)
    assert _violations(response) == [("off_variation", "index_range")]


def test_unknown_variation__rule_serve__422_index_range(flagged: Api) -> None:
    response = _put_config(
        flagged,
        rules=[_rule({"op": "in", "attribute": "a", "values": [1]}, serve={"variation": 2})],
    )
    assert ("rules[0].serve.variation", "index_range") in _violations(response)


def test_serve__both_variation_and_rollout__422_one_of(flagged: Api) -> None:
    serve = {"variation": 0, "rollout": {"variations": [{"variation": 0, "weight": 100_000}]}}
    response = _put_config(flagged, fallthrough=serve)
    assert ("fallthrough", "one_of") in _violations(response)


def test_unknown_segment__segment_match__422_names_the_value(flagged: Api) -> None:
    clause = {"op": "segment_match", "values": ["no-such-segment"]}
    violations = _violations(_put_config(flagged, rules=[_rule(clause)]))
    assert [field for field, _ in violations] == ["rules[0].clauses[0].values[0]"]


def test_unknown_prerequisite_flag__422_names_the_key(flagged: Api) -> None:
    response = _put_config(flagged, prerequisites=[{"key": "ghost", "variation": 0}])
    assert [field for field, _ in _violations(response)] == ["prerequisites[0].key"]


def test_prerequisite_cycle__a_needs_b_needs_a__422_cycle(flagged: Api) -> None:
    flagged.flag("demo", "g")
    flagged.ok(
        flagged.patch(
            f"{FLAGS}/g/environments/production",
            {"prerequisites": [{"key": "f", "variation": 0}], "version": 1},
        )
    )
    response = flagged.patch(
        CONFIG, {"prerequisites": [{"key": "g", "variation": 0}], "version": 1}
    )
    violations = _violations(response)
    assert len(violations) == 1
    assert violations[0][0].startswith("prerequisites")
    assert "g" in response.json()["error"]["message"]


def test_segment__segment_match_inside_segment__422(demo: Api) -> None:
    response = demo.post(
        "/api/v1/projects/demo/segments",
        {"key": "s", "rules": [{"id": "r", "clauses": [{"op": "segment_match", "values": ["t"]}]}]},
    )
    assert ("rules[0].clauses[0].op", "not_allowed") in _violations(response)


def test_token__unknown_scope__422_enum(api: Api) -> None:
    assert _violations(api.post("/api/v1/tokens", {"name": "t", "scope": "root"})) == [
        ("scope", "enum")
    ]


def test_many_problems__all_reported_at_once(api: Api) -> None:
    response = api.post("/api/v1/projects", {"key": "bad key", "name": 3, "x": 1})
    assert sorted(_violations(response)) == [
        ("key", "key_pattern"),
        ("name", "type"),
        ("x", "unknown_field"),
    ]


def test_environment_position__negative__422_minimum(demo: Api) -> None:
    response = demo.patch(
        "/api/v1/projects/demo/environments/staging", {"position": -1, "version": 1}
    )
    assert _violations(response) == [("position", "minimum")]


# text the databases cannot store ----------------------------------------------------


def test_nul_character__in_body_field__422_names_the_field(flagged: Api) -> None:
    clause = {"attribute": "email", "op": "in", "values": ["ok", "bad\x00"]}
    response = _put_config(flagged, rules=[_rule(clause)])
    assert _violations(response) == [("rules[0].clauses[0].values[1]", "nul_character")]


def test_nul_character__in_path__404(demo: Api) -> None:
    response = demo.get("/api/v1/projects/de%00mo")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_nul_character__in_query__422_names_the_parameter(demo: Api) -> None:
    response = demo.get("/api/v1/audit", params={"actor": "a\x00"})
    assert _violations(response) == [("query.actor", "nul_character")]


def test_non_finite_number__nan_in_context_and_values__422_type(flagged: Api) -> None:
    body = (
        b'{"version": 1, "rules": [{"clauses": [{"attribute": "a", "op": "lt",'
        b' "values": [1, Infinity]}], "serve": {"variation": 0}}]}'
    )
    response = flagged.request(
        "PATCH", CONFIG, content=body, headers={"Content-Type": "application/json"}
    )
    assert ("rules[0].clauses[0].values[1]", "type") in _violations(response)
    path = "/api/v1/projects/demo/environments/production/evaluate/f"
    response = flagged.request(
        "POST",
        path,
        content=b'{"context": {"key": "u", "score": NaN}}',
        headers={"Content-Type": "application/json"},
    )
    assert _violations(response) == [("context.score", "type")]
