"""Simulated release traffic: evaluations and error events, minute by minute.

Used by the guard tests and ``benchmarks/release_simulation.py``. Two levels:

- :func:`simulate_rollout` walks a staged rollout with the guard statistics alone
  (fast: thousands of rollouts per second), looking at the data every simulated minute
  as the scheduler does;
- :class:`TrafficGenerator` produces per-minute counts of one arm split, which the
  whole-system simulation sends through the real event and release services.

Randomness comes only from the ``random.Random`` passed in, so results are
reproducible from a seed.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Literal

from premiere.services.releases.guard_stats import Arm, GuardParameters, evaluate_guard

Outcome = Literal["released", "rolled_back", "paused", "stalled"]


@dataclass(frozen=True)
class Stage:
    percentage: float  # 0..100 share of units served the released variation
    hold_minutes: int


DEFAULT_STAGES = (Stage(1, 60), Stage(5, 60), Stage(25, 60), Stage(50, 60), Stage(100, 0))


@dataclass
class RolloutResult:
    outcome: Outcome
    stage: int  # index of the stage in which the rollout ended (or was stopped)
    minutes: int
    extensions: int = 0
    verdicts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class MinuteCounts:
    treatment_n: int
    treatment_errors: int
    control_n: int
    control_errors: int


class TrafficGenerator:
    """Per-minute evaluations split by the stage's percentage, with Bernoulli errors."""

    def __init__(
        self,
        rng: random.Random,
        *,
        evaluations_per_minute: int,
        control_rate: float,
        treatment_rate: float,
        treatment_bias: float = 0.0,
    ) -> None:
        self.rng = rng
        self.per_minute = evaluations_per_minute
        self.control_rate = control_rate
        self.treatment_rate = treatment_rate
        self.bias = treatment_bias  # added to the planned share (sample-ratio faults)

    def minute(self, percentage: float) -> MinuteCounts:
        share = min(1.0, max(0.0, percentage / 100.0 + self.bias))
        n_t = binomial(self.rng, self.per_minute, share)
        n_c = self.per_minute - n_t
        return MinuteCounts(
            n_t,
            binomial(self.rng, n_t, self.treatment_rate),
            n_c,
            binomial(self.rng, n_c, self.control_rate),
        )


def simulate_rollout(
    traffic: TrafficGenerator,
    parameters: GuardParameters,
    stages: tuple[Stage, ...] = DEFAULT_STAGES,
    *,
    max_extensions: int = 3,
) -> RolloutResult:
    """Walk ``stages``: look every minute; a regression rolls back, a sample-ratio
    mismatch pauses; a hold that ends without enough data is extended by one more hold
    (at most ``max_extensions`` times per stage, then the rollout is ``stalled``). The
    rollout is released on reaching a stage at 100 %."""
    t_n = t_e = c_n = c_e = 0
    minutes = extensions = 0
    verdicts: list[str] = []
    for index, stage in enumerate(stages):
        if stage.percentage >= 100:
            return RolloutResult("released", index, minutes, extensions, verdicts)
        split_t = split_c = 0
        hold, stage_extensions, elapsed = stage.hold_minutes, 0, 0
        while True:
            counts = traffic.minute(stage.percentage)
            minutes += 1
            elapsed += 1
            t_n += counts.treatment_n
            t_e += counts.treatment_errors
            c_n += counts.control_n
            c_e += counts.control_errors
            split_t += counts.treatment_n
            split_c += counts.control_n
            result = evaluate_guard(
                Arm(t_n, t_e),
                Arm(c_n, c_e),
                parameters,
                planned_share=stage.percentage / 100.0,
                split=(split_t, split_c),
            )
            if result.verdict == "regressed":
                verdicts.append("regression")
                return RolloutResult("rolled_back", index, minutes, extensions, verdicts)
            if result.sample_ratio_mismatch:
                verdicts.append("sample_ratio_mismatch")
                return RolloutResult("paused", index, minutes, extensions, verdicts)
            if elapsed < hold:
                continue
            if result.verdict == "healthy" and split_t >= parameters.minimum_sample:
                verdicts.append("healthy")
                break
            verdicts.append("insufficient_data")
            if stage_extensions >= max_extensions:
                return RolloutResult("stalled", index, minutes, extensions, verdicts)
            stage_extensions += 1
            extensions += 1
            hold += stage.hold_minutes
    return RolloutResult("released", len(stages) - 1, minutes, extensions, verdicts)


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A Binomial(n, p) draw: exact (geometric skips) for small means, normal beyond."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial(rng, n, 1.0 - p)
    mean = n * p
    if mean > 200.0:
        draw = round(rng.gauss(mean, math.sqrt(mean * (1.0 - p))))
        return min(n, max(0, draw))
    # Count successes by jumping over failures: waiting times are geometric.
    log_q = math.log1p(-p)
    count, position = 0, 0
    while True:
        position += int(math.log(1.0 - rng.random()) / log_q) + 1
        if position > n:
            return count
        count += 1
