"""Clause operators, compiled once into predicates over an evaluation context.

``compile_clause`` assumes a clause that passed validation; the predicates it returns
never raise on any context mapping.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from premiere.engine.values import is_number, parse_date_ms, parse_semver

Context = Mapping[str, Any]
Predicate = Callable[[Context], bool]
Test = Callable[[Any], bool]
Getter = Callable[[Context], Any]
# The strings of an `in` clause (see string_set).
Strings = frozenset[str] | tuple[str, ...]

STRING_OPS = ("starts_with", "ends_with", "contains", "matches")
NUMBER_OPS = ("lt", "lte", "gt", "gte")
SEMVER_OPS = ("semver_eq", "semver_lt", "semver_lte", "semver_gt", "semver_gte")
DATE_OPS = ("before", "after")
OPERATORS = ("in", *STRING_OPS, *NUMBER_OPS, *SEMVER_OPS, *DATE_OPS, "segment_match")

__all__ = [
    "OPERATORS",
    "Predicate",
    "attribute_getter",
    "compile_clause",
    "in_strings",
    "simple_in",
    "string_in",
    "string_set",
]


def compile_clause(clause: Mapping[str, Any], segments: Mapping[str, Predicate]) -> Predicate:
    """One clause as a predicate; ``segments`` maps segment keys to membership predicates."""
    op = clause["op"]
    values = clause["values"]
    if op == "segment_match":
        predicate = _segment_predicate(values, segments)
    elif op == "in" and all(type(v) is str for v in values):
        predicate = string_in(_name(clause["attribute"]), string_set(values))
    else:
        predicate = _attribute_predicate(_name(clause["attribute"]), _TESTS[op](list(values)))
    if clause.get("negate") is True:
        positive = predicate
        return lambda ctx: not positive(ctx)
    return predicate


def simple_in(clause: Mapping[str, Any]) -> tuple[str, Strings] | None:
    """``(attribute, strings)`` for a non-negated ``in`` clause of strings on a plain name."""
    attribute, values = clause.get("attribute"), clause.get("values")
    if clause.get("op") != "in" or clause.get("negate") is True:
        return None
    if not isinstance(attribute, str) or "." in attribute or not isinstance(values, list):
        return None
    if not all(type(v) is str for v in values):
        return None
    return _name(attribute), string_set(values)


def string_set(values: Iterable[str]) -> Strings:
    """The strings of an ``in`` clause: a tuple when there are a few, which is less than a
    quarter of a frozenset's memory and as fast to search; else a frozenset."""
    unique = tuple(dict.fromkeys(values))
    return unique if len(unique) <= _FEW else frozenset(unique)


def string_in(attribute: str, strings: Strings) -> Predicate:
    """The predicate of ``attribute in strings`` (a list attribute: any of its items)."""
    if "." in attribute:
        get = attribute_getter(attribute)
        return lambda ctx: in_strings(get(ctx), strings)

    def fast(ctx: Context) -> bool:  # the common case: a string `in` a set of strings
        value = ctx.get(attribute)
        if type(value) is str:
            return value in strings
        return in_strings(value, strings)

    return fast


def in_strings(value: Any, strings: Strings) -> bool:
    """Whether ``value`` (a string, or a list or tuple of values) is or holds one of ``strings``."""
    if isinstance(value, str):
        return value in strings
    if isinstance(value, list | tuple):
        return any(isinstance(item, str) and item in strings for item in value)
    return False


def attribute_getter(attribute: str) -> Getter:
    """Read an attribute by name, or by dotted path when no attribute has the whole name."""
    if "." not in attribute:
        return lambda ctx: ctx.get(attribute)
    parts = attribute.split(".")

    def get(ctx: Context) -> Any:
        if attribute in ctx:
            return ctx[attribute]
        value: Any = ctx
        for part in parts:
            if not isinstance(value, Mapping):
                return None
            value = value.get(part)
        return value

    return get


def _attribute_predicate(attribute: str, test: Test) -> Predicate:
    """``test`` on the attribute's value, or on any item of a list or tuple value."""
    if "." not in attribute:

        def top(ctx: Context) -> bool:
            value = ctx.get(attribute)
            if value is None:
                return False
            if isinstance(value, list | tuple):
                return any(test(item) for item in value)
            return test(value)

        return top
    get = attribute_getter(attribute)

    def nested(ctx: Context) -> bool:
        value = get(ctx)
        if value is None:
            return False
        if isinstance(value, list | tuple):
            return any(test(item) for item in value)
        return test(value)

    return nested


