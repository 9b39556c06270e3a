"""The guard statistics: formulas, error rates under continuous monitoring, power."""

from __future__ import annotations

import math
import random

import pytest

from premiere.services.releases.guard_stats import (
    Arm,
    GuardParameters,
    evaluate_guard,
    one_sided_log_likelihood_ratio,
    regression_test,
    sample_ratio_test,
)


def _mixture_by_quadrature(d: float, v: float, tau2: float) -> float:
    """Lambda = int_0^inf LR(theta) * half-normal(theta; tau) dtheta, numerically."""
    tau = math.sqrt(tau2)
    steps, top = 20000, 12 * tau
    h = top / steps
    total = 0.0
    for i in range(steps + 1):
        u = i * h
        weight = 0.5 if i in (0, steps) else 1.0
        density = 2 * math.exp(-u * u / (2 * tau2)) / (tau * math.sqrt(2 * math.pi))
        total += weight * density * math.exp(u * d / v - u * u / (2 * v))
    return total * h


@pytest.mark.parametrize("d", [-0.02, 0.0, 0.01, 0.03])
def test_one_sided_lr__closed_form__matches_quadrature(d: float) -> None:
    v, tau2 = 1e-4, 4e-4
    closed = math.exp(one_sided_log_likelihood_ratio(d, v, tau2))
    assert closed == pytest.approx(_mixture_by_quadrature(d, v, tau2), rel=1e-4)


def _aa_false_alarms(
    rng: random.Random, runs: int, looks: int, per_look: int, rate: float, naive: bool
) -> int:
    parameters = GuardParameters(alpha=0.05, tolerance=0.0, minimum_sample=100)
    alarms = 0
    for _ in range(runs):
        t_n = t_e = c_n = c_e = 0
        for _ in range(looks):
            t_n += per_look
            c_n += per_look
            t_e += sum(rng.random() < rate for _ in range(per_look))
            c_e += sum(rng.random() < rate for _ in range(per_look))
            if naive:
                # A fixed-sample one-sided z-test repeated at every look (invalid).
                mt, mc = t_e / t_n, c_e / c_n
                se = math.sqrt(mt * (1 - mt) / t_n + mc * (1 - mc) / c_n)
                hit = se > 0 and (mt - mc) / se > 1.645
            else:
                hit = regression_test(Arm(t_n, t_e), Arm(c_n, c_e), parameters).significant
            if hit:
                alarms += 1
                break
    return alarms


def test_regression_test__aa_monitored_every_look__false_alarms_below_alpha() -> None:
    alarms = _aa_false_alarms(
        random.Random(11), runs=300, looks=40, per_look=100, rate=0.1, naive=False
    )
    assert alarms / 300 < 0.05


def test_aa_harness__naive_z_test_at_every_look__exceeds_alpha() -> None:
    # The same harness catches a test that is not valid under continuous monitoring.
    alarms = _aa_false_alarms(
        random.Random(11), runs=300, looks=40, per_look=100, rate=0.1, naive=True
    )
    assert alarms / 300 > 0.1


def test_regression_test__doubled_error_rate__significant() -> None:
    result = regression_test(Arm(5000, 100), Arm(50000, 500), GuardParameters())
    assert result.significant
    assert result.p_value < 0.05
    assert result.interval[0] > 0.0


def test_regression_test__within_tolerance__not_significant_even_with_much_data() -> None:
    # 5 % worse, 10 % tolerated: the null holds, more data only confirms it.
    result = regression_test(
        Arm(10**7, 105_000), Arm(10**7, 100_000), GuardParameters(tolerance=0.1)
    )
    assert not result.significant
    assert result.difference < 0.0


def test_regression_test__absolute_tolerance__compares_against_difference() -> None:
    worse = Arm(10**6, 30_000)  # 3 %
    base = Arm(10**6, 20_000)  # 2 %
    assert regression_test(
        worse, base, GuardParameters(tolerance=0.005, relative=False)
    ).significant
    assert not regression_test(
        worse, base, GuardParameters(tolerance=0.02, relative=False)
    ).significant


