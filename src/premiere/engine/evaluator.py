"""``evaluate``: the hot path. Never raises, whatever the document, key, context or default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from premiere.engine.compiler import CompiledDocument
from premiere.engine.result import (
    FLAG_NOT_FOUND,
    GENERAL,
    INVALID_CONTEXT,
    TYPE_MISMATCH,
    EvaluationResult,
    error_result,
)
from premiere.engine.values import KINDS, value_fits_kind

_EMPTY: tuple[str, ...] = ()


def evaluate(
    compiled_doc: CompiledDocument,
    flag_key: str,
    context: Mapping[str, Any],
    default: Any = None,
    *,
    expected_kind: str | None = None,
) -> EvaluationResult:
    """Evaluate one flag for one context.

    ``default`` is served (with ``variation`` None) when the flag is missing, malformed,
    off without an off-variation, or on error. With ``expected_kind`` (``boolean``,
    ``string``, ``number`` or ``json``), a served value of another kind gives
    ``ERROR``/``TYPE_MISMATCH`` and the default instead.
    """
    try:
        run = compiled_doc.runners[flag_key]
    except (KeyError, TypeError, AttributeError):
        return error_result(default, FLAG_NOT_FOUND)
    if type(context) is not dict and not isinstance(context, Mapping):
        return error_result(default, INVALID_CONTEXT)
    try:
        result = run(context, default, _EMPTY)
    except Exception:  # a context whose mapping methods misbehave; nothing of ours raises
        return error_result(default, GENERAL)
    if expected_kind is not None:
        return check_kind(result, expected_kind, default)
    return result


def check_kind(result: EvaluationResult, expected_kind: str, default: Any) -> EvaluationResult:
    """``result``, or ``ERROR``/``TYPE_MISMATCH`` with ``default`` when the served value
    is not of ``expected_kind``. Results serving the caller's default are left alone."""
    if result.variation is None:
        return result
    if expected_kind not in KINDS or not value_fits_kind(result.value, expected_kind):
        return error_result(default, TYPE_MISMATCH)
    return result


def evaluate_all(
    compiled_doc: CompiledDocument, context: Mapping[str, Any]
) -> dict[str, EvaluationResult]:
    """Every flag of the document for one context (defaults are None)."""
    return {key: evaluate(compiled_doc, key, context) for key in compiled_doc.runners}
