"""The small command-line syntaxes: clauses, rollouts, variation references, JSON input.

A clause is `ATTRIBUTE [not] OP VALUES`, e.g. `email ends_with @acme.example`,
`plan in enterprise,business`, `country not in DE,FR`, `age gte 18`; a segment
test is `segment_match staff` (or `not segment_match staff`). VALUES is a JSON
array or a comma-separated list whose items are numbers or `true`/`false` when
they read as such and strings otherwise (quote a number to keep it a string: `"42"`).

A rollout is `VARIATION=PERCENT,...` (`true=25,false=75` or `0=25,1=75`); the
percentages must add up to 100 and may have up to three decimals.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from premiere.cli.exits import BadUsage
from premiere.cli.output import value_text

OPERATORS = frozenset(
    {
        "in", "starts_with", "ends_with", "contains", "matches",
        "lt", "lte", "gt", "gte",
        "semver_eq", "semver_lt", "semver_lte", "semver_gt", "semver_gte",
        "before", "after", "segment_match",
    }
)  # fmt: skip


def parse_clause(text: str) -> dict[str, Any]:
    """``plan in enterprise`` -> ``{"attribute": "plan", "op": "in", ...}``."""
    words = text.strip().split(None, 1)
    if words and words[0] in ("segment_match", "not"):
        words = ["key", text.strip()]
    if len(words) < 2:
        raise BadUsage(f"cannot read clause {text!r}: expected 'ATTRIBUTE [not] OP VALUES'")
    attribute, rest = words
    negate = rest.startswith("not ")
    if negate:
        rest = rest[4:].lstrip()
    parts = rest.split(None, 1)
    if len(parts) < 2:
        raise BadUsage(f"cannot read clause {text!r}: expected 'ATTRIBUTE [not] OP VALUES'")
    op, raw_values = parts
    if op not in OPERATORS:
        known = ", ".join(sorted(OPERATORS))
        raise BadUsage(f"unknown operator {op!r} in clause {text!r}; known: {known}")
    return {"attribute": attribute, "op": op, "values": parse_values(raw_values), "negate": negate}


def parse_values(text: str) -> list[Any]:
    text = text.strip()
    if text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError as exc:
            raise BadUsage(f"cannot read values {text!r} as a JSON array: {exc}") from None
        if not isinstance(values, list) or not values:
            raise BadUsage(f"values {text!r} must be a non-empty JSON array")
        return values
    return [_typed(item.strip()) for item in text.split(",") if item.strip()]


def _typed(item: str) -> Any:
    try:
        value = json.loads(item)
    except ValueError:
        return item
    if isinstance(value, bool | int | float | str):
        return value
    return item


def variation_index(variations: Sequence[Mapping[str, Any]], ref: str) -> int:
    """An index, or the name or value of a variation (an integer is always an index)."""
    ref = ref.strip()
    if ref.lstrip("-").isdigit():
        index = int(ref)
        if not 0 <= index < len(variations):
            raise BadUsage(f"variation index {index} is out of range 0..{len(variations) - 1}")
        return index
    for index, variation in enumerate(variations):
        if variation.get("name") == ref:
            return index
    for index, variation in enumerate(variations):
        if value_text(variation.get("value")) == ref:
            return index
    known = ", ".join(f"{i}={value_text(v.get('value'))}" for i, v in enumerate(variations))
    raise BadUsage(f"no variation {ref!r}; the flag has {known}")


def parse_rollout(
    variations: Sequence[Mapping[str, Any]], text: str, bucket_by: str = "key"
) -> dict[str, Any]:
    """``true=25,false=75`` -> a rollout with weights in units of 1/100,000."""
    weights: list[dict[str, int]] = []
    for part in text.split(","):
        ref, sep, percent = part.rpartition("=")
        if not sep or not ref:
            raise BadUsage(f"cannot read rollout {text!r}: expected VARIATION=PERCENT,...")
        try:
            weight = round(float(percent) * 1000)
        except ValueError:
            raise BadUsage(f"cannot read percentage {percent!r} in rollout {text!r}") from None
        weights.append({"variation": variation_index(variations, ref), "weight": weight})
    total = sum(w["weight"] for w in weights)
    if total != 100_000:
        raise BadUsage(f"rollout {text!r} adds up to {total / 1000:g} %, not 100 %")
    return {"bucket_by": bucket_by, "variations": weights}


def describe_serve(variations: Sequence[Mapping[str, Any]], serve: Mapping[str, Any]) -> str:
    """A serve as a person reads it: ``true`` or ``true 25 % / false 75 %``."""
    if "variation" in serve:
        return _variation_text(variations, serve["variation"])
    rollout = serve.get("rollout") or {}
    parts = [
        f"{_variation_text(variations, w.get('variation'))} {w.get('weight', 0) / 1000:g} %"
        for w in rollout.get("variations", [])
    ]
    return " / ".join(parts) or "?"


def describe_clause(clause: Mapping[str, Any]) -> str:
    values = ",".join(value_text(v) for v in clause.get("values", []))
    negate = "not " if clause.get("negate") else ""
    if clause.get("op") == "segment_match":
        return f"{negate}segment_match {values}"
    return f"{clause.get('attribute')} {negate}{clause.get('op')} {values}"


def _variation_text(variations: Sequence[Mapping[str, Any]], index: Any) -> str:
    """The variation's value; for JSON objects and lists, its name (or ``#index``)."""
    if not (isinstance(index, int) and 0 <= index < len(variations)):
        return f"#{index}"
    value = variations[index].get("value")
    if isinstance(value, dict | list):
        return str(variations[index].get("name") or f"#{index}")
    return value_text(value)


def read_json(text: str, what: str) -> Any:
    """JSON from the argument itself, from ``@file``, or from ``-`` (stdin)."""
    if text == "-":
        text = sys.stdin.read()
    elif text.startswith("@"):
        text = read_file(text[1:], what)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise BadUsage(f"{what} is not valid JSON: {exc}") from None


def read_file(name: str, what: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise BadUsage(f"cannot read {what} from {name!r}: {exc.strerror}") from None
