"""The SDK's memory with 10,000 realistic flags loaded, and its evaluation throughput.

    .venv/bin/python benchmarks/sdk_memory_bench.py            # ~30 s; --flags N --seed N

The document is generated from a fixed seed (``random.Random(seed)``), so every run
loads the same one: a mix of kinds (half boolean, a fifth string with 3-5 variations, the
rest number and JSON), targets of varied sizes (most flags none, some a handful of keys,
a few 1,000), 0-5 rules of 1-3 clauses over every operator family (``in`` lists of up to
50 values, prefixes, regular expressions, numbers, versions, dates, segments), rollouts
in a third of the fallthroughs and some rules, prerequisites on earlier flags, and 200
segments with included keys and rules. It is written to a file; each measurement runs in
a fresh interpreter that has imported the SDK, then loads the file with
``Client(Config(offline=True, bootstrap_path=...))`` (parsing, checking and compiling
it, as from the server) and reports:

- ``tracemalloc``: the Python memory still allocated once loaded (the parsed document,
  which the client keeps, plus its compiled form), and the peak while loading;
- the RSS delta: the process's resident memory after loading minus before (in another
  fresh process, without tracemalloc, whose own records would count);
- the file's size and the load time.

Then, in the same process, evaluations per second (median of ``--reps``) of
``variation()``, ``bool_variation()`` and ``variation_detail()`` on the peer benchmark's
flag (a rule and a 25 % rollout, 200,000 users, 10 % enterprise) added to the
document, and of ``variation_detail()`` over the generated flags, one random flag per
evaluation.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

BENCH_FLAG = "new-checkout"


def generate_document(n_flags: int, seed: int, profile: str = "typical") -> dict[str, Any]:
    rng = random.Random(seed)
    shape = PROFILES[profile]
    segments = {f"segment-{i}": _segment(rng, f"segment-{i}") for i in range(200)}
    flags: dict[str, Any] = {}
    for i in range(n_flags):
        key = f"{rng.choice(_AREAS)}.{rng.choice(_FEATURES)}-{i}"
        flags[key] = _flag(rng, key, list(flags), list(segments), shape)
    flags[BENCH_FLAG] = _bench_flag()
    return {
        "project": "shop",
        "environment": "production",
        "version": 4711,
        "flags": flags,
        "segments": segments,
    }


_AREAS = ("checkout", "search", "catalog", "account", "billing", "mobile", "web", "ops")
_FEATURES = ("new-flow", "redesign", "fast-path", "beta", "kill-switch", "experiment", "limit")
_COUNTRIES = ("DE", "FR", "US", "GB", "JP", "BR", "IN", "ES", "IT", "NL", "SE", "PL")
_PLANS = ("free", "starter", "pro", "team", "enterprise")


def _keys(rng: random.Random, n: int) -> list[str]:
    return [f"user-{i}" for i in rng.sample(range(10_000_000), n)]  # distinct


# How many context keys a flag targets, and how long an `in` list is: (share, sizes).
PROFILES: dict[str, dict[str, Any]] = {
    # Most flags target nobody; some a handful of testers; a few paste in a customer list.
    "typical": {
        "targets": ((0.70, (0, 0)), (0.25, (1, 10)), (0.045, (11, 100)), (0.005, (1000, 1000))),
        "in_sizes": ((1, 2, 3, 5, 10, 50), (30, 25, 20, 15, 8, 2)),
    },
    # Individual targeting everywhere and long `in` lists of keys: about 2.5x the keys.
    "heavy": {
        "targets": ((0.60, (0, 0)), (0.30, (1, 20)), (0.09, (21, 200)), (0.01, (1000, 1000))),
        "in_sizes": ((1, 2, 3, 5, 10, 50), (1, 1, 1, 1, 1, 1)),
    },
}


def _target_size(rng: random.Random, profile: dict[str, Any]) -> int:
    roll = rng.random()
    for share, (low, high) in profile["targets"]:
        if roll < share:
            return rng.randint(low, high)
        roll -= share
    return 0


def _variations(rng: random.Random, kind: str) -> list[dict[str, Any]]:
    if kind == "boolean":
        return [{"value": True, "name": "on"}, {"value": False, "name": "off"}]
    n = rng.randint(3, 5)
    if kind == "string":
        values: list[Any] = [f"variant-{chr(97 + i)}" for i in range(n)]
    elif kind == "number":
        values = [rng.choice((0, 1, 5, 10, 50, 100, 0.5, 2.5)) * (i + 1) for i in range(n)]
    else:
        values = [
            {"layout": f"grid-{i}", "columns": i + 1, "badges": ["new", "sale"][: i % 3]}
            for i in range(n)
        ]
    return [
        {"value": v, "name": f"v{i}", "description": f"variation {i} for the experiment"}
        for i, v in enumerate(values)
    ]


def _clause(rng: random.Random, segments: list[str], profile: dict[str, Any]) -> dict[str, Any]:
    family = rng.choices(
        ("in", "string", "matches", "number", "semver", "date", "segment"),
        weights=(40, 15, 5, 10, 10, 10, 10),
    )[0]
    if family == "in":
        attr = rng.choice(("key", "plan", "country", "email", "org.id"))
        size = rng.choices(*profile["in_sizes"])[0]
        if attr == "plan":
            values: list[Any] = rng.sample(_PLANS, min(size, len(_PLANS)))
        elif attr == "country":
            values = rng.sample(_COUNTRIES, min(size, len(_COUNTRIES)))
        else:
            values = _keys(rng, size)
        return _c(attr, "in", values, rng)
    if family == "string":
        op = rng.choice(("starts_with", "ends_with", "contains"))
        return _c("email", op, ["@example.com", "@staff.example.com"][: rng.randint(1, 2)], rng)
    if family == "matches":
        return _c("email", "matches", [r"^[a-z]+\.[a-z]+@(corp|staff)\.example\.com$"], rng)
    if family == "number":
        op = rng.choice(("lt", "lte", "gt", "gte"))
        return _c(rng.choice(("age", "seats", "orders")), op, [rng.randint(1, 500)], rng)
    if family == "semver":
        op = rng.choice(("semver_gte", "semver_lt", "semver_eq"))
        return _c("app_version", op, [f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.0"], rng)
    if family == "date":
        op = rng.choice(("before", "after"))
        return _c("now", op, [f"2027-0{rng.randint(1, 9)}-01T00:00:00Z"], rng)
    return _c("key", "segment_match", rng.sample(segments, rng.randint(1, 2)), rng)


def _c(attribute: str, op: str, values: list[Any], rng: random.Random) -> dict[str, Any]:
    return {"attribute": attribute, "op": op, "values": values, "negate": rng.random() < 0.1}


def _serve(rng: random.Random, n_variations: int, rollout_share: float) -> dict[str, Any]:
    if rng.random() >= rollout_share:
        return {"variation": rng.randrange(n_variations)}
    k = rng.randint(2, min(4, n_variations)) if n_variations > 2 else 2
    cuts = sorted(rng.sample(range(1, 100_000), k - 1))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100_000], strict=True)]
    return {
        "rollout": {
            "bucket_by": rng.choice(("key", "key", "key", "org.id")),
            "variations": [{"variation": v, "weight": w} for v, w in enumerate(weights)],
        }
    }


def _flag(
    rng: random.Random,
    key: str,
    earlier: list[str],
    segments: list[str],
    profile: dict[str, Any],
) -> dict[str, Any]:
    kind = rng.choices(("boolean", "string", "number", "json"), weights=(50, 20, 15, 15))[0]
    variations = _variations(rng, kind)
    n = len(variations)
    targets: list[dict[str, Any]] = []
    targeted = _keys(rng, _target_size(rng, profile))  # a key is in one target only
    while targeted and len(targets) < n:
        size = len(targeted) if len(targets) == n - 1 else rng.randint(1, len(targeted))
        targets.append({"variation": len(targets), "values": targeted[:size]})
        targeted = targeted[size:]
    rules = [
        {
            "id": f"rule-{j}",
            "description": rng.choice(("", "Staff first", "Beta testers in the EU", "Big orgs")),
            "clauses": [_clause(rng, segments, profile) for _ in range(rng.randint(1, 3))],
            "serve": _serve(rng, n, 0.2),
        }
        for j in range(rng.choices((0, 1, 2, 3, 5), weights=(25, 35, 20, 15, 5))[0])
    ]
    prerequisites = []
    if earlier and rng.random() < 0.05:
        for prereq in rng.sample(earlier, min(len(earlier), rng.randint(1, 2))):
            prerequisites.append({"key": prereq, "variation": 0})
    return {
        "key": key,
        "kind": kind,
        "version": rng.randint(1, 40),
        "salt": f"{rng.getrandbits(32):08x}",
        "client_visible": rng.random() < 0.3,
        "variations": variations,
        "on": rng.random() < 0.8,
        "off_variation": n - 1,
        "prerequisites": prerequisites,
        "targets": targets,
        "rules": rules,
        "fallthrough": _serve(rng, n, 0.33),
    }


def _segment(rng: random.Random, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "included": _keys(rng, rng.choice((0, 10, 50, 100, 500))),
        "excluded": _keys(rng, rng.choice((0, 0, 5))),
        "rules": [{"id": "r0", "clauses": [_c("country", "in", rng.sample(_COUNTRIES, 3), rng)]}],
    }


def _bench_flag() -> dict[str, Any]:
    """The peer benchmark's flag: plan in [enterprise] -> true, else a 25 % rollout."""
    return {
        "key": BENCH_FLAG,
        "kind": "boolean",
        "version": 1,
        "salt": "new-checkout-salt",
        "client_visible": False,
        "variations": [{"value": True, "name": "on"}, {"value": False, "name": "off"}],
        "on": True,
        "off_variation": 1,
        "prerequisites": [],
        "targets": [],
        "rules": [
            {
                "id": "enterprise",
                "clauses": [
                    {"attribute": "plan", "op": "in", "values": ["enterprise"], "negate": False}
                ],
                "serve": {"variation": 0},
            }
        ],
        "fallthrough": {
            "rollout": {
                "bucket_by": "key",
                "variations": [
                    {"variation": 0, "weight": 25000},
                    {"variation": 1, "weight": 75000},
                ],
            }
        },
    }


