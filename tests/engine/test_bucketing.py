from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from premiere.engine import bucket, bucket_for, bucket_string, compile_document, evaluate

VECTORS = json.loads(
    (Path(__file__).resolve().parents[2] / "spec" / "bucketing.json").read_text(encoding="utf-8")
)["vectors"]


def test_bucketing_vectors__count__at_least_50() -> None:
    assert len(VECTORS) >= 50


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['salt']!r}.{v['value']!r}")
def test_bucket_for__spec_vector__gives_expected_bucket(vector: dict[str, Any]) -> None:
    assert bucket_string(vector["value"]) == vector["string"]
    assert bucket_for(vector["salt"], vector["value"]) == vector["bucket"]


def test_bucket__lone_surrogate__cannot_be_bucketed() -> None:
    assert bucket_for("s", "\ud800") is None


def test_bucket__range__always_below_100000() -> None:
    assert all(0 <= bucket("salt", f"user-{i}") < 100_000 for i in range(2000))


def _quarter_flag(first_weight: int) -> dict[str, Any]:
    rollout = {
        "variations": [
            {"variation": 0, "weight": first_weight},
            {"variation": 1, "weight": 100_000 - first_weight},
        ]
    }
    return {
        "flags": {
            "f": {
                "key": "f",
                "kind": "boolean",
                "salt": "s",
                "on": True,
                "variations": [{"value": True}, {"value": False}],
                "fallthrough": {"rollout": rollout},
            }
        }
    }


def test_rollout__first_weight_raised__earlier_contexts_stay_in() -> None:
    users = [{"key": f"user-{i}"} for i in range(3000)]
    before = compile_document(_quarter_flag(10_000))
    after = compile_document(_quarter_flag(30_000))

    was_in = {u["key"] for u in users if evaluate(before, "f", u, None).value is True}
    now_in = {u["key"] for u in users if evaluate(after, "f", u, None).value is True}

    assert was_in < now_in
    assert 0.27 < len(now_in) / len(users) < 0.33


def test_rollout__integer_too_long_for_str__served_as_bucket_zero() -> None:
    doc = compile_document(_quarter_flag(0))
    result = evaluate(doc, "f", {"key": 10**5000}, None)
    assert (result.variation, result.in_rollout) == (1, False)


def test_rollout__key_with_lone_surrogate__served_as_bucket_zero() -> None:
    doc = compile_document(_quarter_flag(25_000))

    result = evaluate(doc, "f", {"key": "user-\ud800"}, None)

    assert (result.variation, result.in_rollout) == (0, False)


def test_rollout__non_ascii_salt__same_buckets_as_vectors() -> None:
    flag = _quarter_flag(50_000)
    flag["flags"]["f"]["salt"] = "Ünïcødé salt"
    doc = compile_document(flag)

    # spec/bucketing.json: salt "Ünïcødé salt": user-2 -> 4335, user-0 -> 65293
    assert evaluate(doc, "f", {"key": "user-2"}, None).variation == 0
    assert evaluate(doc, "f", {"key": "user-0"}, None).variation == 1
    assert evaluate(doc, "f", {"key": "\ud800"}, None).in_rollout is False


@pytest.mark.parametrize("salt", ["s", "Ünïcødé"])
@pytest.mark.parametrize("bucket_by", ["key", "org.id"])
@pytest.mark.parametrize("weights", [[40_000, 60_000], [10_000, 0, 30_000, 60_000]])
def test_rollout__every_compiled_path__agrees_with_bucket(
    salt: str, bucket_by: str, weights: list[int]
) -> None:
    rollout = {
        "bucket_by": bucket_by,
        "variations": [{"variation": i, "weight": w} for i, w in enumerate(weights)],
    }
    flag = {
        "key": "f",
        "kind": "number",
        "salt": salt,
        "on": True,
        "variations": [{"value": i} for i in range(len(weights))],
        "fallthrough": {"rollout": rollout},
    }
    doc = compile_document({"flags": {"f": flag}})
    bounds = [sum(weights[: i + 1]) for i in range(len(weights))]

    for i in range(1500):
        value = f"user-{i}" if i % 3 else f"ü-{i}"
        ctx = {"key": value} if bucket_by == "key" else {"org": {"id": value}}
        expected = next(j for j, bound in enumerate(bounds) if bucket(salt, value) < bound)
        assert evaluate(doc, "f", ctx, None).variation == expected
