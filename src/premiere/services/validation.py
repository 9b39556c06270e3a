"""Validation of request data: each violation names the field and the rule it broke."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from typing import Any

from premiere.errors import MalformedRequestError, ValidationError, Violation

# Rules services report on top of the engine's ``premiere.engine.RULE_NAMES``.
RULE_NAMES = (
    "unknown_field",
    "required",
    "key_pattern",
    "type",
    "non_empty",
    "max_length",
    "minimum",
    "enum",
    "index_range",
    "duplicate",
    "not_allowed",
    "unknown_segment",
    "unknown_flag",
    "prerequisite_cycle",
    "variation_in_use",
    "range",
    "invalid_cursor",
    "datetime",
    "nul_character",
    "lone_surrogate",
    "immutable",
    "url",
)

SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_MESSAGE = "must be Unicode text: a lone UTF-16 surrogate (\\ud800-\\udfff) is not"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
NAME_MAX = 200
DESCRIPTION_MAX = 10_000
# Read-only fields a client may send back unchanged; the version travels separately.
IGNORED_FIELDS = frozenset({"version"})


class Validator:
    """Collects violations over one request body, then raises them all at once."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise MalformedRequestError("the data must be an object")
        self.data = data
        self.violations: list[Violation] = [
            Violation(path or "(body)", "nul_character", "must not contain NUL characters")
            for path in nul_paths(data)
        ]
        self.violations.extend(
            Violation(path or "(body)", "lone_surrogate", SURROGATE_MESSAGE)
            for path in surrogate_paths(data)
        )

    def add(self, field: str, rule: str, message: str) -> None:
        self.violations.append(Violation(field, rule, message))

    def extend(self, violations: Iterable[Violation]) -> None:
        self.violations.extend(violations)

    def allowed(self, fields: Iterable[str]) -> None:
        known = set(fields) | IGNORED_FIELDS
        for name in self.data:
            if name not in known:
                self.add(str(name), "unknown_field", f"unknown field {name!r}")

    def required(self, field: str) -> bool:
        if field not in self.data:
            self.add(field, "required", f"{field} is required")
            return False
        return True

    def key(self, field: str = "key") -> None:
        if not self.required(field):
            return
        value = self.data[field]
        if not isinstance(value, str) or not KEY_PATTERN.fullmatch(value):
            self.add(field, "key_pattern", "must match [A-Za-z0-9._-]{1,128}")

    def text(
        self, field: str, *, max_length: int = NAME_MAX, empty: bool = True, null: bool = False
    ) -> None:
        if field not in self.data:
            return
        value = self.data[field]
        if value is None and null:
            return
        if not isinstance(value, str):
            self.add(field, "type", "must be a string")
        elif len(value) > max_length:
            self.add(field, "max_length", f"must be at most {max_length} characters")
        elif not empty and not value.strip():
            self.add(field, "non_empty", "must not be empty")

    def boolean(self, field: str) -> None:
        if field in self.data and not isinstance(self.data[field], bool):
            self.add(field, "type", "must be true or false")

    def integer(self, field: str, *, minimum: int | None = None, null: bool = False) -> None:
        if field not in self.data:
            return
        value = self.data[field]
        if value is None and null:
            return
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(field, "type", "must be an integer")
        elif minimum is not None and value < minimum:
            self.add(field, "minimum", f"must be at least {minimum}")

    def string_list(self, field: str, *, pattern: re.Pattern[str] | None = None) -> None:
        if field not in self.data:
            return
        value = self.data[field]
        if not isinstance(value, list):
            self.add(field, "type", "must be a list of strings")
            return
        for index, item in enumerate(value):
            if not isinstance(item, str):
                self.add(f"{field}[{index}]", "type", "must be a string")
            elif pattern is not None and not pattern.fullmatch(item):
                self.add(f"{field}[{index}]", "key_pattern", "must match [A-Za-z0-9._-]{1,128}")

    def raise_if_any(self) -> None:
        if self.violations:
            raise ValidationError(_unique(self.violations))


def nul_paths(value: Any, path: str = "") -> Iterable[str]:
    """Paths of strings (keys included) holding a NUL character, which PostgreSQL cannot
    store in text or JSONB."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                yield child
            else:
                yield from nul_paths(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from nul_paths(item, f"{path}[{index}]")


def surrogate_paths(value: Any, path: str = "") -> Iterable[str]:
    """Paths of strings (keys included) holding a lone UTF-16 surrogate: JSON's
    ``"\\ud800"`` parses to one, but it is no Unicode text and cannot be encoded as
    UTF-8, so nothing holding it could ever be sent back."""
    if isinstance(value, str):
        if not value.isascii() and SURROGATE.search(value):
            yield path
    elif isinstance(value, Mapping):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and SURROGATE.search(key):
                yield child.encode("utf-8", "backslashreplace").decode()
            else:
                yield from surrogate_paths(item, child)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from surrogate_paths(item, f"{path}[{index}]")


def is_key(value: Any) -> bool:
    return isinstance(value, str) and KEY_PATTERN.fullmatch(value) is not None


def _unique(violations: list[Violation]) -> list[Violation]:
    seen: set[tuple[str, str]] = set()
    unique: list[Violation] = []
    for violation in violations:
        if (violation.field, violation.rule) not in seen:
            seen.add((violation.field, violation.rule))
            unique.append(violation)
    return unique


def encode_cursor(kind: str, last_id: int) -> str:
    """The opaque cursor of a list of ``kind`` (``audit``, ``deployments``, …) that
    goes on after the row ``last_id``."""
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def find_cursor(kind: str, cursor: object) -> int | None:
    """The row id in a cursor that ``encode_cursor(kind, …)`` made, or None for
    anything else."""
    try:
        if not isinstance(cursor, str):
            return None
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    prefix, _, number = text.partition(":")
    if prefix != kind or not number.isascii() or not number.isdigit() or len(number) > 18:
        return None
    return int(number)


def decode_cursor(kind: str, cursor: object) -> int:
    """``find_cursor``, refusing what is not a cursor of the list (``invalid_cursor``)."""
    found = find_cursor(kind, cursor)
    if found is None:
        raise ValidationError.single("cursor", "invalid_cursor", "is not a cursor from this list")
    return found
