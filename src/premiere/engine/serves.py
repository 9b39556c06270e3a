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
    cumulative: list[int] = []
    built: list[EvaluationResult] = []
    total = 0
    for index, weight in weighted:
        total += weight
        cumulative.append(total)
        built.append(make(index, True))
    bounds, results = tuple(cumulative), tuple(built)
    # Bucket 0 is where contexts go that cannot be bucketed: the first non-empty range.
    unbucketed = make(weighted[bisect_right(bounds, 0)][0], False)
    # What the slow path needs, in one tuple: one closure cell instead of four.
    spec: _Spec = (salt, bounds, results, unbucketed)
    attribute = sys.intern(str(rollout.get("bucket_by", "key")))
    get = attribute_getter(attribute)
    prefix = f"{salt}."
    if not prefix.isascii():  # the fast paths below hash ASCII text only
        return lambda ctx: _slow(spec, get(ctx))
    if len(results) == 2 and "." not in attribute:
        return _two_way(attribute, prefix, spec)

    def serve(ctx: Context) -> EvaluationResult:
        value = get(ctx)
        if type(value) is str and value.isascii():
            return results[bisect_right(bounds, _hash(prefix + value, 0, False) % BUCKETS)]
        return _slow(spec, value)

    return serve


def _two_way(attribute: str, prefix: str, spec: _Spec) -> Serve:
    """The common rollout: two variations, bucketed by a top-level attribute."""
    split = spec[1][0]
    first, second = spec[2]

    def serve(ctx: Context) -> EvaluationResult:
        value = ctx.get(attribute)
        if type(value) is str and value.isascii():
            return first if _hash(prefix + value, 0, False) % BUCKETS < split else second
        return _slow(spec, value)

    return serve


def _slow(spec: _Spec, value: Any) -> EvaluationResult:
    """Any value (the UTF-8 of non-ASCII text, numbers, missing) through bucket_for."""
    salt, bounds, results, unbucketed = spec
    bucket = bucket_for(salt, value)
    if bucket is None:
        return unbucketed
    return results[bisect_right(bounds, bucket)]


# (salt, cumulative weights, results, the result for a context that cannot be bucketed)
_Spec = tuple[str, tuple[int, ...], tuple[EvaluationResult, ...], EvaluationResult]
_hash = mmh3.hash
