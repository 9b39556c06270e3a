from __future__ import annotations

from typing import Any

from premiere.engine import find_prerequisite_cycle, referenced_flags, referenced_segments


def _needs(*keys: str) -> dict[str, Any]:
    return {"prerequisites": [{"key": k, "variation": 0} for k in keys]}


def test_find_prerequisite_cycle__no_cycle__none() -> None:
    flags = {"a": _needs("b", "c"), "b": _needs("c"), "c": _needs(), "d": _needs("a")}
    assert find_prerequisite_cycle(flags) is None


def test_find_prerequisite_cycle__two_flags__cycle_closed() -> None:
    assert find_prerequisite_cycle({"a": _needs("b"), "b": _needs("a")}) == ["a", "b", "a"]


def test_find_prerequisite_cycle__self__two_element_cycle() -> None:
    assert find_prerequisite_cycle({"x": _needs(), "a": _needs("a")}) == ["a", "a"]


def test_find_prerequisite_cycle__cycle_behind_a_path__only_the_cycle() -> None:
    flags = {"start": _needs("b"), "b": _needs("c"), "c": _needs("d"), "d": _needs("b")}
    assert find_prerequisite_cycle(flags) == ["b", "c", "d", "b"]


def test_find_prerequisite_cycle__missing_and_junk__ignored() -> None:
    flags: dict[str, Any] = {
        "a": _needs("ghost"),
        "b": "junk",
        "c": {"prerequisites": [1, {"key": 2}]},
    }
    assert find_prerequisite_cycle(flags) is None


def test_find_prerequisite_cycle__long_chain__no_recursion_limit() -> None:
    flags = {f"f{i}": _needs(f"f{i + 1}") for i in range(5000)}
    flags["f5000"] = _needs("f0")
    cycle = find_prerequisite_cycle(flags)
    assert cycle is not None and len(cycle) == 5002


def test_referenced_segments__segment_match_clauses__keys() -> None:
    flag = {
        "rules": [
            {
                "clauses": [
                    {"op": "segment_match", "values": ["a", "b"]},
                    {"op": "in", "values": ["c"]},
                ]
            },
            {"clauses": [{"op": "segment_match", "values": ["b", 3]}]},
            "junk",
        ]
    }
    assert referenced_segments(flag) == {"a", "b"}


def test_referenced_flags__prerequisites__keys() -> None:
    assert referenced_flags(_needs("a", "b")) == {"a", "b"}
    assert referenced_flags(None) == set()
