"""Compiled serves: a fixed variation or a weighted rollout, as functions of the context.

Results are built once per (variation, reason) at compile time; a rollout only picks
one of its prebuilt results by bucket.

The fast paths hand ASCII ``str`` straight to ``mmh3.hash`` (for ASCII, the UTF-8 bytes
are the characters). Anything else goes through :func:`bucket_for`, which encodes to
UTF-8 first: mmh3 5.3 crashes the interpreter when given a ``str`` holding a lone
surrogate, which a JSON context can contain (``"\\ud800"``).
"""

from __future__ import annotations

import sys
from bisect import bisect_right
from collections.abc import Callable, Mapping
from typing import Any

import mmh3

from premiere.engine.bucketing import BUCKETS, bucket_for
from premiere.engine.operators import Context, attribute_getter
from premiere.engine.result import EvaluationResult

Serve = Callable[[Context], EvaluationResult]
# Builds the result for a variation index: (index, in_rollout) -> result.
MakeResult = Callable[[int, bool], EvaluationResult]


def compile_serve(serve: Mapping[str, Any], salt: str, make: MakeResult) -> Serve:
    """A serve (validated) as a function of the context."""
    if "variation" in serve:
        fixed = make(serve["variation"], False)
        return lambda ctx: fixed
    return _compile_rollout(serve["rollout"], salt, make)


def fixed_result(serve: Mapping[str, Any], make: MakeResult) -> EvaluationResult | None:
    """The result of a fixed-variation serve, or None for a rollout."""
    if "variation" in serve:
        return make(serve["variation"], False)
    return None


def _compile_rollout(rollout: Mapping[str, Any], salt: str, make: MakeResult) -> Serve:
    weighted = [(item["variation"], item["weight"]) for item in rollout["variations"]]
    bounds: list[int] = []
    results: list[EvaluationResult] = []
    total = 0
    for index, weight in weighted:
        total += weight
        bounds.append(total)
        results.append(make(index, True))
    # Bucket 0 is where contexts go that cannot be bucketed: the first non-empty range.
    unbucketed = make(weighted[bisect_right(bounds, 0)][0], False)
    attribute = sys.intern(str(rollout.get("bucket_by", "key")))
    get = attribute_getter(attribute)
    prefix = f"{salt}."
    if not prefix.isascii():  # the fast paths below hash ASCII text only
        return lambda ctx: _slow(salt, get(ctx), bounds, results, unbucketed)
    if len(results) == 2 and "." not in attribute:
        return _two_way(attribute, salt, bounds, results, unbucketed)
    hash_ = mmh3.hash

    def serve(ctx: Context) -> EvaluationResult:
        value = get(ctx)
        if type(value) is str and value.isascii():
            return results[bisect_right(bounds, hash_(prefix + value, 0, False) % BUCKETS)]
        return _slow(salt, value, bounds, results, unbucketed)

    return serve


def _two_way(
    attribute: str,
    salt: str,
    bounds: list[int],
    results: list[EvaluationResult],
    unbucketed: EvaluationResult,
) -> Serve:
    """The common rollout: two variations, bucketed by a top-level attribute."""
    hash_ = mmh3.hash
    prefix = f"{salt}."
    split = bounds[0]
    first, second = results

    def serve(ctx: Context) -> EvaluationResult:
        value = ctx.get(attribute)
        if type(value) is str and value.isascii():
            return first if hash_(prefix + value, 0, False) % BUCKETS < split else second
        return _slow(salt, value, bounds, results, unbucketed)

    return serve


def _slow(
    salt: str,
    value: Any,
    bounds: list[int],
    results: list[EvaluationResult],
    unbucketed: EvaluationResult,
) -> EvaluationResult:
    """Any value (the UTF-8 of non-ASCII text, numbers, missing) through bucket_for."""
    bucket = bucket_for(salt, value)
    if bucket is None:
        return unbucketed
    return results[bisect_right(bounds, bucket)]
