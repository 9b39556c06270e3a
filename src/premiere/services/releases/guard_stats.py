"""Release guard statistics: sequential tests that stay valid under continuous monitoring.

Pure: no I/O, no clock, no randomness. Callers pass counts, this module answers with
numbers and a verdict. The formulas and their assumptions are in ``docs/guards.md``.

- :func:`regression_test` — a one-sided mixture sequential probability ratio test
  (mSPRT, normal approximation; Johari et al., "Always valid inference") of
  ``H0: treatment - c * control <= a`` where ``c``/``a`` express the tolerated
  regression (relative: ``c = 1 + tolerance, a = 0``; absolute: ``c = 1, a = tolerance``).
  Rejecting ``H0`` means "the treatment is worse than tolerated".
- :func:`sample_ratio_test` — a sequential test of the planned split: the same
  one-sided normal mixture, on each side of a tolerated band around the planned share.
- :func:`evaluate_guard` — both tests plus the minimum sample, as one verdict.

A verdict is one of :data:`VERDICTS`: ``healthy``, ``regressed`` or ``insufficient``
(not enough data, or a broken split: ``GuardResult.sample_ratio_mismatch``), the words a
release's guard decisions record as their ``status``. Recorded decisions also keep the
older, finer word in ``details.verdict`` (``regression``, ``insufficient_data``,
``sample_ratio_mismatch``): :attr:`GuardResult.served_verdict`, for compatibility.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

Verdict = Literal["healthy", "regressed", "insufficient"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)

DEFAULT_ALPHA = 0.05
DEFAULT_SRM_ALPHA = 0.001
DEFAULT_MINIMUM_SAMPLE = 1000
DEFAULT_EFFECT_SCALE = 0.5
DEFAULT_SRM_SLACK = 0.1


@dataclass(frozen=True)
class Arm:
    """One side of the comparison.

    ``n`` units (evaluations); ``total`` the metric summed over them (error events for
    a rate, values for a mean); ``sum_squares`` the sum of squared values when known
    (mean metrics). Without it the metric is a rate of events per unit with a binomial
    variance (Poisson when the rate exceeds one).
    """

    n: int
    total: float
    sum_squares: float | None = None

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n > 0 else 0.0

    @property
    def variance(self) -> float:
        if self.n <= 0:
            return 0.0
        mean = self.mean
        if self.sum_squares is not None:
            if self.n < 2:
                return 0.0
            return max(0.0, (self.sum_squares - self.n * mean * mean) / (self.n - 1))
        return mean * (1.0 - mean) if mean <= 1.0 else mean


@dataclass(frozen=True)
class GuardParameters:
    """How a guard decides. ``tolerance`` is the largest tolerated regression, relative
    to the control's mean (``relative=True``: 0.1 = 10 % worse) or in the metric's units."""

    alpha: float = DEFAULT_ALPHA
    tolerance: float = 0.0
    relative: bool = True
    minimum_sample: int = DEFAULT_MINIMUM_SAMPLE
    effect_scale: float = DEFAULT_EFFECT_SCALE
    higher_is_worse: bool = True
    srm_alpha: float = DEFAULT_SRM_ALPHA
    srm_slack: float = DEFAULT_SRM_SLACK

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0 or not 0.0 < self.srm_alpha < 1.0:
            raise ValueError("alpha and srm_alpha must lie strictly between 0 and 1")
        if self.tolerance < 0.0 or self.minimum_sample < 1 or self.effect_scale <= 0.0:
            raise ValueError("tolerance >= 0, minimum_sample >= 1, effect_scale > 0")


@dataclass(frozen=True)
class RegressionResult:
    difference: float  # +-(treatment mean - c * control mean) - a (> 0: worse than tolerated)
    variance: float  # of that difference
    mixture_variance: float  # tau^2
    likelihood_ratio: float  # the mixture likelihood ratio Lambda
    p_value: float  # always valid: min(1, 1 / Lambda)
    interval: tuple[float, float]  # always-valid 1 - alpha interval of the raw difference
    significant: bool


@dataclass(frozen=True)
class SampleRatioResult:
    planned: float  # planned share of the treatment
    observed: float  # observed share
    log_likelihood_ratio: float  # the larger of the two sides' log Lambda
    p_value: float  # always valid: min(1, 2 / Lambda)
    mismatch: bool


@dataclass(frozen=True)
class GuardResult:
    verdict: Verdict
    treatment: Arm
    control: Arm
    regression: RegressionResult | None = None
    sample_ratio: SampleRatioResult | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def sample_ratio_mismatch(self) -> bool:
        """The split is off the plan: ``insufficient``, as the comparison means nothing."""
        return self.sample_ratio is not None and self.sample_ratio.mismatch

    @property
    def served_verdict(self) -> str:
        """The word recorded decisions serve in ``details.verdict`` (kept as it was)."""
        if self.verdict == "regressed":
            return "regression"
        if self.verdict == "insufficient":
            return "sample_ratio_mismatch" if self.sample_ratio_mismatch else "insufficient_data"
        return self.verdict

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (recorded with the guard decision), ``verdict`` as served."""
        data = asdict(self)
        data["verdict"] = self.served_verdict
        if self.regression is not None:
            data["regression"]["interval"] = list(self.regression.interval)
        return data