# -- the measuring process ----------------------------------------------------------------


def _rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _rate(fn: Any, args: list[tuple[Any, ...]], reps: int) -> tuple[float, float, float]:
    rates = []
    for _ in range(reps):
        start = time.perf_counter()
        for a in args:
            fn(*a)
        rates.append(len(args) / (time.perf_counter() - start))
    return statistics.median(rates), min(rates), max(rates)


def measure_tracemalloc(path: str) -> dict[str, Any]:
    """In its own process: tracing slows loading and its records take memory too."""
    import tracemalloc

    from premiere.sdk import Client, Config

    config = Config(offline=True, bootstrap_path=path)
    gc.collect()
    tracemalloc.start()
    client = Client(config)
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    by_file: dict[str, int] = {}
    for stat in tracemalloc.take_snapshot().statistics("filename"):
        name = stat.traceback[0].filename
        name = "/".join(name.split("/")[-2:]) if "premiere" in name or "json" in name else name
        by_file[name] = by_file.get(name, 0) + stat.size
    tracemalloc.stop()
    if not client.is_ready():
        raise SystemExit(f"the document did not load: {client.status()}")
    top = sorted(by_file.items(), key=lambda kv: -kv[1])[:6]
    return {"tracemalloc_current": current, "tracemalloc_peak": peak, "by_file": top}


