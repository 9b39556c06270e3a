"""Release guards under simulated traffic: false alarms of A/A rollouts, detection of a
doubled error rate, at two levels.

- ``stats``: staged rollouts played at the statistics level (benchmarks/simulation/traffic.py):
  2,000 evaluations a minute, a look every minute, stages 1/5/25/50 % held 60 minutes
  each, then 100 %.
- ``system``: the same rollouts through the real services on a simulated clock
  (benchmarks/simulation/system.py): the engine serves each minute's users from the flag
  document the release wrote, counts and error events go through record_sdk_events,
  the scheduler ticks the releases and watches the guards; SQLite in memory.

    .venv/bin/python benchmarks/release_simulation.py stats --aa 2000 --doubled 1000
    .venv/bin/python benchmarks/release_simulation.py system --aa 200 --doubled 50

Prints one JSON object per run; the figures in benchmarks/README.md come from here.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from premiere.services.releases.guard_stats import GuardParameters
from simulation.traffic import DEFAULT_STAGES, TrafficGenerator, simulate_rollout

ALPHA = 0.05
CONTROL_RATE = 0.01


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("level", choices=["stats", "system"])
    parser.add_argument("--aa", type=int, default=200, help="A/A rollouts")
    parser.add_argument("--doubled", type=int, default=50, help="rollouts at twice the errors")
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--per-minute", type=int, default=2000)
    args = parser.parse_args()
    started = time.perf_counter()
    run = stats_level if args.level == "stats" else system_level
    results = run(args)
    results.update(
        level=args.level,
        seed=args.seed,
        seconds=round(time.perf_counter() - started, 1),
        at=datetime.now(UTC).isoformat(timespec="seconds"),
        python=platform.python_version(),
        machine=platform.machine(),
    )
    json.dump(results, sys.stdout, indent=2)
    print()


def stats_level(args: argparse.Namespace) -> dict[str, Any]:
    parameters = GuardParameters(alpha=ALPHA, tolerance=0.0, minimum_sample=1000)
    rng = random.Random(args.seed)

    def play(rate: float) -> tuple[str, int, int]:
        traffic = TrafficGenerator(
            rng,
            evaluations_per_minute=args.per_minute,
            control_rate=CONTROL_RATE,
            treatment_rate=rate,
        )
        result = simulate_rollout(traffic, parameters, DEFAULT_STAGES)
        return result.outcome, result.stage, result.minutes

    return summarise([play(CONTROL_RATE) for _ in range(args.aa)],
                     [play(2 * CONTROL_RATE) for _ in range(args.doubled)])  # fmt: skip


def system_level(args: argparse.Namespace) -> dict[str, Any]:
    from premiere.store import Store
    from simulation.system import run_release, set_up

    rng = random.Random(args.seed)

    def play(rate: float) -> tuple[str, int, int]:
        with Store.open("sqlite://") as store:
            set_up(store)
            run = run_release(
                store, rng, users=args.per_minute, control_rate=CONTROL_RATE, treatment_rate=rate
            )
        return run.state, int(run.stage or 0), run.minutes

    def logged(kind: str, rate: float, index: int) -> tuple[str, int, int]:
        result = play(rate)  # one line per rollout, so that a long run can be followed
        print(kind, index, *result, file=sys.stderr, flush=True)
        return result

    doubled = [logged("doubled", 2 * CONTROL_RATE, i) for i in range(args.doubled)]
    aa = [logged("aa", CONTROL_RATE, i) for i in range(args.aa)]
    return summarise(aa, doubled)


def summarise(
    aa: list[tuple[str, int, int]], doubled: list[tuple[str, int, int]]
) -> dict[str, Any]:
    alarms = sum(outcome in ("rolled_back", "paused") for outcome, _, _ in aa)
    detected = [(stage, minutes) for outcome, stage, minutes in doubled if outcome == "rolled_back"]
    return {
        "alpha": ALPHA,
        "aa_rollouts": len(aa),
        "aa_outcomes": dict(Counter(outcome for outcome, _, _ in aa)),
        "false_alarm_rate": alarms / len(aa) if aa else None,
        "false_alarm_rate_95ci": wilson(alarms, len(aa)),
        "doubled_rollouts": len(doubled),
        "doubled_outcomes": dict(Counter(outcome for outcome, _, _ in doubled)),
        "detection_stage": dict(
            sorted(Counter(f"stage {s} ({p})" for s, p in _stage_names(detected)).items())
        ),
        "detection_minutes_median": _median([m for _, m in detected]),
        "detection_minutes_max": max((m for _, m in detected), default=None),
    }


def _stage_names(detected: list[tuple[int, int]]) -> list[tuple[int, str]]:
    return [(s, f"{DEFAULT_STAGES[s].percentage:g} %") for s, _ in detected]


def wilson(successes: int, n: int, z: float = 1.96) -> list[float] | None:
    if n == 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def _median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return (
        float(ordered[middle]) if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    )


if __name__ == "__main__":
    main()
