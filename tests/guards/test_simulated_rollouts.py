"""Staged rollouts simulated at the statistics level: healthy canaries are released,
doubled error rates are rolled back early, A/A rollouts rarely raise a false alarm."""

from __future__ import annotations

import random
from collections import Counter

from premiere.services.releases.guard_stats import GuardParameters
from simulation.traffic import (
    DEFAULT_STAGES,
    Stage,
    TrafficGenerator,
    binomial,
    simulate_rollout,
)

STAGES = (Stage(1, 30), Stage(5, 30), Stage(25, 30), Stage(50, 30), Stage(100, 0))
PARAMETERS = GuardParameters(alpha=0.05, tolerance=0.0, minimum_sample=500)


def _traffic(rng: random.Random, treatment_rate: float, bias: float = 0.0) -> TrafficGenerator:
    return TrafficGenerator(
        rng,
        evaluations_per_minute=2000,
        control_rate=0.01,
        treatment_rate=treatment_rate,
        treatment_bias=bias,
    )


def test_simulate_rollout__healthy_canary__walks_every_stage_and_is_released() -> None:
    result = simulate_rollout(_traffic(random.Random(1), 0.01), PARAMETERS, STAGES)
    assert result.outcome == "released"
    assert result.stage == len(STAGES) - 1
    assert result.verdicts.count("healthy") == 4


def test_simulate_rollout__aa_200_rollouts__false_alarm_rate_below_alpha() -> None:
    rng = random.Random(2026)
    outcomes = Counter(
        simulate_rollout(_traffic(rng, 0.01), PARAMETERS, STAGES).outcome for _ in range(200)
    )
    assert outcomes["rolled_back"] / 200 < PARAMETERS.alpha
    assert outcomes["released"] >= 180


def test_simulate_rollout__doubled_error_rate__rolled_back_within_two_stages() -> None:
    rng = random.Random(7)
    # Hours-long holds (the defaults): 1 % then 5 % of 2,000 evaluations a minute.
    results = [
        simulate_rollout(_traffic(rng, 0.02), PARAMETERS, DEFAULT_STAGES) for _ in range(100)
    ]
    assert all(r.outcome == "rolled_back" for r in results)
    assert all(r.stage <= 1 for r in results)


def test_simulate_rollout__too_little_traffic__hold_extended_then_stalled() -> None:
    traffic = TrafficGenerator(
        random.Random(3), evaluations_per_minute=20, control_rate=0.01, treatment_rate=0.01
    )
    result = simulate_rollout(traffic, PARAMETERS, STAGES, max_extensions=2)
    assert result.outcome == "stalled"
    assert result.verdicts == ["insufficient_data"] * 3
    assert result.extensions == 2


def test_simulate_rollout__treatment_share_off_plan__paused_for_sample_ratio() -> None:
    result = simulate_rollout(_traffic(random.Random(4), 0.01, bias=0.01), PARAMETERS, STAGES)
    assert result.outcome == "paused"
    assert result.verdicts[-1] == "sample_ratio_mismatch"


def test_binomial__many_draws__mean_and_variance_match() -> None:
    rng = random.Random(9)
    for n, p in ((50, 0.02), (2000, 0.01), (100_000, 0.3), (1000, 0.9)):
        draws = [binomial(rng, n, p) for _ in range(4000)]
        mean = sum(draws) / len(draws)
        var = sum((d - mean) ** 2 for d in draws) / len(draws)
        assert abs(mean - n * p) < 4 * (n * p * (1 - p) / 4000) ** 0.5 + 1e-9
        assert 0.85 < var / (n * p * (1 - p)) < 1.15
