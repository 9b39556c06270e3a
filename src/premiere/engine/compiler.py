"""Compile a flag document once into runners: one closure per flag, evaluated on the hot path.

A runner is ``run(context, default, stack) -> EvaluationResult``; ``stack`` holds the keys
of the flags whose prerequisites are being evaluated (empty at the top level).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from premiere.engine.operators import Context, Predicate, compile_clause
from premiere.engine.prerequisites import compile_prerequisites
from premiere.engine.references import referenced_segments
from premiere.engine.result import (
    FALLTHROUGH,
    MALFORMED_FLAG,
    OFF,
    RULE_MATCH,
    TARGET_MATCH,
    EvaluationResult,
    error_result,
)
from premiere.engine.serves import MakeResult, Serve, compile_serve, fixed_result
from premiere.engine.validation import validate_flag, validate_segment
from premiere.errors import Violation

Runner = Callable[[Context, Any, tuple[str, ...]], EvaluationResult]


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
        compiled.kinds[key] = flag["kind"]
        compiled.runners[key] = compile_flag(flag, segments, compiled.runners)
    return compiled


def compile_flag(
    flag: Mapping[str, Any], segments: Mapping[str, Predicate], runners: Mapping[str, Runner]
) -> Runner:
    """One validated flag as a runner; ``runners`` resolves prerequisites at evaluation time."""
    key: str = flag["key"]
    values = [v["value"] for v in flag["variations"]]
    off_index = flag.get("off_variation")
    off = None if off_index is None else EvaluationResult(values[off_index], off_index, OFF)
    if flag.get("on") is not True:
        return _constant(off, OFF)
    body = _compile_body(flag, values, segments)
    prerequisites = flag.get("prerequisites") or []
    if not prerequisites:
        return body
    return compile_prerequisites(key, prerequisites, values, off_index, runners, body)


def _compile_body(
    flag: Mapping[str, Any], values: list[Any], segments: Mapping[str, Predicate]
) -> Runner:
    salt = flag.get("salt")
    salt = salt if isinstance(salt, str) else flag["key"]
    targets = _compile_targets(flag.get("targets") or [], values)
    rules = [
        _compile_rule(i, r, values, salt, segments) for i, r in enumerate(flag.get("rules") or [])
    ]
    static = not targets and not rules and not flag.get("prerequisites")

    def make_fallthrough(index: int, in_rollout: bool) -> EvaluationResult:
        return EvaluationResult(
            values[index], index, FALLTHROUGH, in_rollout=in_rollout, static=static
        )

    fixed = fixed_result(flag["fallthrough"], make_fallthrough)
    if static and fixed is not None:
        return lambda ctx, default, stack: fixed
    fallthrough = compile_serve(flag["fallthrough"], salt, make_fallthrough)
    return _assemble(targets, rules, fallthrough)


def _assemble(
    targets: dict[str, EvaluationResult], rules: list[tuple[Predicate, Serve]], fallthrough: Serve
) -> Runner:
    inner = _assemble_rules(rules, fallthrough)
    if not targets:
        return inner

    def run_targets(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        key = ctx.get("key")
        if isinstance(key, str):
            hit = targets.get(key)
            if hit is not None:
                return hit
        return inner(ctx, default, stack)

    return run_targets


def _assemble_rules(rules: list[tuple[Predicate, Serve]], fallthrough: Serve) -> Runner:
    if len(rules) == 1:
        ((match, serve),) = rules

        def run_one(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
            if match(ctx):
                return serve(ctx)
            return fallthrough(ctx)

        return run_one

    def run(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        for match, serve in rules:
            if match(ctx):
                return serve(ctx)
        return fallthrough(ctx)

    return run


def _compile_targets(
    targets: list[Mapping[str, Any]], values: list[Any]
) -> dict[str, EvaluationResult]:
    out: dict[str, EvaluationResult] = {}
    for target in targets:
        index = target["variation"]
        result = EvaluationResult(values[index], index, TARGET_MATCH)
        for context_key in target["values"]:
            out.setdefault(context_key, result)
    return out


def _compile_rule(
    position: int,
    rule: Mapping[str, Any],
    values: list[Any],
    salt: str,
    segments: Mapping[str, Predicate],
) -> tuple[Predicate, Serve]:
    rule_id = rule["id"]

    def make(index: int, in_rollout: bool) -> EvaluationResult:
        return EvaluationResult(
            values[index], index, RULE_MATCH, rule_id, position, in_rollout=in_rollout
        )

    match = all_of([compile_clause(c, segments) for c in rule.get("clauses") or []])
    return match, compile_serve(rule["serve"], salt, make)


def all_of(predicates: list[Predicate]) -> Predicate:
    """A predicate true when every one of ``predicates`` is (true for none at all)."""
    if not predicates:
        return lambda ctx: True
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates
        return lambda ctx: first(ctx) and second(ctx)

    def every(ctx: Context) -> bool:
        return all(predicate(ctx) for predicate in predicates)

    return every


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


def _constant(result: EvaluationResult | None, reason: str) -> Runner:
    if result is not None:
        return lambda ctx, default, stack: result
    return lambda ctx, default, stack: EvaluationResult(default, None, reason)


def _malformed(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
    return error_result(default, MALFORMED_FLAG)


def _mapping(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


__all__ = ["CompiledDocument", "MakeResult", "Runner", "compile_document", "compile_flag"]