def measure(path: str, users: int, reps: int) -> dict[str, Any]:
    """The RSS delta and the load time, then the throughput."""
    from premiere.sdk import Client, Config

    config = Config(offline=True, bootstrap_path=path)
    gc.collect()
    rss_before = _rss_bytes()
    start = time.perf_counter()
    client = Client(config)
    load_s = time.perf_counter() - start
    gc.collect()
    rss_after = _rss_bytes()
    snapshot = client._holder.current
    if snapshot is None or snapshot.compiled.problems:
        raise SystemExit(f"the document did not load whole: {client.status()}")

    n_flags = len(snapshot.flags)
    ctxs = [
        {"key": f"user-{i}", "plan": "enterprise" if i % 10 == 0 else "free"} for i in range(users)
    ]
    bench = [(BENCH_FLAG, c, False) for c in ctxs]
    rng = random.Random(1)
    keys = list(snapshot.flags)
    mixed = [
        (
            rng.choice(keys),
            {**c, "country": rng.choice(_COUNTRIES), "email": "a.b@corp.example.com"},
        )
        for c in ctxs
    ]
    true_fraction = sum(client.bool_variation(*b) for b in bench) / users
    details = sum(client.variation_detail(k, c).error_code is not None for k, c in mixed)
    return {
        "flags": n_flags,
        "file_bytes": os.path.getsize(path),
        "load_s": load_s,
        "rss_delta": rss_after - rss_before,
        "rss_after": rss_after,
        "true_fraction": true_fraction,
        "mixed_errors": details,
        "variation": _rate(client.variation, bench, reps),
        "bool_variation": _rate(client.bool_variation, bench, reps),
        "variation_detail": _rate(client.variation_detail, bench, reps),
        "variation_detail_mixed": _rate(client.variation_detail, mixed, reps),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flags", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="typical")
    parser.add_argument("--users", type=int, default=200_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # the child's document path
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        if args.trace:
            print(json.dumps(measure_tracemalloc(args.measure)))
        else:
            print(json.dumps(measure(args.measure, args.users, args.reps)))
        return

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "flags.json")
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(generate_document(args.flags, args.seed, args.profile), fh)
        child = [sys.executable, __file__, "--measure", path]
        r = {}
        for extra in (["--trace"], ["--users", str(args.users), "--reps", str(args.reps)]):
            run = subprocess.run(child + extra, capture_output=True, text=True, check=True)
            r.update(json.loads(run.stdout))
    mb = 1024 * 1024
    python = sys.version.split()[0]
    print(f"Python {python}, {os.cpu_count()} CPU(s); seed {args.seed}, profile {args.profile}")
    print(f"document: {r['flags']:,} flags, {r['file_bytes'] / mb:.1f} MiB of JSON")
    print(f"load (parse, check, compile): {r['load_s']:.2f} s")
    print(f"tracemalloc, held after load: {r['tracemalloc_current'] / mb:.1f} MiB")
    print(f"tracemalloc, peak while loading: {r['tracemalloc_peak'] / mb:.1f} MiB")
    print("  held, by allocating file (json/decoder.py: the parsed document):")
    for name, size in r["by_file"]:
        print(f"    {size / mb:6.1f} MiB  {name}")
    print(f"RSS delta: {r['rss_delta'] / mb:.1f} MiB (RSS after: {r['rss_after'] / mb:.1f} MiB)")
    print(f"true fraction of {BENCH_FLAG}: {r['true_fraction']:.4f}")
    for name in ("variation", "bool_variation", "variation_detail", "variation_detail_mixed"):
        median, low, high = r[name]
        print(f"{name:24s} {median:>12,.0f} evals/s (min {low:,.0f}, max {high:,.0f})")
    print(f"(mixed: {r['mixed_errors']:,} of {args.users:,} evaluations served an error)")


if __name__ == "__main__":
    main()
