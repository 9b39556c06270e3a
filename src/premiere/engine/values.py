"""Parsing and classifying attribute values: kinds, numbers, semantic versions, dates.

Every function here is total: bad input gives None (or False), never an exception.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

KINDS = ("boolean", "string", "number", "json")

SemverKey = tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]

_NUM = r"(0|[1-9][0-9]*)"
_PRE_ID = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    rf"{_NUM}(?:\.{_NUM})?(?:\.{_NUM})?"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?",
    re.ASCII,
)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
_NAIVE_EPOCH = datetime(1970, 1, 1)
_MAX_SEMVER_LENGTH = 256


def is_number(value: Any) -> bool:
    """JSON numbers: int or float, never bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_fits_kind(value: Any, kind: str) -> bool:
    """Whether ``value`` is a value of flag kind ``kind`` (``json`` takes any JSON value)."""
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return is_number(value) and _finite(value)
    if kind == "json":
        return is_json(value)
    return False


def is_json(value: Any, max_depth: int = 64) -> bool:
    """Whether ``value`` is made of JSON types only (dicts with string keys, finite numbers)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return False
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
        elif item is None or isinstance(item, str | bool):
            continue
        elif not (is_number(item) and _finite(item)):
            return False
    return True


def _finite(value: int | float) -> bool:
    return not isinstance(value, float) or value - value == 0.0


def bucket_string(value: Any) -> str | None:
    """The string a rollout hashes for an attribute value, or None if it cannot be bucketed.

    Strings as they are; integers (not booleans) in decimal; floats with an integral
    value as that integer (``42.0`` -> ``"42"``); anything else cannot be bucketed.
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _int_str(value)
    if isinstance(value, float) and value.is_integer():
        return _int_str(int(value))
    return None


def _int_str(value: int) -> str | None:
    try:
        return str(value)
    except ValueError:  # more digits than int->str conversion allows
        return None


def parse_semver(value: Any) -> SemverKey | None:
    """A sort key with SemVer 2.0.0 precedence, or None.

    Lenient like LaunchDarkly: a missing minor or patch is 0 (``"1.2"`` is ``1.2.0``).
    Build metadata is accepted and ignored.
    """
    if not isinstance(value, str) or len(value) > _MAX_SEMVER_LENGTH:
        return None
    m = _SEMVER.fullmatch(value)
    if m is None:
        return None
    major, minor, patch, pre = m.groups()
    if pre is None:
        return (int(major), int(minor or 0), int(patch or 0), 1, ())
    ids = tuple((0, int(p)) if p.isdigit() else (1, p) for p in pre.split("."))
    return (int(major), int(minor or 0), int(patch or 0), 0, ids)


def parse_date_ms(value: Any) -> float | None:
    """Milliseconds since the Unix epoch from an RFC 3339 string or a number, or None."""
    if is_number(value):
        return float(value) if _finite(value) else None
    if not isinstance(value, str):
        return None
    m = _RFC3339.fullmatch(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None
    micros = int((fraction or ".0")[1:7].ljust(6, "0"))
    shift = 0
    if offset not in ("Z", "z"):
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            return None
        shift = (-1 if offset[0] == "-" else 1) * (hours * 60 + minutes)
    delta = moment - _NAIVE_EPOCH - timedelta(minutes=shift)
    return (delta // timedelta(microseconds=1) + micros) / 1000.0