def evaluate_guard(
    treatment: Arm,
    control: Arm,
    parameters: GuardParameters,
    *,
    planned_share: float | None = None,
    split: tuple[int, int] | None = None,
) -> GuardResult:
    """One look at a guard.

    ``planned_share`` is the treatment's planned share of units in the current stage and
    ``split`` the stage's own ``(treatment_n, control_n)``: the sample-ratio test uses
    them (stage by stage, as the plan changes per stage); the regression test uses the
    cumulative arms. The sample-ratio test runs first: with a broken split the
    comparison means nothing.
    """
    if planned_share is not None and split is not None:
        srm = sample_ratio_test(
            split[0], split[1], planned_share, parameters.srm_alpha, parameters.srm_slack
        )
        if srm is not None and srm.mismatch:
            return GuardResult(
                "insufficient",
                treatment,
                control,
                sample_ratio=srm,
                reasons=[
                    f"treatment share {srm.observed:.4f} vs planned {srm.planned:.4f} "
                    f"(p = {srm.p_value:.2g})"
                ],
            )
    else:
        srm = None
    if min(treatment.n, control.n) < parameters.minimum_sample:
        return GuardResult(
            "insufficient",
            treatment,
            control,
            sample_ratio=srm,
            reasons=[
                f"{treatment.n} treatment and {control.n} control units; "
                f"{parameters.minimum_sample} each needed"
            ],
        )
    result = regression_test(treatment, control, parameters)
    verdict: Verdict = "regressed" if result.significant else "healthy"
    return GuardResult(verdict, treatment, control, result, srm)


def regression_test(treatment: Arm, control: Arm, parameters: GuardParameters) -> RegressionResult:
    """The one-sided normal-mixture SPRT of ``H0: mu_T - c mu_C <= a``."""
    c, a = (1.0 + parameters.tolerance, 0.0) if parameters.relative else (1.0, parameters.tolerance)
    raw = treatment.mean - control.mean
    sign = 1.0 if parameters.higher_is_worse else -1.0
    difference = sign * (treatment.mean - c * control.mean) - a
    variance = _arm_variance(treatment) + c * c * _arm_variance(control)
    pooled = (treatment.total + control.total) / max(1, treatment.n + control.n)
    tau2 = (parameters.effect_scale * abs(pooled)) ** 2
    if variance <= 0.0 or tau2 <= 0.0:
        # No spread at all (e.g. no events in either arm): no evidence either way.
        return RegressionResult(difference, variance, tau2, 1.0, 1.0, (raw, raw), False)
    log_lr = one_sided_log_likelihood_ratio(difference, variance, tau2)
    threshold = math.log(1.0 / parameters.alpha)
    half = confidence_half_width(variance, tau2, parameters.alpha)
    return RegressionResult(
        difference=difference,
        variance=variance,
        mixture_variance=tau2,
        likelihood_ratio=math.exp(min(log_lr, 700.0)),
        p_value=min(1.0, math.exp(-log_lr)),
        interval=(raw - half, raw + half),
        significant=log_lr >= threshold,
    )


def one_sided_log_likelihood_ratio(difference: float, variance: float, tau2: float) -> float:
    """log Lambda for the half-normal mixture over alternatives above the null boundary:

    ``Lambda = 2 sqrt(V / (V + tau2)) exp(z^2 / 2) Phi(z)``,
    ``z = d tau / sqrt(V (V + tau2))``
    """
    total = variance + tau2
    z = difference * math.sqrt(tau2) / math.sqrt(variance * total)
    return math.log(2.0) + 0.5 * math.log(variance / total) + 0.5 * z * z + _log_normal_cdf(z)


def confidence_half_width(variance: float, tau2: float, alpha: float) -> float:
    """Half-width of the two-sided normal-mixture confidence sequence (level 1 - alpha)."""
    total = variance + tau2
    return math.sqrt(
        variance * total / tau2 * (2.0 * math.log(1.0 / alpha) + math.log(total / variance))
    )


def sample_ratio_test(
    treatment_n: int, control_n: int, planned_share: float, alpha: float, slack: float
) -> SampleRatioResult | None:
    """Sequential sample-ratio test of the treatment's share against the band
    ``[p (1 - slack), p (1 + slack)]`` around the planned share ``p``: one one-sided
    normal-mixture SPRT per side (each at ``alpha / 2``; the null is composite, and a
    one-sided mixture is a supermartingale under every share inside the band). ``None``
    for a stage planned at 0 % or 100 % (there is no ratio to check)."""
    p = planned_share
    n = treatment_n + control_n
    if not 0.0 < p < 1.0 or n == 0:
        return None
    share = treatment_n / n
    high, low = min(p * (1.0 + slack), 1.0), max(p * (1.0 - slack), 0.0)
    sides = []
    for bound, excess in ((high, share - high), (low, low - share)):
        if 0.0 < bound < 1.0:
            variance = bound * (1.0 - bound) / n
            tau2 = (0.5 * min(bound, 1.0 - bound)) ** 2
            sides.append(one_sided_log_likelihood_ratio(excess, variance, tau2))
    log_lr = max(sides, default=0.0)
    return SampleRatioResult(
        planned=p,
        observed=share,
        log_likelihood_ratio=log_lr,
        p_value=min(1.0, 2.0 * math.exp(-log_lr)) if log_lr > -700 else 1.0,
        mismatch=log_lr >= math.log(2.0 / alpha),
    )


def _arm_variance(arm: Arm) -> float:
    return arm.variance / arm.n if arm.n > 0 else 0.0


def _log_normal_cdf(z: float) -> float:
    if z > -30.0:
        return math.log(0.5 * math.erfc(-z / math.sqrt(2.0)))
    # Asymptotic tail: log Phi(z) ~ -z^2/2 - log(-z sqrt(2 pi)).
    return -0.5 * z * z - math.log(-z * math.sqrt(2.0 * math.pi))
