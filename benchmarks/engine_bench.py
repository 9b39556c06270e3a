"""Engine throughput beside a plain-Python floor, measured in the same run.

The benchmark flag `new-checkout` (boolean, on; rule `plan in [enterprise]` -> true;
otherwise a 25 % rollout by key) and a trivial flag `always-on` are evaluated through
`premiere.engine.evaluate` for 200,000 users (10 % enterprise). The floor is a minimal
hand-written evaluator for the same two flags (a dict lookup, one `in` test, one mmh3
hash), the least work any Python evaluator must do. Figures are medians of several
interleaved runs; compare the ratio, which moves less between machines than the rates.

    .venv/bin/python benchmarks/engine_bench.py [--users 200000] [--reps 7]
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import mmh3

from premiere.engine import compile_document, evaluate

FLAG = "new-checkout"
TRIVIAL = "always-on"
SALT = "new-checkout-salt"

DOCUMENT: dict[str, Any] = {
    "project": "bench",
    "environment": "production",
    "version": 1,
    "flags": {
        FLAG: {
            "key": FLAG,
            "kind": "boolean",
            "salt": SALT,
            "on": True,
            "off_variation": 1,
            "variations": [{"value": True}, {"value": False}],
            "rules": [
                {
                    "id": "enterprise",
                    "clauses": [{"attribute": "plan", "op": "in", "values": ["enterprise"]}],
                    "serve": {"variation": 0},
                }
            ],
            "fallthrough": {
                "rollout": {
                    "bucket_by": "key",
                    "variations": [
                        {"variation": 0, "weight": 25_000},
                        {"variation": 1, "weight": 75_000},
                    ],
                }
            },
        },
        TRIVIAL: {
            "key": TRIVIAL,
            "kind": "boolean",
            "salt": TRIVIAL,
            "on": True,
            "off_variation": 1,
            "variations": [{"value": True}, {"value": False}],
            "fallthrough": {"variation": 0},
        },
    },
    "segments": {},
}


def make_contexts(n: int) -> list[dict[str, Any]]:
    return [{"key": f"user-{i}", "plan": "enterprise" if i % 10 == 0 else "free"} for i in range(n)]


def make_floor() -> Callable[[str, dict[str, Any]], bool]:
    """The floor: what a lean evaluator of exactly these two flags has to do."""
    store: dict[str, dict[str, Any]] = {
        FLAG: {
            "on": True,
            "rules": (("plan", frozenset({"enterprise"}), True),),
            "salt": SALT,
            "threshold": 25_000,
            "default": False,
        },
        TRIVIAL: {"on": True, "rules": (), "salt": None, "threshold": None, "default": True},
    }
    hash_ = mmh3.hash

    def floor(flag_key: str, ctx: dict[str, Any]) -> bool:
        f = store.get(flag_key)
        if f is None or not f["on"]:
            return False
        for attribute, values, served in f["rules"]:
            if ctx.get(attribute) in values:
                return bool(served)
        threshold = f["threshold"]
        if threshold is None:
            return bool(f["default"])
        return bool(hash_(f"{f['salt']}.{ctx['key']}", 0, False) % 100_000 < threshold)

    return floor


def make_loops(contexts: list[dict[str, Any]]) -> dict[str, Callable[[], None]]:
    doc = compile_document(DOCUMENT)
    floor = make_floor()

    def engine_rule() -> None:
        for ctx in contexts:
            evaluate(doc, FLAG, ctx, False)

    def engine_trivial() -> None:
        for ctx in contexts:
            evaluate(doc, TRIVIAL, ctx, False)

    def floor_rule() -> None:
        for ctx in contexts:
            floor(FLAG, ctx)

    def floor_trivial() -> None:
        for ctx in contexts:
            floor(TRIVIAL, ctx)

    return {
        "engine: rule + rollout": engine_rule,
        "floor: rule + rollout": floor_rule,
        "engine: trivial": engine_trivial,
        "floor: trivial": floor_trivial,
    }


def check(contexts: list[dict[str, Any]]) -> float:
    """The engine and the floor agree on every user; returns the true fraction."""
    doc = compile_document(DOCUMENT)
    floor = make_floor()
    served = [evaluate(doc, FLAG, ctx, False).value for ctx in contexts]
    expected = [floor(FLAG, ctx) for ctx in contexts]
    assert served == expected, "engine and floor disagree"
    assert all(evaluate(doc, TRIVIAL, ctx, False).value is True for ctx in contexts[:1000])
    return sum(served) / len(served)


def measure(loops: dict[str, Callable[[], None]], n: int, reps: int) -> dict[str, float]:
    for loop in loops.values():  # warm-up
        loop()
    rates: dict[str, list[float]] = {name: [] for name in loops}
    for _ in range(reps):  # interleaved, so slow drifts of the host hit every loop alike
        for name, loop in loops.items():
            gc.collect()
            start = time.perf_counter_ns()
            loop()
            rates[name].append(n / ((time.perf_counter_ns() - start) / 1e9))
    return {name: statistics.median(values) for name, values in rates.items()}


def measure_compile(flags: int = 1000, reps: int = 5) -> float:
    """Best time, in seconds, to compile (and validate) a document of ``flags`` flags."""
    template = DOCUMENT["flags"][FLAG]
    many = {f"flag-{i}": {**template, "key": f"flag-{i}"} for i in range(flags)}
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        compile_document({"flags": many})
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description="premiere.engine evaluation throughput")
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()

    contexts = make_contexts(args.users)
    true_fraction = check(contexts)
    rates = measure(make_loops(contexts), len(contexts), args.reps)

    print(f"Python {platform.python_version()}, {args.users:,} users, median of {args.reps} runs")
    print(f"true fraction of {FLAG}: {true_fraction:.4f} (expected about 0.325)")
    print()
    print("| flag | engine evals/s | floor evals/s | engine / floor |")
    print("|---|---|---|---|")
    for label, key in (("rule + 25 % rollout", "rule + rollout"), ("trivial", "trivial")):
        engine, floor = rates[f"engine: {key}"], rates[f"floor: {key}"]
        print(f"| {label} | {engine:,.0f} | {floor:,.0f} | {engine / floor:.2f} |")
    print()
    print(
        f"compile_document, 1,000 flags like {FLAG}: {measure_compile() * 1000:.1f} ms (best of 5)"
    )


if __name__ == "__main__":
    main()
