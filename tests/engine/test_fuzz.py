"""Junk in, no exception out: random documents, flags, segments and contexts.

Seeded, so every run checks the same inputs; the flags are mutations of valid flags, so
that the junk reaches deep into the compiler and the evaluator, not only the first check.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from typing import Any

import pytest

from premiere.engine import (
    ERROR_CODES,
    REASON_KINDS,
    EvaluationResult,
    compile_document,
    evaluate,
    find_prerequisite_cycle,
    openfeature_reason,
    referenced_flags,
    referenced_segments,
    validate_flag,
    validate_segment,
)
from premiere.errors import Violation

SCALARS: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1,
    2,
    100_000,
    2**70,
    1.5,
    float("nan"),
    float("inf"),
    "",
    "a",
    "key",
    "plan",
    "enterprise",
    "1.2.3",
    "2026-01-01T00:00:00Z",
    "(",
    "\ud800",
    "user-1",
    "in",
    "segment_match",
    "matches",
    "semver_lt",
    "before",
    "org.plan",
]
OPS = [
    "in",
    "starts_with",
    "ends_with",
    "contains",
    "matches",
    "lt",
    "gte",
    "semver_eq",
    "semver_gt",
    "before",
    "after",
    "segment_match",
    "nope",
]


VALUES_FOR: dict[str, list[Any]] = {
    "lt": [10],
    "gte": [10],
    "semver_eq": ["1.2.3"],
    "semver_gt": ["1.2"],
    "before": ["2026-01-01T00:00:00Z"],
    "after": [1767225600000],
    "segment_match": ["seg"],
}


def junk(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.55:
        return rng.choice(SCALARS)
    if roll < 0.8:
        return [junk(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {
        rng.choice(["key", "a", "plan", "values", "op", 1]): junk(rng, depth + 1)
        for _ in range(rng.randint(0, 3))
    }


def valid_flag(rng: random.Random, key: str, others: list[str]) -> dict[str, Any]:
    clause = {
        "attribute": rng.choice(["plan", "org.plan", "key", "v"]),
        "op": rng.choice(OPS[:-1]),
        "values": ["enterprise"],
        "negate": rng.random() < 0.3,
    }
    clause["values"] = VALUES_FOR.get(clause["op"], ["enterprise"])
    rollout = {
        "rollout": {
            "bucket_by": rng.choice(["key", "org.id", "n"]),
            "variations": [{"variation": 0, "weight": 30_000}, {"variation": 1, "weight": 70_000}],
        }
    }
    return {
        "key": key,
        "kind": "boolean",
        "salt": "s",
        "on": rng.random() < 0.9,
        "off_variation": 1,
        "variations": [{"value": True}, {"value": False}],
        "prerequisites": [{"key": rng.choice(others), "variation": 0}]
        if rng.random() < 0.4
        else [],
        "targets": [{"variation": 0, "values": ["user-1"]}],
        "rules": [
            {"id": "r", "clauses": [clause], "serve": rng.choice([{"variation": 0}, rollout])}
        ],
        "fallthrough": rng.choice([{"variation": 1}, rollout]),
    }


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from paths(v, (*prefix, i))


def mutate(rng: random.Random, flag: dict[str, Any]) -> Any:
    out = copy.deepcopy(flag)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(list(paths(out)))
        if not path:
            return junk(rng)
        parent: Any = out
        for step in path[:-1]:
            parent = parent[step]
        if rng.random() < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = junk(rng)
    return out


def context(rng: random.Random) -> Any:
    if rng.random() < 0.1:
        return junk(rng)
    ctx = {
        "key": rng.choice(["user-1", "user-2", "\ud800", 7, None, ["user-1"]]),
        "plan": junk(rng),
        "org": rng.choice([{"plan": "enterprise", "id": junk(rng)}, junk(rng)]),
        "v": junk(rng),
        "n": junk(rng),
    }
    return ctx


def document(rng: random.Random) -> Any:
    keys = ["f0", "f1", "f2", "f3"]
    flags: dict[Any, Any] = {}
    for key in keys:
        flag = valid_flag(rng, key, keys)
        flags[key] = mutate(rng, flag) if rng.random() < 0.6 else flag
    segment: Any = {
        "key": "seg",
        "included": ["user-2"],
        "excluded": [],
        "rules": [{"clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}]}],
    }
    if rng.random() < 0.3:
        segment = mutate(rng, segment)
    doc: Any = {"flags": flags, "segments": {"seg": segment}}
    if rng.random() < 0.05:
        doc = junk(rng)
    return doc


def check_result(result: Any) -> None:
    assert isinstance(result, EvaluationResult)
    assert result.reason in REASON_KINDS
    assert result.error_code is None or result.error_code in ERROR_CODES
    assert isinstance(result.to_dict()["reason"]["kind"], str)
    assert isinstance(openfeature_reason(result), str)


@pytest.mark.parametrize("seed", range(40))
def test_engine__random_junk__never_raises(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(10):
        doc = document(rng)
        compiled = compile_document(doc)
        flags = doc.get("flags", {}) if isinstance(doc, dict) else {}
        for flag in flags.values() if isinstance(flags, dict) else []:
            assert all(isinstance(v, Violation) for v in validate_flag(flag))
            assert isinstance(referenced_flags(flag), set)
            assert isinstance(referenced_segments(flag), set)
            assert all(isinstance(v, Violation) for v in validate_segment(flag))
        cycle = find_prerequisite_cycle(flags if isinstance(flags, dict) else {})
        assert cycle is None or cycle[0] == cycle[-1]
        for _ in range(10):
            key = rng.choice(["f0", "f1", "f2", "f3", "missing", 5, None])
            kind = rng.choice([None, "boolean", "string", "json", "bogus"])
            check_result(evaluate(compiled, key, context(rng), junk(rng), expected_kind=kind))


@pytest.mark.parametrize("seed", range(20))
def test_engine__valid_flags__never_malformed(seed: int) -> None:
    rng = random.Random(1000 + seed)
    keys = ["f0", "f1", "f2"]
    flags = {k: valid_flag(rng, k, keys) for k in keys}
    segment = {"key": "seg", "included": ["user-2"]}
    compiled = compile_document({"flags": flags, "segments": {"seg": segment}})

    assert all(validate_flag(f) == [] for f in flags.values())
    assert compiled.problems == {}
    for _ in range(20):
        result = evaluate(compiled, rng.choice(keys), context(rng), None)
        check_result(result)
        assert result.error_code not in ("MALFORMED_FLAG", "GENERAL")
