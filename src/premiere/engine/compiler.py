"""Compile a flag document once into runners: one closure per flag, evaluated on the hot path.

A runner is ``run(context, default, stack) -> EvaluationResult``; ``stack`` holds the keys
of the flags whose prerequisites are being evaluated (empty at the top level).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from premiere.engine.flags import Runner, all_of, compile_flag
from premiere.engine.operators import Context, Predicate, compile_clause
from premiere.engine.references import referenced_segments
from premiere.engine.result import MALFORMED_FLAG, EvaluationResult, error_result
from premiere.engine.validation import validate_flag, validate_segment
from premiere.errors import Violation


class CompiledDocument:
    """A flag document compiled for evaluation. Immutable once built; share it freely."""

    __slots__ = ("environment", "kinds", "problems", "project", "runners", "version")

    def __init__(self) -> None:
        self.runners: dict[str, Runner] = {}
        self.kinds: dict[str, str] = {}
        self.problems: dict[str, list[Violation]] = {}
        self.project: Any = None
        self.environment: Any = None
        self.version: Any = None

    @property
    def flag_keys(self) -> list[str]:
        return list(self.runners)


def compile_document(doc: Any) -> CompiledDocument:
    """Compile a flag document (docs/flag-document.md). Never raises.

    A flag that fails :func:`validate_flag`, or that uses a segment failing
    :func:`validate_segment`, compiles to a runner that serves the caller's default with
    ``ERROR``/``MALFORMED_FLAG``; its violations are kept in ``problems``.
    """
    compiled = CompiledDocument()
    if not isinstance(doc, Mapping):
        return compiled
    compiled.project = doc.get("project")
    compiled.environment = doc.get("environment")
    compiled.version = doc.get("version")
    segments, broken = _compile_segments(_mapping(doc.get("segments")))
    for key, flag in _mapping(doc.get("flags")).items():
        if not isinstance(key, str):
            continue
        problems = _flag_problems(key, flag, broken)
        if problems:
            compiled.problems[key] = problems
            compiled.runners[key] = _malformed
            continue
        compiled.kinds[key] = sys.intern(flag["kind"])  # not 10,000 copies of "boolean"
        compiled.runners[key] = compile_flag(flag, segments, compiled.runners)
    return compiled


def _compile_segments(
    segments: Mapping[Any, Any],
) -> tuple[dict[str, Predicate], set[str]]:
    compiled: dict[str, Predicate] = {}
    broken: set[str] = set()
    for key, segment in segments.items():
        if not isinstance(key, str):
            continue
        if validate_segment(segment) or segment.get("key") != key:
            broken.add(key)
            continue
        compiled[key] = _compile_segment(segment)
    return compiled, broken


def _compile_segment(segment: Mapping[str, Any]) -> Predicate:
    included = frozenset(segment.get("included") or ())
    excluded = frozenset(segment.get("excluded") or ())
    rules = [
        all_of([compile_clause(c, {}) for c in r.get("clauses") or []])
        for r in segment.get("rules") or []
    ]

    def member(ctx: Context) -> bool:
        key = ctx.get("key")
        if isinstance(key, str):
            if key in included:
                return True
            if key in excluded:
                return False
        return any(rule(ctx) for rule in rules)

    return member


def _flag_problems(key: str, flag: Any, broken_segments: set[str]) -> list[Violation]:
    problems = validate_flag(flag)
    if problems:
        return problems
    if flag["key"] != key:
        return [
            Violation("key", "key_mismatch", f"flag stored under {key!r} has key {flag['key']!r}")
        ]
    bad = sorted(referenced_segments(flag) & broken_segments)
    return [
        Violation("rules", "malformed_segment", f"segment {name!r} is malformed") for name in bad
    ]


def _malformed(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
    return error_result(default, MALFORMED_FLAG)


def _mapping(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


__all__ = ["CompiledDocument", "Runner", "compile_document"]
