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
from premiere.engine.serves import MakeResult, Serve, compile_serve, fixed_result

Runner = Callable[[Context, Any, tuple[str, ...]], EvaluationResult]


class CompiledRule(NamedTuple):
    match: Predicate
    fixed: EvaluationResult | None  # the result of a fixed serve, returned as it is
    serve: Serve  # else this serve is called
    # (attribute, strings) when the rule is one non-negated string `in` clause
    simple: tuple[str, Strings] | None


def compile_flag(
    flag: Mapping[str, Any], segments: Mapping[str, Predicate], runners: Mapping[str, Runner]
) -> Runner:
    """One validated flag as a runner; ``runners`` resolves prerequisites at evaluation time."""
    key: str = flag["key"]
    # String values interned: "variant-a" or "dark" recur across flags.
    values = [
        sys.intern(v) if type(v) is str else v for v in (x["value"] for x in flag["variations"])
    ]
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
    fallthrough = _serve(flag["fallthrough"], fixed, salt, make_fallthrough)
    inner = _assemble_rules(rules, fixed, fallthrough)
    return _with_targets(targets, inner) if targets else inner


def _serve(serve: Mapping[str, Any], fixed: Any, salt: str, make: MakeResult) -> Serve:
    """The compiled serve, or :func:`_fixed` (never called) for a fixed variation, whose
    result the runners return themselves: a closure returning it costs 240 bytes."""
    return _fixed if fixed is not None else compile_serve(serve, salt, make)


def _fixed(ctx: Context) -> EvaluationResult:
    raise AssertionError("a fixed serve's result is returned without a call")


def _with_targets(targets: dict[str, EvaluationResult], inner: Runner) -> Runner:
    def run_targets(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        key = ctx.get("key")
        if isinstance(key, str):
            hit = targets.get(key)
            if hit is not None:
                return hit
        return inner(ctx, default, stack)

    return run_targets


def _assemble_rules(
    rules: list[CompiledRule], fall: EvaluationResult | None, fallthrough: Serve
) -> Runner:
    """The rules then the fallthrough; ``fall`` is its result when fixed (else None).

    A serve's ``fixed`` result, when not None, is returned as it is; else the serve is
    called.
    """
    if len(rules) == 1 and rules[0].simple is not None:
        return _one_simple_rule(rules[0], fall, fallthrough)
    if len(rules) == 1:
        match, hit, serve, _ = rules[0]

        def run_one(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
            if match(ctx):
                return hit if hit is not None else serve(ctx)
            return fall if fall is not None else fallthrough(ctx)

        return run_one
    triples = tuple((rule.match, rule.fixed, rule.serve) for rule in rules)

    def run(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        for match, hit, serve in triples:
            if match(ctx):
                return hit if hit is not None else serve(ctx)
        return fall if fall is not None else fallthrough(ctx)

    return run


def _one_simple_rule(
    rule: CompiledRule, fall: EvaluationResult | None, fallthrough: Serve
) -> Runner:
    _, hit, serve, simple = rule
    assert simple is not None
    attribute, strings = simple
    if hit is not None and fall is None:  # the common shape: a fixed rule, then a rollout
        return _simple_rule_then_rollout(attribute, strings, hit, fallthrough)

    def run_simple(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        value = ctx.get(attribute)
        if type(value) is str:
            if value in strings:
                return hit if hit is not None else serve(ctx)
        elif in_strings(value, strings):  # lists, other types, missing
            return hit if hit is not None else serve(ctx)
        return fall if fall is not None else fallthrough(ctx)

    return run_simple


def _simple_rule_then_rollout(
    attribute: str, strings: Strings, hit: EvaluationResult, fallthrough: Serve
) -> Runner:
    def run_simple(ctx: Context, default: Any, stack: tuple[str, ...]) -> EvaluationResult:
        value = ctx.get(attribute)
        if type(value) is str:
            if value in strings:
                return hit
        elif in_strings(value, strings):  # lists, other types, missing
            return hit
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
    fixed = fixed_result(rule["serve"], make)
    return CompiledRule(match, fixed, _serve(rule["serve"], fixed, salt, make), simple)
