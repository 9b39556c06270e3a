"""The evaluation engine: pure, no I/O, shared by the server and the SDK.

Compile a flag document once with :func:`compile_document`, then call :func:`evaluate`
as often as needed. The format is in docs/flag-document.md, the semantics (operators,
bucketing, reasons) in docs/evaluation.md.
"""

from __future__ import annotations

from premiere.engine.bucketing import BUCKETS, bucket, bucket_for, bucket_string
from premiere.engine.compiler import CompiledDocument, compile_document
from premiere.engine.evaluator import check_kind, evaluate, evaluate_all
from premiere.engine.notes import audience_document, feature_on, notes_for, off_variations_of
from premiere.engine.operators import OPERATORS
from premiere.engine.references import (
    find_prerequisite_cycle,
    reads_targeting_key,
    referenced_flags,
    referenced_segments,
)
from premiere.engine.result import (
    ERROR_CODES,
    REASON_KINDS,
    TARGETING_KEY_MISSING,
    EvaluationResult,
    FlagMetadata,
    flag_metadata,
    openfeature_error_code,
    openfeature_reason,
)
from premiere.engine.validation import (
    KEY_PATTERN,
    RULE_NAMES,
    is_valid_key,
    validate_flag,
    validate_segment,
)
from premiere.engine.values import KINDS, parse_date_ms, parse_semver, value_fits_kind

__all__ = [
    "BUCKETS",
    "ERROR_CODES",
    "KEY_PATTERN",
    "KINDS",
    "OPERATORS",
    "REASON_KINDS",
    "RULE_NAMES",
    "TARGETING_KEY_MISSING",
    "CompiledDocument",
    "EvaluationResult",
    "FlagMetadata",
    "audience_document",
    "bucket",
    "bucket_for",
    "bucket_string",
    "check_kind",
    "compile_document",
    "evaluate",
    "evaluate_all",
    "feature_on",
    "find_prerequisite_cycle",
    "flag_metadata",
    "is_valid_key",
    "notes_for",
    "off_variations_of",
    "openfeature_error_code",
    "openfeature_reason",
    "parse_date_ms",
    "parse_semver",
    "reads_targeting_key",
    "referenced_flags",
    "referenced_segments",
    "validate_flag",
    "validate_segment",
    "value_fits_kind",
]
