"""What an evaluation returns: the detail, the SDK's error codes, typed conversions."""

from __future__ import annotations

from typing import Any, NamedTuple

from premiere.engine import EvaluationResult

ERROR = "ERROR"
CLIENT_NOT_READY = "CLIENT_NOT_READY"
INVALID_CONTEXT = "INVALID_CONTEXT"
TYPE_MISMATCH = "TYPE_MISMATCH"
GENERAL = "GENERAL"

SERVICE_ATTRIBUTE = "premiere.service"
SERVICE_VERSION_ATTRIBUTE = "premiere.service_version"
NOW_ATTRIBUTE = "now"

BOOL = frozenset({bool})
STR = frozenset({str})
INT = frozenset({int})
FLOAT = frozenset({int, float})


class EvaluationDetail(NamedTuple):
    """What a flag served and why. ``variation_index`` is None when the default was served;
    ``reason`` is the reason kind (OFF, TARGET_MATCH, RULE_MATCH, FALLTHROUGH,
    PREREQUISITE_FAILED, ERROR) and ``error_code`` is set when it is ERROR."""

    value: Any
    variation_index: int | None
    reason: str
    error_code: str | None = None
    rule_id: str | None = None
    rule_index: int | None = None
    in_rollout: bool = False
    prerequisite_key: str | None = None


def error_result(default: Any, code: str) -> EvaluationResult:
    return EvaluationResult(default, None, ERROR, error_code=code)


def as_bool(value: Any) -> bool:
    if type(value) is not bool:
        raise TypeError
    return value


def as_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError
    return value


def as_int(value: Any) -> int:
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    raise TypeError


def as_float(value: Any) -> float:
    if type(value) is bool or not isinstance(value, (int, float)):
        raise TypeError
    return float(value)
