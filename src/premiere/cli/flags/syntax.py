"""The small command-line syntaxes: clauses, rollouts, variation references, JSON input.

A clause is `ATTRIBUTE [not] OP VALUES`, e.g. `email ends_with @acme.example`,
`plan in enterprise,business`, `country not in DE,FR`, `age gte 18`; a segment
test is `segment_match staff` (or `not segment_match staff`). VALUES is a JSON
array or a comma-separated list whose items are numbers or `true`/`false` when
they read as such and strings otherwise (quote a number to keep it a string: `"42"`).

A VARIATION is named by its value: `true`, `false`, `green`, `100` (on a number
flag, the variation whose value is 100), or by its name; `#1` is the variation at
index 1 (or `--index 1`, where a command takes one variation). A value that no
variation has, or that two variations answer to, is refused with the list of the
flag's variations.

A PERCENT is `10%`, `10` or `12.5%`: 0 to 100 with up to three decimals, in every
option that takes one. A rollout is `VARIATION=PERCENT,...` (`true=25%,false=75%`,
`#0=25,#1=75`); its percentages must add up to 100 %.
"""

from __future__ import annotations

import json
import math
import re
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


def variation_index(
    variations: Sequence[Mapping[str, Any]], ref: str, option: str = "--variation"
) -> int:
    """The variation ``ref`` names: ``#N`` is an index; anything else is a variation's value
    (``100`` on a number flag, ``true`` on a boolean one) or name, and must name exactly one."""
    ref = ref.strip()
    said = f"{option}{ref}" if option.endswith("=") else f"{option} {ref}"
    if ref.startswith("#"):
        if ref[1:].isdigit() and int(ref[1:]) < len(variations):
            return int(ref[1:])
        raise BadUsage(f"{said}: there is no variation {ref}; {_listing(variations)}")
    matches = [
        index
        for index, variation in enumerate(variations)
        if _same_value(variation.get("value"), ref) or variation.get("name") == ref
    ]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        hint = f" (an index is written #{ref})" if ref.isdigit() else ""
        raise BadUsage(f"{said}: no variation has this value{hint}; {_listing(variations)}")
    which = " and ".join(f"#{i}" for i in matches)
    raise BadUsage(
        f"{said}: both {which} answer to it; give the index (#N); {_listing(variations)}"
    )


def _same_value(value: Any, ref: str) -> bool:
    """Whether the command-line text ``ref`` is the variation value ``value``."""
    if isinstance(value, bool):
        return ref.lower() == str(value).lower()
    if isinstance(value, int | float):
        try:
            number = float(ref)
        except ValueError:
            return False
        return math.isfinite(number) and number == value
    if isinstance(value, str):
        return value == ref
    try:
        return bool(json.loads(ref) == value)
    except ValueError:
        return False


def _listing(variations: Sequence[Mapping[str, Any]]) -> str:
    """``the flag's variations: #0 = true, #1 = false`` (with names where they differ)."""
    parts = []
    for index, variation in enumerate(variations):
        text = f"#{index} = {value_text(variation.get('value'))}"
        name = variation.get("name")
        if name and name != value_text(variation.get("value")):
            text += f" ({name})"
        parts.append(text)
    return "the flag's variations: " + ", ".join(parts)


_PERCENT = re.compile(r"^(-?\d+(?:\.\d+)?|-?\.\d+)\s*%?$")


def parse_percent(text: str, option: str, *, zero: bool = True) -> float:
    """``10%``, ``10`` or ``12.5%`` -> 12.5: a percentage from 0 (or more) to 100, with up to
    three decimals (the finest step a rollout has). ``option`` names it in errors."""
    match = _PERCENT.match(text.strip())
    if not match:
        raise BadUsage(
            f"{option}: {text.strip()!r} is not a percentage; write e.g. 10%, 10 or 12.5%"
        )
    value = float(match.group(1))
    rule = "from 0 % to 100 %" if zero else "more than 0 % and at most 100 %"
    if value > 100 or value < 0 or (value == 0 and not zero):
        raise BadUsage(f"{option}: a percentage must be {rule} (got {value:g} %)")
    if round(value * 1000) != value * 1000:
        raise BadUsage(
            f"{option}: {value:g} % has more than three decimals (the finest is 0.001 %)"
        )
    return value


