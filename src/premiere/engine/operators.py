"""Clause operators, compiled once into predicates over an evaluation context.

``compile_clause`` assumes a clause that passed validation; the predicates it returns
never raise on any context mapping.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from premiere.engine.patterns import PatternSet, pattern_set
from premiere.engine.values import is_number, parse_date_ms, parse_semver

Context = Mapping[str, Any]
Predicate = Callable[[Context], bool]
# An operator's test of one value against what its clause's values were prepared into.
Matcher = Callable[[Any, Any], bool]
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
        prepare, matcher = _MATCHERS[op]
        predicate = _attribute_predicate(_name(clause["attribute"]), matcher, prepare(values))
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


@functools.lru_cache(maxsize=1024)
def attribute_getter(attribute: str) -> Getter:
    """Read an attribute by name, or by dotted path when no attribute has the whole name.

    One getter per name, shared by every clause and rollout reading it (cached).
    """
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


def _attribute_predicate(attribute: str, matcher: Matcher, bound: Any) -> Predicate:
    """``matcher(bound, value)`` on the attribute's value, or on any item of a list or tuple
    value. ``matcher`` is a module-level function: a clause costs one closure."""
    if "." not in attribute:

        def top(ctx: Context) -> bool:
            value = ctx.get(attribute)
            if value is None:
                return False
            if isinstance(value, list | tuple):
                return any(matcher(bound, item) for item in value)
            return matcher(bound, value)

        return top
    get = attribute_getter(attribute)

    def nested(ctx: Context) -> bool:
        value = get(ctx)
        if value is None:
            return False
        if isinstance(value, list | tuple):
            return any(matcher(bound, item) for item in value)
        return matcher(bound, value)

    return nested


def _segment_predicate(keys: list[Any], segments: Mapping[str, Predicate]) -> Predicate:
    members = [segments[k] for k in keys if isinstance(k, str) and k in segments]
    if not members:
        return lambda ctx: False
    if len(members) == 1:
        return members[0]
    return lambda ctx: any(member(ctx) for member in members)


# Each operator but segment_match as (prepare, matcher): prepare(values) -> bound, done
# once per clause; matcher(bound, value) -> bool, for each value tested.


def _prepare_in(values: list[Any]) -> tuple[frozenset[Any], ...]:
    """``in`` over mixed values (all strings take :func:`string_in`)."""
    strings = frozenset(v for v in values if isinstance(v, str)) or _EMPTY
    booleans = frozenset(v for v in values if isinstance(v, bool)) or _EMPTY
    numbers = frozenset(v for v in values if is_number(v)) or _EMPTY
    return strings, booleans, numbers


def _match_in(bound: tuple[frozenset[Any], ...], value: Any) -> bool:
    if isinstance(value, str):
        return value in bound[0]
    if isinstance(value, bool):
        return value in bound[1]
    if isinstance(value, int | float):
        return value in bound[2]
    return False


def _strings(values: list[Any]) -> tuple[str, ...]:
    return tuple(v for v in values if isinstance(v, str))


def _starts_with(bound: tuple[str, ...], value: Any) -> bool:
    return isinstance(value, str) and value.startswith(bound)


def _ends_with(bound: tuple[str, ...], value: Any) -> bool:
    return isinstance(value, str) and value.endswith(bound)


def _contains(bound: tuple[str, ...], value: Any) -> bool:
    return isinstance(value, str) and any(n in value for n in bound)


def _prepare_matches(values: list[Any]) -> PatternSet:
    return pattern_set(tuple(v for v in values if isinstance(v, str)))


def _matches(bound: PatternSet, value: Any) -> bool:
    return isinstance(value, str) and bound.search(value)


def _highest_number(values: list[Any]) -> Any:
    return max(v for v in values if is_number(v))


def _lowest_number(values: list[Any]) -> Any:
    return min(v for v in values if is_number(v))


def _lt(bound: Any, value: Any) -> bool:
    return is_number(value) and value < bound


def _lte(bound: Any, value: Any) -> bool:
    return is_number(value) and value <= bound


def _gt(bound: Any, value: Any) -> bool:
    return is_number(value) and value > bound


def _gte(bound: Any, value: Any) -> bool:
    return is_number(value) and value >= bound


def _semvers(values: list[Any]) -> list[Any]:
    return [k for k in (parse_semver(v) for v in values) if k is not None]


def _semver_eq(bound: frozenset[Any], value: Any) -> bool:
    return parse_semver(value) in bound


def _semver_compare(compare: Callable[[Any, Any], bool]) -> Matcher:
    def matcher(bound: Any, value: Any) -> bool:
        key = parse_semver(value)
        return key is not None and compare(key, bound)

    return matcher


def _moments(values: list[Any]) -> list[Any]:
    return [m for m in (parse_date_ms(v) for v in values) if m is not None]


def _before(bound: Any, value: Any) -> bool:
    moment = parse_date_ms(value)
    return moment is not None and moment < bound


def _after(bound: Any, value: Any) -> bool:
    moment = parse_date_ms(value)
    return moment is not None and moment > bound


_MATCHERS: dict[str, tuple[Callable[[list[Any]], Any], Matcher]] = {
    "in": (_prepare_in, _match_in),
    "starts_with": (_strings, _starts_with),
    "ends_with": (_strings, _ends_with),
    "contains": (_strings, _contains),
    "matches": (_prepare_matches, _matches),
    "lt": (_highest_number, _lt),
    "lte": (_highest_number, _lte),
    "gt": (_lowest_number, _gt),
    "gte": (_lowest_number, _gte),
    "semver_eq": (lambda values: frozenset(_semvers(values)), _semver_eq),
    "semver_lt": (lambda values: max(_semvers(values)), _semver_compare(lambda a, b: a < b)),
    "semver_lte": (lambda values: max(_semvers(values)), _semver_compare(lambda a, b: a <= b)),
    "semver_gt": (lambda values: min(_semvers(values)), _semver_compare(lambda a, b: a > b)),
    "semver_gte": (lambda values: min(_semvers(values)), _semver_compare(lambda a, b: a >= b)),
    "before": (lambda values: max(_moments(values)), _before),
    "after": (lambda values: min(_moments(values)), _after),
}
_EMPTY: frozenset[Any] = frozenset()
_FEW = 4


def _name(name: Any) -> str:
    """An attribute name, interned: the same few names recur in thousands of clauses."""
    return sys.intern(name) if type(name) is str else str(name)
