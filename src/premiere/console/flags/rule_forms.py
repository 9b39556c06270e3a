"""Rules as a form: drafts that hold what a person typed, the rules the services take,
and the edits (add, delete, move) a form makes before it is saved.

A draft keeps every field as text, so a form refused by the service shows exactly what
was typed. Field names follow the service's error paths (``rules[1].clauses[0].values``
is the field ``rules-1-clauses-0-values``), so an error lands beside its field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from premiere.engine.operators import DATE_OPS, NUMBER_OPS

OPERATOR_LABELS = (
    ("in", "is one of"),
    ("starts_with", "starts with"),
    ("ends_with", "ends with"),
    ("contains", "contains"),
    ("matches", "matches the regular expression"),
    ("lt", "is less than"),
    ("lte", "is at most"),
    ("gt", "is greater than"),
    ("gte", "is at least"),
    ("semver_eq", "is the version"),
    ("semver_lt", "is a version before"),
    ("semver_lte", "is a version at or before"),
    ("semver_gt", "is a version after"),
    ("semver_gte", "is a version at or after"),
    ("before", "is a date before"),
    ("after", "is a date after"),
    ("segment_match", "is in segment"),
)
"""Every operator of the engine with what the picker calls it."""

MAX_RULES = 200
MAX_CLAUSES = 50
PERCENT = Decimal(1000)  # rollout weights are in 1/100,000: 1 % is 1,000
_PATH_PART = re.compile(r"\[(\d+)\]|\.")
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")

Draft = dict[str, Any]


def blank_clause() -> Draft:
    return {"attribute": "", "op": "in", "values": "", "negate": False, "segments": []}


def blank_rule(variations: int) -> Draft:
    return {
        "id": "",
        "description": "",
        "clauses": [blank_clause()],
        "serve": "variation",
        "variation": "0",
        "weights": [""] * variations,
        "bucket_by": "key",
    }


def drafts_from_rules(rules: Iterable[Mapping[str, Any]], variations: int) -> list[Draft]:
    """The drafts of stored rules (a flag's, or a segment's with ``variations`` 0)."""
    drafts = []
    for rule in rules:
        draft = blank_rule(variations)
        draft["id"] = str(rule.get("id") or "")
        draft["description"] = str(rule.get("description") or "")
        draft["clauses"] = [_clause_draft(c) for c in rule.get("clauses") or []]
        serve = rule.get("serve") or {}
        if "rollout" in serve:
            draft["serve"] = "rollout"
            draft["bucket_by"] = str(serve["rollout"].get("bucket_by", "key"))
            for item in serve["rollout"].get("variations") or []:
                index = item.get("variation")
                if isinstance(index, int) and 0 <= index < variations:
                    draft["weights"][index] = _percent(item.get("weight", 0))
        elif "variation" in serve:
            draft["variation"] = str(serve["variation"])
        drafts.append(draft)
    return drafts


def drafts_from_form(form: Mapping[str, str], variations: int) -> list[Draft]:
    """The drafts a posted form holds (counts in ``rules-count``, ``rules-<i>-count``)."""
    drafts = []
    for i in range(_count(form, "rules-count", MAX_RULES)):
        prefix = f"rules-{i}"
        draft = blank_rule(variations)
        for name in ("id", "description", "variation", "bucket_by"):
            draft[name] = form.get(f"{prefix}-{name}", draft[name]).strip()
        draft["serve"] = "rollout" if form.get(f"{prefix}-serve") == "rollout" else "variation"
        draft["weights"] = [
            form.get(f"{prefix}-serve-rollout-variations-{v}-weight", "").strip()
            for v in range(variations)
        ]
        draft["clauses"] = [
            _clause_from_form(form, f"{prefix}-clauses-{j}")
            for j in range(_count(form, f"{prefix}-count", MAX_CLAUSES))
        ]
        drafts.append(draft)
    return drafts


def rules_from_drafts(drafts: Sequence[Draft], *, serves: bool) -> list[dict[str, Any]]:
    """The rules the services take; values typed as the operator needs (a value that is
    not of its type is passed on as text, for the service to refuse at its field)."""
    rules = []
    for draft in drafts:
        rule: dict[str, Any] = {"clauses": [_clause(c) for c in draft["clauses"]]}
        if draft["id"]:
            rule["id"] = draft["id"]
        if draft["description"]:
            rule["description"] = draft["description"]
        if serves:
            rule["serve"] = _serve(draft)
        rules.append(rule)
    return rules


def apply_edit(drafts: list[Draft], action: str, variations: int) -> list[Draft] | None:
    """``drafts`` after a form's edit button (``add-rule``, ``delete-rule-1``,
    ``up-rule-1``, ``down-rule-1``, ``add-clause-1``, ``delete-clause-1-0``; ``refresh``
    shows the fields of the operators chosen), or None
    when ``action`` is none of them (then the form is to be saved)."""
    if action == "refresh":
        return list(drafts)
    parts = action.split("-")
    numbers = [int(p) for p in parts[2:] if p.isdigit()]
    if len(numbers) != len(parts) - 2 or len(parts) < 2:
        return None
    verb, thing = parts[0], parts[1]
    if (verb, thing, len(numbers)) == ("add", "rule", 0):
        return [*drafts, blank_rule(variations)] if len(drafts) < MAX_RULES else drafts
    if not numbers or not 0 <= numbers[0] < len(drafts):
        return drafts if thing in ("rule", "clause") else None
    return _edit_rule(drafts, verb, thing, numbers)


def form_field(path: str | None, known: Iterable[str]) -> str | None:
    """The form field of a service error path: ``rules[1].clauses[0].values[2]`` is
    ``rules-1-clauses-0-values``; a path of no field goes to the nearest one that is."""
    if not path:
        return None
    names = set(known)
    parts = [p for p in _PATH_PART.split(path) if p]
    while parts:
        name = "-".join(parts)
        if name in names:
            return name
        parts.pop()
    return None


def known_fields(drafts: Sequence[Draft], variations: int) -> list[str]:
    """The fields (and the rule and clause groups) a form of ``drafts`` shows."""
    names = ["rules"]
    for i, draft in enumerate(drafts):
        prefix = f"rules-{i}"
        names += [prefix, f"{prefix}-id", f"{prefix}-description", f"{prefix}-serve"]
        names += [f"{prefix}-serve-variation", f"{prefix}-serve-rollout"]
        names += [f"{prefix}-serve-rollout-bucket_by", f"{prefix}-serve-rollout-variations"]
        names += [f"{prefix}-serve-rollout-variations-{v}-weight" for v in range(variations)]
        for j in range(len(draft["clauses"])):
            clause = f"{prefix}-clauses-{j}"
            names += [clause, f"{clause}-attribute", f"{clause}-op", f"{clause}-values"]
            names += [f"{clause}-negate"]
    return names


def values_text(values: Iterable[Any], op: str) -> str:
    """A clause's values, one a line; for ``in``, text that would read as another type
    (``true``, ``42``) is quoted."""
    lines = []
    for value in values:
        if isinstance(value, bool):
            lines.append("true" if value else "false")
        elif isinstance(value, str):
            quote = op == "in" and _typed(value) is not value
            lines.append(json.dumps(value) if quote else value)
        else:
            lines.append(json.dumps(value))
    return "\n".join(lines)


def _edit_rule(drafts: list[Draft], verb: str, thing: str, numbers: list[int]) -> list[Draft]:
    edited = [dict(d, clauses=list(d["clauses"])) for d in drafts]
    i = numbers[0]
    if thing == "rule" and verb == "delete":
        del edited[i]
    elif thing == "rule" and verb in ("up", "down"):
        j = i - 1 if verb == "up" else i + 1
        if 0 <= j < len(edited):
            edited[i], edited[j] = edited[j], edited[i]
    elif thing == "clause" and verb == "add" and len(edited[i]["clauses"]) < MAX_CLAUSES:
        edited[i]["clauses"].append(blank_clause())
    elif thing == "clause" and verb == "delete" and len(numbers) == 2:
        del edited[i]["clauses"][numbers[1] : numbers[1] + 1]
    return edited


def _clause_draft(clause: Mapping[str, Any]) -> Draft:
    op = str(clause.get("op", "in"))
    values = list(clause.get("values") or [])
    return {
        "attribute": str(clause.get("attribute") or ""),
        "op": op,
        "values": values_text(values, op) if op != "segment_match" else "",
        "negate": bool(clause.get("negate")),
        "segments": [str(v) for v in values] if op == "segment_match" else [],
    }


def _clause_from_form(form: Mapping[str, str], prefix: str) -> Draft:
    segments = [
        value for name, value in form.items() if name.startswith(f"{prefix}-segment-") and value
    ]
    return {
        "attribute": form.get(f"{prefix}-attribute", "").strip(),
        "op": form.get(f"{prefix}-op", "in"),
        "values": form.get(f"{prefix}-values", ""),
        "negate": form.get(f"{prefix}-negate") == "on",
        "segments": segments,
    }


def _clause(draft: Draft) -> dict[str, Any]:
    op = draft["op"]
    lines = [line.strip() for line in draft["values"].splitlines() if line.strip()]
    if op == "segment_match":
        values: list[Any] = list(draft["segments"]) or lines
    else:
        values = [_value(line, op) for line in lines]
    clause: dict[str, Any] = {"op": op, "values": values, "negate": draft["negate"]}
    if draft["attribute"] or op != "segment_match":
        clause["attribute"] = draft["attribute"]
    return clause


def _value(text: str, op: str) -> Any:
    if op in NUMBER_OPS:
        return _number(text)
    if op in DATE_OPS:
        return int(text) if text.isdigit() else text
    if op == "in":
        return _typed(text)
    return text


def _typed(text: str) -> Any:
    """``true``/``false``, a number, a JSON string in quotes, or else the text itself."""
    if text in ("true", "false"):
        return text == "true"
    if text.startswith('"') and text.endswith('"') and len(text) > 1:
        try:
            return str(json.loads(text))
        except ValueError:
            return text
    return _number(text)


def _number(text: str) -> Any:
    if not _NUMBER.fullmatch(text) or len(text) > 40:
        return text
    number = float(text)
    return int(text) if number.is_integer() and re.fullmatch(r"-?\d+", text) else number


def _serve(draft: Draft) -> dict[str, Any]:
    if draft["serve"] != "rollout":
        index = draft["variation"]
        return {"variation": int(index) if index.isdigit() else index}
    weighted = [
        {"variation": index, "weight": _weight(text)} for index, text in enumerate(draft["weights"])
    ]
    return {"rollout": {"bucket_by": draft["bucket_by"], "variations": weighted}}


def _weight(text: str) -> Any:
    """A percentage (``12.5``) as a weight in 1/100,000 (``12500``); text that is no
    percentage, or finer than 0.001 %, is passed on as it was typed."""
    if not text:
        return 0
    if len(text) > 20 or "e" in text.lower():
        return text
    try:
        units = Decimal(text.rstrip("% ")) * PERCENT
    except InvalidOperation:
        return text
    return int(units) if units.is_finite() and units == int(units) else text


def _percent(weight: Any) -> str:
    if not isinstance(weight, int):
        return str(weight)
    return format((Decimal(weight) / PERCENT).normalize(), "f")


def _count(form: Mapping[str, str], name: str, most: int) -> int:
    text = form.get(name, "0")
    return min(int(text), most) if text.isdigit() and len(text) < 6 else 0
