from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest

from premiere.engine import (
    EvaluationResult,
    check_kind,
    compile_document,
    evaluate,
    evaluate_all,
    openfeature_error_code,
    openfeature_reason,
)

from .conftest import boolean_flag

RULE = {
    "id": "ent",
    "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}],
    "serve": {"variation": 0},
}


class RaisingContext(Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        raise RuntimeError("boom")

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def test_evaluate__mapping_context__read_like_a_dict() -> None:
    doc = compile_document({"flags": {"f": boolean_flag(rules=[RULE])}})
    result = evaluate(doc, "f", MappingProxyType({"plan": "enterprise"}), None)
    assert (result.reason, result.variation) == ("RULE_MATCH", 0)


def test_evaluate__context_mapping_raises__general_error_with_default() -> None:
    doc = compile_document({"flags": {"f": boolean_flag(rules=[RULE])}})
    result = evaluate(doc, "f", RaisingContext(), "d")
    assert (result.value, result.reason, result.error_code) == ("d", "ERROR", "GENERAL")


def test_evaluate__not_a_compiled_document__flag_not_found() -> None:
    result = evaluate({"flags": {}}, "f", {}, 1)  # type: ignore[arg-type]
    assert (result.value, result.error_code) == (1, "FLAG_NOT_FOUND")


def test_evaluate__unhashable_key__flag_not_found() -> None:
    doc = compile_document({"flags": {}})
    assert evaluate(doc, ["f"], {}, None).error_code == "FLAG_NOT_FOUND"  # type: ignore[arg-type]


def test_evaluate__same_variation_twice__same_result_object() -> None:
    doc = compile_document({"flags": {"f": boolean_flag(rules=[RULE])}})
    first = evaluate(doc, "f", {"key": "a", "plan": "enterprise"}, None)
    second = evaluate(doc, "f", {"key": "b", "plan": "enterprise"}, None)
    assert first is second


def test_compile_document__malformed_flag__problems_kept() -> None:
    doc = compile_document({"flags": {"f": boolean_flag(kind="colour")}})
    assert [(v.field, v.rule) for v in doc.problems["f"]] == [("kind", "enum")]
    assert doc.flag_keys == ["f"]


def test_compile_document__metadata__kept() -> None:
    doc = compile_document({"project": "p", "environment": "e", "version": 3, "flags": {}})
    assert (doc.project, doc.environment, doc.version) == ("p", "e", 3)


def test_evaluate_all__two_flags__result_for_each() -> None:
    doc = compile_document(
        {"flags": {"a": boolean_flag(key="a"), "b": boolean_flag(key="b", on=False)}}
    )
    results = evaluate_all(doc, {"key": "u"})
    assert {k: r.reason for k, r in results.items()} == {"a": "FALLTHROUGH", "b": "OFF"}


def test_check_kind__unknown_kind__type_mismatch() -> None:
    result = EvaluationResult(True, 0, "FALLTHROUGH")
    assert check_kind(result, "bool", False).error_code == "TYPE_MISMATCH"
    assert check_kind(result, "boolean", False) is result


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (EvaluationResult(1, 0, "TARGET_MATCH"), "TARGETING_MATCH"),
        (EvaluationResult(1, 0, "RULE_MATCH", "r", 0), "TARGETING_MATCH"),
        (EvaluationResult(1, 0, "RULE_MATCH", "r", 0, in_rollout=True), "SPLIT"),
        (EvaluationResult(1, 0, "FALLTHROUGH", in_rollout=True), "SPLIT"),
        (EvaluationResult(1, 0, "FALLTHROUGH", static=True), "STATIC"),
        (EvaluationResult(1, 0, "FALLTHROUGH"), "DEFAULT"),
        (EvaluationResult(1, 0, "OFF"), "DISABLED"),
        (EvaluationResult(1, 0, "PREREQUISITE_FAILED", prerequisite_key="p"), "DISABLED"),
        (EvaluationResult(1, None, "ERROR", error_code="GENERAL"), "ERROR"),
    ],
)
def test_openfeature_reason__each_kind__mapped(result: EvaluationResult, reason: str) -> None:
    assert openfeature_reason(result) == reason


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("FLAG_NOT_FOUND", "FLAG_NOT_FOUND"),
        ("MALFORMED_FLAG", "PARSE_ERROR"),
        ("TYPE_MISMATCH", "TYPE_MISMATCH"),
        ("INVALID_CONTEXT", "INVALID_CONTEXT"),
        ("PREREQUISITE_CYCLE", "GENERAL"),
    ],
)
def test_openfeature_error_code__codes__mapped(code: str, expected: str) -> None:
    assert (
        openfeature_error_code(EvaluationResult(None, None, "ERROR", error_code=code)) == expected
    )


def test_openfeature_error_code__not_an_error__none() -> None:
    assert openfeature_error_code(EvaluationResult(1, 0, "OFF")) is None


def test_to_dict__prerequisite_failed__names_prerequisite() -> None:
    result = EvaluationResult(False, 1, "PREREQUISITE_FAILED", prerequisite_key="p")
    assert result.to_dict() == {
        "value": False,
        "variation": 1,
        "reason": {"kind": "PREREQUISITE_FAILED", "prerequisite_key": "p"},
    }
