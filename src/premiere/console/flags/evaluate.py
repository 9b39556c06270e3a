"""The flag page's evaluate-as panel: a GET form (it changes nothing) whose fields build
the evaluation context.

- ``context_key``: the targeting key (the context's ``key``);
- ``attribute_name_<n>`` / ``attribute_value_<n>``: attribute rows, a few empty ones
  always shown; a value is read as JSON when it is JSON (``42``, ``true``, ``["a"]``,
  ``"42"``) and as text otherwise (``pro``);
- ``context`` ("advanced"): the whole context as a JSON object, which the key and the
  rows then complete or override.

Each refusal is a message at its field. The answer is the value, the variation, the
reason and, for a rule match, the rule, from the same service as
``POST .../evaluate/<flag>``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from premiere.console.forms import FormErrors, map_error_to_form
from premiere.errors import PremiereError, ValidationError, Violation
from premiere.services.sdk.documents import evaluate_flag
from premiere.store import Store

EMPTY_ROWS = 3
MAX_ROWS = 50
MAX_CHARS = 10_000
ROW = re.compile(r"attribute_(?:name|value)_(\d{1,2})")
ASKED = ("context", "context_key")


def evaluation_panel(
    store: Store,
    project: str,
    environment: str,
    flag: str,
    query: Mapping[str, str] | None,
    rules: list[Any],
) -> dict[str, Any]:
    """What the panel shows: the fields as sent (plus empty rows) and, when asked, the
    ``result`` (with the matching ``rule``) or the ``errors`` by field."""
    sent = dict(query or {})
    rows = _rows(sent)
    panel: dict[str, Any] = {
        "key": sent.get("context_key", ""),
        "context": sent.get("context", ""),
        "rows": [*rows, *_empty_rows(rows)],
        "errors": FormErrors(),
        "result": None,
    }
    if not any(name in sent for name in ASKED) and not rows:
        return {**panel, "asked": False}
    try:
        context = build_context(panel["key"], panel["context"], rows)
        result: dict[str, Any] = dict(evaluate_flag(store, project, environment, flag, context))
    except PremiereError as exc:
        return {**panel, "asked": True, "errors": map_error_to_form(exc, {"key": "context_key"})}
    reason: dict[str, Any] = result["reason"]
    rule = None
    if reason.get("kind") == "RULE_MATCH":
        index = reason.get("rule_index")
        found = rules[index] if isinstance(index, int) and index < len(rules) else {}
        rule = {"number": (index or 0) + 1, "id": reason.get("rule_id"), **_named(found)}
    shown = json.dumps(result["value"], sort_keys=True, ensure_ascii=False)
    return {**panel, "asked": True, "result": {**result, "value": shown}, "rule": rule}


def build_context(key: str, advanced: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The context: the advanced JSON object, then the targeting key, then each row."""
    problems: list[Violation] = []
    context = _advanced(advanced, problems)
    if key.strip():
        context["key"] = key.strip()
    seen: set[str] = set()
    for row in rows:
        problems.extend(_row_problems(row, seen))
        if row["name"].strip() and row["name"].strip() != "key":
            context[row["name"].strip()] = parse_value(row["value"])
    if not problems and not isinstance(context.get("key"), str):
        problems.append(Violation("context_key", "required", "enter the targeting key"))
    if problems:
        raise ValidationError(problems)
    return context


def _advanced(text: str, problems: list[Violation]) -> dict[str, Any]:
    """The advanced field's object ({} when empty); its problem added to ``problems``."""
    if len(text) > MAX_CHARS:
        problems.append(Violation("context", "max_length", f"at most {MAX_CHARS} characters"))
        return {}
    if not text.strip():
        return {}
    try:
        parsed = json.loads(text)
    except ValueError as exc:
        problems.append(Violation("context", "type", f"is not JSON: {exc}"))
        return {}
    if not isinstance(parsed, dict):
        problems.append(Violation("context", "type", 'must be a JSON object: {"key": "..."}'))
        return {}
    return parsed


def parse_value(text: str) -> Any:
    """JSON when the text is JSON, the text itself otherwise."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _row_problems(row: Mapping[str, Any], seen: set[str]) -> list[Violation]:
    name, field = row["name"].strip(), f"attribute_name_{row['index']}"
    if len(name) > 200 or len(row["value"]) > MAX_CHARS:
        return [Violation(field, "max_length", "too long")]
    if not name:
        if row["value"].strip():
            return [Violation(field, "required", "name the attribute this value is for")]
        return []
    if name == "key":
        return [Violation(field, "reserved", "the targeting key has its own field above")]
    if name in seen:
        return [Violation(field, "duplicate", f"{name} is given twice")]
    seen.add(name)
    return []


def _rows(sent: Mapping[str, str]) -> list[dict[str, Any]]:
    """The attribute rows sent (with a name or a value), in order."""
    indexes = sorted({int(m.group(1)) for name in sent if (m := ROW.fullmatch(name))})
    rows: list[dict[str, Any]] = [
        {
            "index": index,
            "name": sent.get(f"attribute_name_{index}", ""),
            "value": sent.get(f"attribute_value_{index}", ""),
        }
        for index in indexes[:MAX_ROWS]
    ]
    return [row for row in rows if row["name"].strip() or row["value"].strip()]


def _empty_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    start = max((row["index"] for row in rows), default=-1) + 1
    count = min(EMPTY_ROWS, MAX_ROWS - len(rows))
    return [{"index": start + n, "name": "", "value": ""} for n in range(max(count, 0))]


def _named(rule: Mapping[str, Any]) -> dict[str, Any]:
    return {"description": rule.get("description") or ""}
