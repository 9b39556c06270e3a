"""Validation of clauses: the operator, the attribute and every value for that operator."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from premiere.engine.operators import DATE_OPS, NUMBER_OPS, OPERATORS, SEMVER_OPS
from premiere.engine.patterns import pattern_problem
from premiere.engine.values import is_number, parse_date_ms, parse_semver, value_fits_kind
from premiere.errors import Violation

_KEY = re.compile(r"[A-Za-z0-9._-]{1,128}")

# Checks one clause value; returns None when fine, else (rule, message).
ValueCheck = Callable[[Any], "tuple[str, str] | None"]


def validate_clauses(out: list[Violation], path: str, clauses: Any, *, in_segment: bool) -> None:
    """Validate a rule's ``clauses`` list (which may be empty: a rule without clauses matches)."""
    if not isinstance(clauses, list | tuple):
        out.append(Violation(path, "type", "clauses must be a list"))
        return
    for i, clause in enumerate(clauses):
        _validate_clause(out, f"{path}[{i}]", clause, in_segment)


def _validate_clause(out: list[Violation], path: str, clause: Any, in_segment: bool) -> None:
    if not isinstance(clause, Mapping):
        out.append(Violation(path, "type", "a clause must be an object"))
        return
    op = clause.get("op")
    if "op" not in clause:
        out.append(Violation(f"{path}.op", "required", "op is required"))
    elif not isinstance(op, str) or op not in OPERATORS:
        out.append(Violation(f"{path}.op", "enum", f"op must be one of {', '.join(OPERATORS)}"))
        op = None
    elif op == "segment_match" and in_segment:
        message = "segment rules cannot use segment_match"
        out.append(Violation(f"{path}.op", "not_allowed", message))
    _validate_attribute(out, path, clause, op)
    if "negate" in clause and not isinstance(clause["negate"], bool):
        out.append(Violation(f"{path}.negate", "type", "negate must be a boolean"))
    _validate_values(out, f"{path}.values", clause.get("values", _MISSING), op)


def _validate_attribute(
    out: list[Violation], path: str, clause: Mapping[str, Any], op: Any
) -> None:
    if "attribute" not in clause:
        if op != "segment_match":
            out.append(Violation(f"{path}.attribute", "required", "attribute is required"))
        return
    attribute = clause["attribute"]
    if op == "segment_match" and attribute is None:
        return
    if not isinstance(attribute, str) or not attribute:
        out.append(Violation(f"{path}.attribute", "type", "attribute must be a non-empty string"))


def _validate_values(out: list[Violation], path: str, values: Any, op: str | None) -> None:
    if values is _MISSING:
        out.append(Violation(path, "required", "values is required"))
        return
    if not isinstance(values, list | tuple):
        out.append(Violation(path, "type", "values must be a list"))
        return
    if not values:
        out.append(Violation(path, "non_empty", "values must not be empty"))
        return
    validate = _VALUE_VALIDATORS.get(op or "")
    if validate is None:
        return
    for i, value in enumerate(values):
        problem = validate(value)
        if problem is not None:
            out.append(Violation(f"{path}[{i}]", problem[0], problem[1]))


def _scalar(value: Any) -> tuple[str, str] | None:
    if isinstance(value, str | bool) or value_fits_kind(value, "number"):
        return None
    return ("type", "must be a string, a number or a boolean")


def _string(value: Any) -> tuple[str, str] | None:
    return None if isinstance(value, str) else ("type", "must be a string")


def _regex(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return ("type", "must be a string")
    problem = pattern_problem(value)
    if problem is not None:
        return ("regex", f"not a regular expression RE2 accepts: {problem}")
    return None


def _number(value: Any) -> tuple[str, str] | None:
    if is_number(value) and value_fits_kind(value, "number"):
        return None
    return ("type", "must be a number")


def _semver(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return ("type", "must be a string")
    if parse_semver(value) is None:
        return ("semver", "not a semantic version (MAJOR[.MINOR[.PATCH]][-PRE][+BUILD])")
    return None


def _date(value: Any) -> tuple[str, str] | None:
    if parse_date_ms(value) is None:
        return ("date", "must be an RFC 3339 date-time with offset or Unix milliseconds")
    return None


def _segment_key(value: Any) -> tuple[str, str] | None:
    if not isinstance(value, str):
        return ("type", "must be a string")
    if _KEY.fullmatch(value) is None:
        return ("key_pattern", "segment key must match [A-Za-z0-9._-]{1,128}")
    return None


_VALUE_VALIDATORS: dict[str, ValueCheck] = {
    "in": _scalar,
    "starts_with": _string,
    "ends_with": _string,
    "contains": _string,
    "matches": _regex,
    **dict.fromkeys(NUMBER_OPS, _number),
    **dict.fromkeys(SEMVER_OPS, _semver),
    **dict.fromkeys(DATE_OPS, _date),
    "segment_match": _segment_key,
}


class _Missing:
    pass


_MISSING: Any = _Missing()
