"""Small builders for writing spec cases by hand: flags, serves and expected results.

Nothing here evaluates anything; every expectation in the case files is written out
by hand from the rules in docs/evaluation.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"


def flag(key: str, **fields: Any) -> dict[str, Any]:
    """A boolean flag, on, variations [true, false], off-variation 1, fallthrough 1."""
    out: dict[str, Any] = {
        "key": key,
        "kind": "boolean",
        "salt": key,
        "on": True,
        "off_variation": 1,
        "variations": [{"value": True}, {"value": False}],
        "prerequisites": [],
        "targets": [],
        "rules": [],
        "fallthrough": {"variation": 1},
    }
    out.update(fields)
    return out


def clause(
    attribute: str | None, op: str, values: list[Any], negate: bool = False
) -> dict[str, Any]:
    out: dict[str, Any] = {"attribute": attribute, "op": op, "values": values, "negate": negate}
    if attribute is None:
        del out["attribute"]
    return out


def rule_flag(key: str, *clauses: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A boolean flag with one rule ``r`` of ``clauses`` serving true; else false."""
    rule = {"id": "r", "clauses": list(clauses), "serve": {"variation": 0}}
    return flag(key, rules=[rule], **fields)


def rollout(weights: list[tuple[int, int]], bucket_by: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"variations": [{"variation": v, "weight": w} for v, w in weights]}
    if bucket_by is not None:
        body["bucket_by"] = bucket_by
    return {"rollout": body}


def result(value: Any, variation: int | None, kind: str, **reason: Any) -> dict[str, Any]:
    return {"value": value, "variation": variation, "reason": {"kind": kind, **reason}}


def rule_match(
    value: Any = True,
    variation: int = 0,
    rule_id: str = "r",
    index: int = 0,
    in_rollout: bool = False,
) -> dict[str, Any]:
    return result(
        value, variation, "RULE_MATCH", rule_id=rule_id, rule_index=index, in_rollout=in_rollout
    )


def fallthrough(value: Any = False, variation: int = 1, in_rollout: bool = False) -> dict[str, Any]:
    return result(value, variation, "FALLTHROUGH", in_rollout=in_rollout)


def target(value: Any, variation: int) -> dict[str, Any]:
    return result(value, variation, "TARGET_MATCH")


def off(value: Any = False, variation: int | None = 1) -> dict[str, Any]:
    return result(value, variation, "OFF")


def prerequisite_failed(key: str, value: Any = False, variation: int | None = 1) -> dict[str, Any]:
    return result(value, variation, "PREREQUISITE_FAILED", prerequisite_key=key)


def error(code: str, value: Any = None) -> dict[str, Any]:
    return result(value, None, "ERROR", error_code=code)


MATCH = rule_match()
NO_MATCH = fallthrough()


def case(
    name: str, flag_key: str, context: Any, expected: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "flag": flag_key, "context": context}
    out.update(extra)
    out["expected"] = expected
    return out


def write(
    name: str, description: str, document: dict[str, Any], cases: list[dict[str, Any]]
) -> int:
    flags = document.get("flags", {})
    for c in cases:
        assert "document" in c or c["flag"] in flags or c["name"].startswith("missing"), c["name"]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), f"duplicate case names in {name}"
    body = {"description": description, "document": document, "cases": cases}
    path = CASES_DIR / f"{name}.json"
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(cases)
