"""The ``matches`` operator: RE2 patterns, linear time, and RE2's reasons for rejecting."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from premiere.engine import compile_document, evaluate, validate_flag
from premiere.engine.patterns import PatternSet, pattern_problem

from .conftest import boolean_flag


def _matches_flag(*patterns: str) -> dict[str, Any]:
    clause = {"attribute": "name", "op": "matches", "values": list(patterns)}
    return boolean_flag(
        rules=[{"id": "r", "clauses": [clause], "serve": {"variation": 1}}],
    )


def test_matches__nested_repetition_on_long_input__answers_in_linear_time() -> None:
    # Given the pattern that makes a backtracking engine take exponential time
    compiled = compile_document({"flags": {"f": _matches_flag("^(a+)+$")}})
    results: list[Any] = []

    # When it is searched in 100,000 a's followed by a character that fails the match
    def run() -> None:
        results.append(evaluate(compiled, "f", {"name": "a" * 100_000 + "!"}, None))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=10)  # a bound on the wait, not a sleep: RE2 takes milliseconds

    # Then the answer came (a backtracking engine would still be running) and is no match
    assert not worker.is_alive()
    assert results[0].reason == "FALLTHROUGH"


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("(a)\\1", "invalid escape sequence: \\1"),
        ("^(?=a)", "invalid perl operator: (?="),
        ("(?<!a)b", "invalid perl operator: (?<!"),
        ("a{1001}", "invalid repetition size: {1001}"),
        ("(", "missing ): ("),
    ],
)
def test_validate_flag__pattern_re2_rejects__regex_rule_with_re2_reason(
    pattern: str, reason: str
) -> None:
    violations = validate_flag(_matches_flag(pattern))

    assert [(v.field, v.rule) for v in violations] == [("rules[0].clauses[0].values[0]", "regex")]
    assert violations[0].message == f"not a regular expression RE2 accepts: {reason}"


def test_compile_document__stored_pattern_re2_rejects__flag_malformed_others_unaffected() -> None:
    # Given a document stored before RE2: one flag uses a lookahead, another is fine
    document = {"flags": {"f": _matches_flag("^(?!admin)"), "g": {**boolean_flag(), "key": "g"}}}

    # When it is compiled and both flags are evaluated
    compiled = compile_document(document)
    bad = evaluate(compiled, "f", {"name": "bob"}, "default")
    good = evaluate(compiled, "g", {"name": "bob"}, "default")

    # Then the lookahead flag serves the default as malformed, and says why
    assert (bad.value, bad.reason, bad.error_code) == ("default", "ERROR", "MALFORMED_FLAG")
    assert [v.rule for v in compiled.problems["f"]] == ["regex"]
    assert (good.value, good.reason) == (True, "FALLTHROUGH")


@pytest.mark.parametrize("value", ["\ud800", "a\udfffb", "\x00", ""])
def test_pattern_set__strings_not_valid_utf8__searched_without_raising(value: str) -> None:
    patterns = PatternSet(["b", "^$", "\\x00"])

    assert patterns.search(value) is (value != "\ud800")


def test_pattern_set__unusable_patterns__finds_nothing() -> None:
    assert PatternSet(["(a)\\1"]).search("aa") is False
    assert PatternSet([]).search("a") is False


def test_pattern_problem__lone_surrogate_in_pattern__reported_not_raised() -> None:
    assert pattern_problem("\ud800") is not None
    assert pattern_problem("^a+$") is None