def _segment_predicate(keys: list[Any], segments: Mapping[str, Predicate]) -> Predicate:
    members = [segments[k] for k in keys if isinstance(k, str) and k in segments]
    if not members:
        return lambda ctx: False
    if len(members) == 1:
        return members[0]
    return lambda ctx: any(member(ctx) for member in members)


def _in(values: list[Any]) -> Test:
    """``in`` over mixed values (all strings take :func:`string_in`)."""
    strings = frozenset(v for v in values if isinstance(v, str)) or _EMPTY
    booleans = frozenset(v for v in values if isinstance(v, bool)) or _EMPTY
    numbers = frozenset(v for v in values if is_number(v)) or _EMPTY

    def test(value: Any) -> bool:
        if isinstance(value, str):
            return value in strings
        if isinstance(value, bool):
            return value in booleans
        if isinstance(value, int | float):
            return value in numbers
        return False

    return test


_EMPTY: frozenset[Any] = frozenset()
_FEW = 4


def _name(name: Any) -> str:
    """An attribute name, interned: the same few names recur in thousands of clauses."""
    return sys.intern(name) if type(name) is str else str(name)


def _starts_with(values: list[Any]) -> Test:
    prefixes = tuple(v for v in values if isinstance(v, str))
    return lambda value: isinstance(value, str) and value.startswith(prefixes)


def _ends_with(values: list[Any]) -> Test:
    suffixes = tuple(v for v in values if isinstance(v, str))
    return lambda value: isinstance(value, str) and value.endswith(suffixes)


def _contains(values: list[Any]) -> Test:
    needles = tuple(v for v in values if isinstance(v, str))
    return lambda value: isinstance(value, str) and any(n in value for n in needles)


def _matches(values: list[Any]) -> Test:
    patterns = [re.compile(v) for v in values if isinstance(v, str)]
    return lambda value: isinstance(value, str) and any(p.search(value) for p in patterns)


def _number(op: str) -> Callable[[list[Any]], Test]:
    def build(values: list[Any]) -> Test:
        numbers = [v for v in values if is_number(v)]
        if op in ("lt", "lte"):
            high = max(numbers)
            if op == "lt":
                return lambda value: is_number(value) and value < high
            return lambda value: is_number(value) and value <= high
        low = min(numbers)
        if op == "gt":
            return lambda value: is_number(value) and value > low
        return lambda value: is_number(value) and value >= low

    return build


def _semver(op: str) -> Callable[[list[Any]], Test]:
    def build(values: list[Any]) -> Test:
        keys = [k for k in (parse_semver(v) for v in values) if k is not None]
        if op == "semver_eq":
            wanted = frozenset(keys)
            return lambda value: parse_semver(value) in wanted
        compare = _COMPARE[op]
        bound = max(keys) if op in ("semver_lt", "semver_lte") else min(keys)

        def test(value: Any) -> bool:
            key = parse_semver(value)
            return key is not None and compare(key, bound)

        return test

    return build


def _date(op: str) -> Callable[[list[Any]], Test]:
    def build(values: list[Any]) -> Test:
        moments = [m for m in (parse_date_ms(v) for v in values) if m is not None]
        if op == "before":
            latest = max(moments)

            def before(value: Any) -> bool:
                moment = parse_date_ms(value)
                return moment is not None and moment < latest

            return before
        earliest = min(moments)

        def after(value: Any) -> bool:
            moment = parse_date_ms(value)
            return moment is not None and moment > earliest

        return after

    return build


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "semver_lt": lambda a, b: a < b,
    "semver_lte": lambda a, b: a <= b,
    "semver_gt": lambda a, b: a > b,
    "semver_gte": lambda a, b: a >= b,
}

_TESTS: dict[str, Callable[[list[Any]], Test]] = {
    "in": _in,
    "starts_with": _starts_with,
    "ends_with": _ends_with,
    "contains": _contains,
    "matches": _matches,
    **{op: _number(op) for op in NUMBER_OPS},
    **{op: _semver(op) for op in SEMVER_OPS},
    **{op: _date(op) for op in DATE_OPS},
}