def test_regression_test__no_events_anywhere__no_evidence() -> None:
    result = regression_test(Arm(5000, 0), Arm(5000, 0), GuardParameters())
    assert not result.significant
    assert result.p_value == 1.0


def test_regression_test__mean_metric_with_sum_of_squares__uses_its_variance() -> None:
    # Latency-like values: treatment mean 110 vs 100, sd 20.
    def arm(n: int, mean: float) -> Arm:
        return Arm(n, n * mean, sum_squares=n * (mean * mean + 400.0))

    assert regression_test(arm(2000, 110.0), arm(2000, 100.0), GuardParameters()).significant
    assert not regression_test(arm(2000, 100.5), arm(2000, 100.0), GuardParameters()).significant


def test_evaluate_guard__below_minimum_sample__insufficient_data() -> None:
    result = evaluate_guard(Arm(999, 500), Arm(50_000, 10), GuardParameters(minimum_sample=1000))
    assert (result.verdict, result.served_verdict) == ("insufficient", "insufficient_data")
    assert "1000 each needed" in result.reasons[0]


def test_sample_ratio_test__planned_split__no_mismatch() -> None:
    result = sample_ratio_test(1010, 98_990, 0.01, 0.001, 0.1)
    assert result is not None and not result.mismatch


def test_sample_ratio_test__thirty_percent_too_many__mismatch() -> None:
    result = sample_ratio_test(1300, 98_700, 0.01, 0.001, 0.1)
    assert result is not None and result.mismatch
    assert result.p_value < 0.001


def test_sample_ratio_test__aa_monitored_every_look__false_alarms_below_alpha() -> None:
    rng = random.Random(5)
    alarms = 0
    for _ in range(300):
        t = c = 0
        for _ in range(50):
            hits = sum(rng.random() < 0.2 for _ in range(100))
            t, c = t + hits, c + 100 - hits
            result = sample_ratio_test(t, c, 0.2, 0.05, 0.0)  # at the band's edge
            if result is not None and result.mismatch:
                alarms += 1
                break
    assert alarms / 300 < 0.05


def test_evaluate_guard__split_broken__sample_ratio_mismatch_before_regression() -> None:
    result = evaluate_guard(
        Arm(3000, 300),
        Arm(97_000, 970),
        GuardParameters(),
        planned_share=0.01,
        split=(3000, 97_000),
    )
    assert (result.verdict, result.sample_ratio_mismatch) == ("insufficient", True)
    assert result.to_dict()["verdict"] == "sample_ratio_mismatch"
    assert result.to_dict()["sample_ratio"]["mismatch"] is True


def test_sample_ratio_test__share_inside_tolerated_band__never_a_mismatch() -> None:
    # 1.05 % where 1 % is planned: inside the 10 % band, however much data there is.
    result = sample_ratio_test(1_050_000, 98_950_000, 0.01, 0.001, 0.1)
    assert result is not None and not result.mismatch


def test_sample_ratio_test__too_few_in_treatment__mismatch() -> None:
    result = sample_ratio_test(700, 99_300, 0.01, 0.001, 0.1)
    assert result is not None and result.mismatch


def test_sample_ratio_test__stage_at_100_percent__not_applicable() -> None:
    assert sample_ratio_test(1000, 0, 1.0, 0.001, 0.1) is None


def test_guard_parameters__alpha_out_of_range__refused() -> None:
    with pytest.raises(ValueError):
        GuardParameters(alpha=1.5)


def test_guard_result__served_verdict__the_words_recorded_decisions_always_served() -> None:
    # Given a result of each kind (one vocabulary inside: healthy, regressed, insufficient)
    healthy = evaluate_guard(Arm(5000, 500), Arm(5000, 500), GuardParameters())
    regressed = evaluate_guard(Arm(5000, 1000), Arm(5000, 500), GuardParameters())
    short = evaluate_guard(Arm(10, 1), Arm(10, 1), GuardParameters())
    # Then details.verdict keeps the statistics' words the API has served
    served = [(r.verdict, r.to_dict()["verdict"]) for r in (healthy, regressed, short)]
    assert served == [
        ("healthy", "healthy"),
        ("regressed", "regression"),
        ("insufficient", "insufficient_data"),
    ]
