"""Compile one validated flag into a runner: off, prerequisites, targets, rules, fallthrough.

The runner for the common shapes is specialised: a flag that cannot depend on the
context returns one prebuilt result, and a single rule made of one string ``in``
clause is tested inline, without a predicate call.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from premiere.engine.operators import (
    Context,
    Predicate,
    Strings,
    compile_clause,
    in_strings,
    simple_in,
    string_in,
)
from premiere.engine.prerequisites import compile_prerequisites
from premiere.engine.result import FALLTHROUGH, OFF, RULE_MATCH, TARGET_MATCH, EvaluationResult
from premiere.engine.serves import Serve, compile_serve, fixed_result

Runner = Callable[[Context, Any, tuple[str, ...]], EvaluationResult]


class CompiledRule(NamedTuple):
    match: Predicate
    serve: Serve
    # (attribute, strings) when the rule is one non-negated string `in` clause
    simple: tuple[str, Strings] | None


def compile_flag(
    flag: Mapping[str, Any], segments: Mapping[str, Predicate], runners: Mapping[str, Runner]
) -> Runner:
    """One validated flag as a runner; ``runners`` resolves prerequisites at evaluation time."""
    key: str = flag["key"]
    values = [v["value"] for v in flag["variations"]]
    off_index = flag.get("off_variation")
    if flag.get("on") is not True:
        if off_index is None:
            return lambda ctx, default, stack: EvaluationResult(default, None, OFF)
        off = EvaluationResult(values[off_index], off_index, OFF)
        return lambda ctx, default, stack: off
    body = _compile_body(flag, values, segments)
    prerequisites = flag.get("prerequisites") or []
    if not prerequisites:
        return body
    return compile_prerequisites(key, prerequisites, values, off_index, runners, body)


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


def _compile_body(
    flag: Mapping[str, Any], values: list[Any], segments: Mapping[str, Predicate]
) -> Runner:
    salt = flag.get("salt")
    salt = salt if isinstance(salt, str) else flag["key"]
    targets = _compile_targets(flag.get("targets") or [], values)
    rules = [
        _compile_rule(i, r, values, salt, segments) for i, r in enumerate(flag.get("rules") or [])
    ]
    # Static: the value cannot depend on the context (no prerequisites, targets, rules
    # or rollout), which OpenFeature reports as STATIC.
    static = not (targets or rules or flag.get("prerequisites") or "rollout" in flag["fallthrough"])

    def make_fallthrough(index: int, in_rollout: bool) -> EvaluationResult:
        return EvaluationResult(
            values[index], index, FALLTHROUGH, in_rollout=in_rollout, static=static
        )

    fixed = fixed_result(flag["fallthrough"], make_fallthrough)
    if static and fixed is not None:
        return lambda ctx, default, stack: fixed
    fallthrough = compile_serve(flag["fallthrough"], salt, make_fallthrough)
    inner = _assemble_rules(rules, fallthrough)
    return _with_targets(targets, inner) if targets else inner


def _with_targets(targets: dict[str, EvaluationResult], inner: Runner) -> Runner:
    def run_targets(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        key = ctx.get("key")
        if isinstance(key, str):
            hit = targets.get(key)
            if hit is not None:
                return hit
        return inner(ctx, default, stack)

    return run_targets


def _assemble_rules(rules: list[CompiledRule], fallthrough: Serve) -> Runner:
    if len(rules) == 1 and rules[0].simple is not None:
        return _one_simple_rule(rules[0], fallthrough)
    if len(rules) == 1:
        match, serve, _ = rules[0]

        def run_one(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
            if match(ctx):
                return serve(ctx)
            return fallthrough(ctx)

        return run_one
    pairs = [(rule.match, rule.serve) for rule in rules]

    def run(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        for match, serve in pairs:
            if match(ctx):
                return serve(ctx)
        return fallthrough(ctx)

    return run


def _one_simple_rule(rule: CompiledRule, fallthrough: Serve) -> Runner:
    _, serve, simple = rule
    assert simple is not None
    attribute, strings = simple

    def run_simple(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        value = ctx.get(attribute)
        if type(value) is str:
            if value in strings:
                return serve(ctx)
        elif in_strings(value, strings):  # lists, other types, missing
            return serve(ctx)
        return fallthrough(ctx)

    return run_simple


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
) -> CompiledRule:
    rule_id = rule["id"]
    rule_id = sys.intern(rule_id) if type(rule_id) is str else rule_id  # "rule-1" in many flags

    def make(index: int, in_rollout: bool) -> EvaluationResult:
        return EvaluationResult(
            values[index], index, RULE_MATCH, rule_id, position, in_rollout=in_rollout
        )

    clauses = rule.get("clauses") or []
    simple = simple_in(clauses[0]) if len(clauses) == 1 else None
    if simple is not None:  # one set for both
        match = string_in(*simple)
    else:
        match = all_of([compile_clause(c, segments) for c in clauses])
    return CompiledRule(match, compile_serve(rule["serve"], salt, make), simple)
