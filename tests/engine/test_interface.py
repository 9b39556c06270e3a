from __future__ import annotations

from premiere.engine import compile_document, evaluate, validate_flag

from .conftest import boolean_flag


def test_evaluate__rule_matches__serves_rule_variation() -> None:
    rule = {
        "id": "ent",
        "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}],
        "serve": {"variation": 1},
    }
    doc = compile_document({"flags": {"f": boolean_flag(rules=[rule])}})

    result = evaluate(doc, "f", {"key": "u", "plan": "enterprise"}, None)

    assert (result.value, result.variation, result.reason) == (False, 1, "RULE_MATCH")
    assert (result.rule_id, result.rule_index) == ("ent", 0)


def test_validate_flag__valid_flag__no_violations() -> None:
    assert validate_flag(boolean_flag()) == []
