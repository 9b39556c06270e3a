"""The result of one evaluation, its reasons and error codes, and the OpenFeature mapping."""

from __future__ import annotations

from typing import Any, NamedTuple

# Reason kinds.
OFF = "OFF"
TARGET_MATCH = "TARGET_MATCH"
RULE_MATCH = "RULE_MATCH"
FALLTHROUGH = "FALLTHROUGH"
PREREQUISITE_FAILED = "PREREQUISITE_FAILED"
ERROR = "ERROR"

REASON_KINDS = (OFF, TARGET_MATCH, RULE_MATCH, FALLTHROUGH, PREREQUISITE_FAILED, ERROR)

# Error codes (reason kind ERROR).
FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
MALFORMED_FLAG = "MALFORMED_FLAG"
TYPE_MISMATCH = "TYPE_MISMATCH"
INVALID_CONTEXT = "INVALID_CONTEXT"
PREREQUISITE_CYCLE = "PREREQUISITE_CYCLE"
PREREQUISITE_TOO_DEEP = "PREREQUISITE_TOO_DEEP"
GENERAL = "GENERAL"
# Not produced by ``evaluate``: the OpenFeature surfaces (the SDK's provider, OFREP) give
# it, before evaluating, to a context without a key for a flag that needs one
# (:func:`premiere.engine.reads_targeting_key`).
TARGETING_KEY_MISSING = "TARGETING_KEY_MISSING"

ERROR_CODES = (
    FLAG_NOT_FOUND,
    MALFORMED_FLAG,
    TYPE_MISMATCH,
    INVALID_CONTEXT,
    PREREQUISITE_CYCLE,
    PREREQUISITE_TOO_DEEP,
    GENERAL,
)

_OPENFEATURE_ERROR_CODES = {
    FLAG_NOT_FOUND: "FLAG_NOT_FOUND",
    MALFORMED_FLAG: "PARSE_ERROR",
    TYPE_MISMATCH: "TYPE_MISMATCH",
    INVALID_CONTEXT: "INVALID_CONTEXT",
    TARGETING_KEY_MISSING: "TARGETING_KEY_MISSING",
}


class EvaluationResult(NamedTuple):
    """What a flag served to one context, and why. Immutable and shared: do not mutate ``value``.

    ``variation`` is the index of the served variation, or None when the caller's default
    was served. ``static`` is true when the value cannot depend on the context (a flag with
    no prerequisites, targets or rules, serving a fixed fallthrough variation).
    """

    value: Any
    variation: int | None
    reason: str
    rule_id: str | None = None
    rule_index: int | None = None
    in_rollout: bool = False
    error_code: str | None = None
    prerequisite_key: str | None = None
    static: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"value", "variation", "reason": {"kind", ...}}``."""
        reason: dict[str, Any] = {"kind": self.reason}
        if self.reason == RULE_MATCH:
            reason["rule_id"] = self.rule_id
            reason["rule_index"] = self.rule_index
        if self.reason in (RULE_MATCH, FALLTHROUGH):
            reason["in_rollout"] = self.in_rollout
        if self.reason == PREREQUISITE_FAILED:
            reason["prerequisite_key"] = self.prerequisite_key
        if self.reason == ERROR:
            reason["error_code"] = self.error_code
        return {"value": self.value, "variation": self.variation, "reason": reason}


def error_result(default: Any, code: str) -> EvaluationResult:
    return EvaluationResult(default, None, ERROR, error_code=code)


def openfeature_reason(result: EvaluationResult) -> str:
    """Map a result to an OpenFeature resolution reason (see docs/evaluation.md)."""
    kind = result.reason
    if kind == TARGET_MATCH:
        return "TARGETING_MATCH"
    if kind == RULE_MATCH:
        return "SPLIT" if result.in_rollout else "TARGETING_MATCH"
    if kind == FALLTHROUGH:
        if result.in_rollout:
            return "SPLIT"
        return "STATIC" if result.static else "DEFAULT"
    if kind in (OFF, PREREQUISITE_FAILED):
        return "DISABLED"
    return "ERROR"


def openfeature_error_code(result: EvaluationResult) -> str | None:
    """The OpenFeature error code of an ERROR result (None for other results)."""
    if result.reason != ERROR:
        return None
    return _OPENFEATURE_ERROR_CODES.get(result.error_code or "", "GENERAL")


FlagMetadata = dict[str, bool | int | float | str]


def flag_metadata(result: EvaluationResult, flag_version: int | None = None) -> FlagMetadata:
    """What OpenFeature has no field for, under the names both the SDK's provider
    (``flag_metadata``) and OFREP (``metadata``) use: Premiere's reason kind, the flag's
    version, the variation's index, and the rule, rollout, prerequisite or error that
    decided (docs/openfeature.md)."""
    metadata: FlagMetadata = {"reason_kind": result.reason}
    if flag_version is not None:
        metadata["flag_version"] = flag_version
    if result.variation is not None:
        metadata["variation_index"] = result.variation
    if result.rule_id is not None:
        metadata["rule_id"] = result.rule_id
    if result.rule_index is not None:
        metadata["rule_index"] = result.rule_index
    if result.in_rollout:
        metadata["in_rollout"] = True
    if result.prerequisite_key is not None:
        metadata["prerequisite_key"] = result.prerequisite_key
    if result.error_code is not None:
        metadata["error_code"] = result.error_code
    return metadata
