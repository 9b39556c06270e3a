"""Structural validation of flags and segments, with stable rule names.

Each problem is a :class:`premiere.errors.Violation` naming the field by its path
(``rules[0].clauses[1].values[0]``) and one of these rules:

=================  ==========================================================
``required``       a required field is missing
``type``           wrong JSON type (or a variation value that does not fit ``kind``)
``key_pattern``    a key or id does not match ``[A-Za-z0-9._-]{1,128}``
``enum``           not one of the allowed words (``kind``, ``op``)
``non_empty``      a list that must have at least one element is empty
``index_range``    a variation index outside ``variations``
``weight_range``   a rollout weight outside 0..100,000
``weights_sum``    rollout weights do not sum to exactly 100,000
``one_of``         a serve without exactly one of ``variation`` and ``rollout``
``duplicate``      a rule id, target value or prerequisite key given twice
``regex``          a ``matches`` value that RE2 does not accept (``engine.patterns``)
``semver``         a ``semver_*`` value that is not a semantic version
``date``           a ``before``/``after`` value that is neither RFC 3339 nor a number
``not_allowed``    ``segment_match`` inside a segment rule
=================  ==========================================================

Unknown fields are ignored. Validation never raises, whatever it is given.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from premiere.engine.clauses import validate_clauses
from premiere.engine.values import KINDS, value_fits_kind
from premiere.errors import Violation

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

RULE_NAMES = (
    "required",
    "type",
    "key_pattern",
    "enum",
    "non_empty",
    "index_range",
    "weight_range",
    "weights_sum",
    "one_of",
    "duplicate",
    "regex",
    "semver",
    "date",
    "not_allowed",
)

TOTAL_WEIGHT = 100_000


def is_valid_key(value: Any) -> bool:
    """Whether ``value`` is a string matching :data:`KEY_PATTERN` in full."""
    return isinstance(value, str) and KEY_PATTERN.fullmatch(value) is not None


def validate_flag(flag: Any) -> list[Violation]:
    """Every structural problem of one flag in the flag-document form (docs/flag-document.md)."""
    out: list[Violation] = []
    if not isinstance(flag, Mapping):
        return [Violation("", "type", "a flag must be an object")]
    _validate_key(out, flag, "key", required=True)
    kind = _validate_kind(out, flag)
    count = _validate_variations(out, flag.get("variations", _MISSING), kind)
    _validate_optional(out, flag, "on", bool, "a boolean")
    _validate_optional(out, flag, "client_visible", bool, "a boolean")
    _validate_optional(out, flag, "salt", str, "a string")
    _validate_optional(out, flag, "version", int, "an integer")
    off = flag.get("off_variation")
    if off is not None:
        _validate_index(out, "off_variation", off, count)
    _validate_prerequisites(out, flag.get("prerequisites", []))
    _validate_targets(out, flag.get("targets", []), count)
    _validate_rules(out, flag.get("rules", []), count)
    if "fallthrough" not in flag:
        out.append(Violation("fallthrough", "required", "fallthrough is required"))
    else:
        validate_serve(out, "fallthrough", flag["fallthrough"], count)
    return out


def validate_segment(segment: Any) -> list[Violation]:
    """Every structural problem of one segment (docs/flag-document.md)."""
    out: list[Violation] = []
    if not isinstance(segment, Mapping):
        return [Violation("", "type", "a segment must be an object")]
    _validate_key(out, segment, "key", required=True)
    _validate_optional(out, segment, "version", int, "an integer")
    for name in ("included", "excluded"):
        _validate_strings(out, name, segment.get(name, []))
    rules = segment.get("rules", [])
    if not _is_list(rules):
        out.append(Violation("rules", "type", "rules must be a list"))
        return out
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        path = f"rules[{i}]"
        if not isinstance(rule, Mapping):
            out.append(Violation(path, "type", "a rule must be an object"))
            continue
        if "id" in rule:
            _validate_rule_id(out, path, rule["id"], seen)
        _validate_optional(out, rule, "description", str, "a string", path)
        validate_clauses(out, f"{path}.clauses", rule.get("clauses", []), in_segment=True)
    return out


def validate_serve(out: list[Violation], path: str, serve: Any, count: int | None) -> None:
    """A serve: ``{"variation": i}`` or ``{"rollout": {...}}``."""
    if not isinstance(serve, Mapping):
        out.append(Violation(path, "type", "a serve must be an object"))
        return
    has_variation, has_rollout = "variation" in serve, "rollout" in serve
    if has_variation == has_rollout:
        out.append(Violation(path, "one_of", "give exactly one of variation and rollout"))
    elif has_variation:
        _validate_index(out, f"{path}.variation", serve["variation"], count)
    else:
        _validate_rollout(out, f"{path}.rollout", serve["rollout"], count)


def _validate_rollout(out: list[Violation], path: str, rollout: Any, count: int | None) -> None:
    if not isinstance(rollout, Mapping):
        out.append(Violation(path, "type", "a rollout must be an object"))
        return
    bucket_by = rollout.get("bucket_by", "key")
    if not isinstance(bucket_by, str) or not bucket_by:
        out.append(Violation(f"{path}.bucket_by", "type", "bucket_by must be a non-empty string"))
    weighted = rollout.get("variations", _MISSING)
    if not _list_present(out, f"{path}.variations", weighted, non_empty=True):
        return
    total, all_valid = 0, True
    for i, item in enumerate(weighted):
        item_path = f"{path}.variations[{i}]"
        if not isinstance(item, Mapping):
            out.append(Violation(item_path, "type", "a weighted variation must be an object"))
            all_valid = False
            continue
        _validate_index(out, f"{item_path}.variation", item.get("variation", _MISSING), count)
        weight = item.get("weight", _MISSING)
        if not _weight_ok(out, f"{item_path}.weight", weight):
            all_valid = False
            continue
        total += weight
    if all_valid and total != TOTAL_WEIGHT:
        message = f"weights sum to {total}, they must sum to {TOTAL_WEIGHT}"
        out.append(Violation(f"{path}.variations", "weights_sum", message))


def _weight_ok(out: list[Violation], path: str, weight: Any) -> bool:
    if weight is _MISSING:
        out.append(Violation(path, "required", "weight is required"))
        return False
    if not _is_int(weight):
        out.append(Violation(path, "type", "weight must be an integer"))
        return False
    if not 0 <= weight <= TOTAL_WEIGHT:
        out.append(Violation(path, "weight_range", f"weight must be 0..{TOTAL_WEIGHT}"))
        return False
    return True


def _validate_kind(out: list[Violation], flag: Mapping[str, Any]) -> str | None:
    kind = flag.get("kind", _MISSING)
    if kind is _MISSING:
        out.append(Violation("kind", "required", "kind is required"))
        return None
    if not isinstance(kind, str) or kind not in KINDS:
        out.append(Violation("kind", "enum", f"kind must be one of {', '.join(KINDS)}"))
        return None
    return kind


def _validate_variations(out: list[Violation], variations: Any, kind: str | None) -> int | None:
    if not _list_present(out, "variations", variations, non_empty=True):
        return None
    for i, variation in enumerate(variations):
        path = f"variations[{i}]"
        if not isinstance(variation, Mapping):
            out.append(Violation(path, "type", "a variation must be an object"))
            continue
        if "value" not in variation:
            out.append(Violation(f"{path}.value", "required", "value is required"))
        elif kind is not None and not value_fits_kind(variation["value"], kind):
            out.append(Violation(f"{path}.value", "type", f"value is not of kind {kind}"))
        _validate_optional(out, variation, "name", str, "a string", path)
        _validate_optional(out, variation, "description", str, "a string", path)
    return len(variations)


def _validate_prerequisites(out: list[Violation], prerequisites: Any) -> None:
    if not _list_present(out, "prerequisites", prerequisites):
        return
    seen: set[str] = set()
    for i, prerequisite in enumerate(prerequisites):
        path = f"prerequisites[{i}]"
        if not isinstance(prerequisite, Mapping):
            out.append(Violation(path, "type", "a prerequisite must be an object"))
            continue
        if _validate_key(out, prerequisite, "key", required=True, path=path):
            if prerequisite["key"] in seen:
                out.append(Violation(f"{path}.key", "duplicate", "prerequisite given twice"))
            seen.add(prerequisite["key"])
        _validate_index(out, f"{path}.variation", prerequisite.get("variation", _MISSING), None)


def _validate_targets(out: list[Violation], targets: Any, count: int | None) -> None:
    if not _list_present(out, "targets", targets):
        return
    seen: set[str] = set()
    for i, target in enumerate(targets):
        path = f"targets[{i}]"
        if not isinstance(target, Mapping):
            out.append(Violation(path, "type", "a target must be an object"))
            continue
        _validate_index(out, f"{path}.variation", target.get("variation", _MISSING), count)
        values = target.get("values", _MISSING)
        if _validate_strings(out, f"{path}.values", values):
            for j, value in enumerate(values):
                if value in seen:
                    message = f"context key {value!r} is targeted twice"
                    out.append(Violation(f"{path}.values[{j}]", "duplicate", message))
                seen.add(value)


def _validate_rules(out: list[Violation], rules: Any, count: int | None) -> None:
    if not _list_present(out, "rules", rules):
        return
    seen: set[str] = set()
    for i, rule in enumerate(rules):
        path = f"rules[{i}]"
        if not isinstance(rule, Mapping):
            out.append(Violation(path, "type", "a rule must be an object"))
            continue
        if "id" not in rule:
            out.append(Violation(f"{path}.id", "required", "id is required"))
        else:
            _validate_rule_id(out, path, rule["id"], seen)
        _validate_optional(out, rule, "description", str, "a string", path)
        validate_clauses(out, f"{path}.clauses", rule.get("clauses", []), in_segment=False)
        if "serve" not in rule:
            out.append(Violation(f"{path}.serve", "required", "serve is required"))
        else:
            validate_serve(out, f"{path}.serve", rule["serve"], count)


def _validate_rule_id(out: list[Violation], path: str, rule_id: Any, seen: set[str]) -> None:
    if not is_valid_key(rule_id):
        out.append(Violation(f"{path}.id", "key_pattern", "id must match [A-Za-z0-9._-]{1,128}"))
    elif rule_id in seen:
        out.append(Violation(f"{path}.id", "duplicate", f"rule id {rule_id!r} is used twice"))
    else:
        seen.add(rule_id)


def _validate_key(
    out: list[Violation], obj: Mapping[str, Any], name: str, *, required: bool, path: str = ""
) -> bool:
    field = f"{path}.{name}" if path else name
    if name not in obj:
        if required:
            out.append(Violation(field, "required", f"{name} is required"))
        return False
    if not isinstance(obj[name], str):
        out.append(Violation(field, "type", f"{name} must be a string"))
        return False
    if not is_valid_key(obj[name]):
        out.append(Violation(field, "key_pattern", f"{name} must match [A-Za-z0-9._-]{{1,128}}"))
        return False
    return True


def _validate_index(out: list[Violation], path: str, index: Any, count: int | None) -> None:
    if index is _MISSING:
        out.append(Violation(path, "required", "a variation index is required"))
    elif not _is_int(index):
        out.append(Violation(path, "type", "a variation index must be an integer"))
    elif index < 0 or (count is not None and index >= count):
        limit = f"0..{count - 1}" if count else "0 or more"
        out.append(Violation(path, "index_range", f"variation index must be {limit}"))


def _validate_optional(
    out: list[Violation],
    obj: Mapping[str, Any],
    name: str,
    expected: type,
    what: str,
    path: str = "",
) -> None:
    if name not in obj:
        return
    value = obj[name]
    ok = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
    if not ok:
        field = f"{path}.{name}" if path else name
        out.append(Violation(field, "type", f"{name} must be {what}"))


def _validate_strings(out: list[Violation], path: str, values: Any) -> bool:
    if not _list_present(out, path, values):
        return False
    ok = True
    for i, value in enumerate(values):
        if not isinstance(value, str):
            out.append(Violation(f"{path}[{i}]", "type", "must be a string"))
            ok = False
    return ok


def _list_present(out: list[Violation], path: str, value: Any, *, non_empty: bool = False) -> bool:
    if value is _MISSING:
        out.append(Violation(path, "required", f"{path} is required"))
        return False
    if not _is_list(value):
        out.append(Violation(path, "type", f"{path} must be a list"))
        return False
    if non_empty and not value:
        out.append(Violation(path, "non_empty", f"{path} must not be empty"))
        return False
    return True


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Missing:
    pass


_MISSING: Any = _Missing()