def parse_rollout(
    variations: Sequence[Mapping[str, Any]],
    text: str,
    bucket_by: str = "key",
    option: str = "--rollout",
) -> dict[str, Any]:
    """``true=25%,false=75%`` -> a rollout with weights in units of 1/100,000."""
    weights: list[dict[str, int]] = []
    for part in text.split(","):
        ref, sep, percent = part.rpartition("=")
        if not sep or not ref.strip():
            raise BadUsage(f"{option}: cannot read {part.strip()!r}; write VARIATION=PERCENT,... "
                           "e.g. true=25%,false=75%")  # fmt: skip
        weight = round(parse_percent(percent, option) * 1000)
        weights.append({"variation": variation_index(variations, ref, option), "weight": weight})
    total = sum(w["weight"] for w in weights)
    if total != TOTAL_WEIGHT:
        raise BadUsage(f"{option}: weights must add up to 100 % (got {total / 1000:g} %)")
    return {"bucket_by": bucket_by, "variations": weights}


TOTAL_WEIGHT = 100_000
"""A rollout's weights are in thousandths of a percent: they add up to 100,000."""
_WEIGHT_RANGE = re.compile(r"^weight must be 0\.\.\d+$")
_WEIGHT_SUM = re.compile(r"^weights sum to (-?\d+), they must sum to \d+$")


def in_percent(message: str) -> str:
    """A server message about rollout weights in the options' unit: percent."""
    if _WEIGHT_RANGE.match(message):
        return "a percentage must be 0 % to 100 %"
    total = _WEIGHT_SUM.match(message)
    if total:
        return f"weights must add up to 100 % (got {int(total.group(1)) / 1000:g} %)"
    return message


def describe_serve(variations: Sequence[Mapping[str, Any]], serve: Mapping[str, Any]) -> str:
    """A serve as a person reads it: ``true`` or ``true: 25 % / false: 75 %``."""
    if "variation" in serve:
        return variation_text(variations, serve["variation"])
    rollout = serve.get("rollout") or {}
    parts = [
        f"{variation_text(variations, w.get('variation'))}: {w.get('weight', 0) / 1000:g} %"
        for w in rollout.get("variations", [])
    ]
    return " / ".join(parts) or "?"


def describe_patch(variations: Sequence[Mapping[str, Any]], patch: Mapping[str, Any]) -> str:
    """A configuration change with values for variation indexes: ``on, fallthrough: true``."""
    parts = []
    for field, value in patch.items():
        if field == "on" and isinstance(value, bool):
            parts.append("on" if value else "off")
        elif field == "off_variation":
            parts.append(f"off variation: {variation_text(variations, value)}")
        elif field == "fallthrough" and isinstance(value, Mapping):
            parts.append(f"fallthrough: {describe_serve(variations, value)}")
        else:
            parts.append(f"{field}: {value_text(value)}")
    return ", ".join(parts)


def describe_clause(clause: Mapping[str, Any]) -> str:
    values = ",".join(value_text(v) for v in clause.get("values", []))
    negate = "not " if clause.get("negate") else ""
    if clause.get("op") == "segment_match":
        return f"{negate}segment_match {values}"
    return f"{clause.get('attribute')} {negate}{clause.get('op')} {values}"


def variation_text(variations: Sequence[Mapping[str, Any]], index: Any) -> str:
    """The variation's value; for JSON objects and lists, its name (or the JSON, cut short)."""
    if not (isinstance(index, int) and 0 <= index < len(variations)):
        return f"#{index}"
    value = variations[index].get("value")
    if isinstance(value, dict | list):
        text = str(variations[index].get("name") or value_text(value))
        return text if len(text) <= 40 else text[:39] + "…"
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
