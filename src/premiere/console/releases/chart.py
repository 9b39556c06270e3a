"""A guard's chart, drawn on the server: treatment vs control over the guard's looks.

For each recorded decision of one guard the chart places the control's mean, the
treatment's mean and the always-valid interval of their difference, drawn around the
control (where the treatment may truly lie); each decision is a marker named by its
verdict. The template (``releases/chart.svg``) draws these coordinates with
``currentColor`` and the stylesheet's custom properties, so dark mode needs nothing
more; a table of the same numbers follows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 32


@dataclass(frozen=True)
class Look:
    """One recorded decision of a guard, as the chart and its table show it."""

    at: str
    stage: int | None
    status: str
    action: str | None
    treatment: float
    treatment_n: int
    control: float
    control_n: int
    low: float | None
    high: float | None


@dataclass
class Chart:
    guard: int
    metric: str
    looks: list[Look]
    width: int = WIDTH
    height: int = HEIGHT
    points: dict[str, str] = field(default_factory=dict)
    band: str = ""
    markers: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)


def guard_charts(
    guards: Sequence[Mapping[str, Any]], decisions: Sequence[Mapping[str, Any]]
) -> list[Chart]:
    """One chart per guard of the release, from its decisions (oldest first)."""
    charts = []
    for index, guard in enumerate(guards):
        looks = [
            look
            for decision in decisions
            if (decision.get("details") or {}).get("guard") == index
            and (look := _look(decision)) is not None
        ]
        chart = Chart(guard=index, metric=metric_name(guard), looks=looks)
        _place(chart)
        charts.append(chart)
    return charts


def metric_name(guard: Mapping[str, Any]) -> str:
    if guard.get("metric") == "event":
        return f"event {guard.get('event')} ({guard.get('aggregate', 'rate')})"
    return f"errors ({guard.get('aggregate', 'rate')})"


def _look(decision: Mapping[str, Any]) -> Look | None:
    details = decision.get("details") or {}
    treatment, control = details.get("treatment"), details.get("control")
    if not isinstance(treatment, Mapping) or not isinstance(control, Mapping):
        return None  # a decision without its arms (recorded by hand): nothing to plot
    interval = (details.get("regression") or {}).get("interval") or [None, None]
    return Look(
        at=str(decision.get("at") or ""),
        stage=decision.get("stage"),
        status=str(decision.get("status") or ""),
        action=details.get("action"),
        treatment=_mean(treatment),
        treatment_n=int(treatment.get("n") or 0),
        control=_mean(control),
        control_n=int(control.get("n") or 0),
        low=_number(interval[0]),
        high=_number(interval[1]),
    )


def _mean(arm: Mapping[str, Any]) -> float:
    n = _number(arm.get("n")) or 0.0
    total = _number(arm.get("total")) or 0.0
    return total / n if n > 0 else 0.0


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _place(chart: Chart) -> None:
    """Coordinates of the lines, the band and the markers; the y axis spans every value."""
    looks = chart.looks
    if not looks:
        return
    values = [v for look in looks for v in (look.treatment, look.control)]
    values += [look.control + look.low for look in looks if look.low is not None]
    values += [look.control + look.high for look in looks if look.high is not None]
    low, high = min(values), max(values)
    if high - low < 1e-12:
        low, high = low - 0.5 * (abs(low) or 1.0), high + 0.5 * (abs(high) or 1.0)
    span_x = WIDTH - LEFT - RIGHT
    span_y = HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + (span_x * index / (len(looks) - 1) if len(looks) > 1 else span_x / 2)

    def y(value: float) -> float:
        return TOP + span_y * (high - value) / (high - low)

    for name in ("treatment", "control"):
        chart.points[name] = " ".join(
            f"{x(i):.1f},{y(getattr(look, name)):.1f}" for i, look in enumerate(looks)
        )
    banded = [(i, look) for i, look in enumerate(looks) if look.low is not None]
    upper = [f"{x(i):.1f},{y(look.control + (look.high or 0.0)):.1f}" for i, look in banded]
    lower = [f"{x(i):.1f},{y(look.control + (look.low or 0.0)):.1f}" for i, look in banded]
    chart.band = " ".join(upper + lower[::-1])
    chart.markers = [
        {"x": round(x(i), 1), "y": round(y(look.treatment), 1), "look": look}
        for i, look in enumerate(looks)
    ]
    chart.ticks = [(round(y(v), 1), f"{v:.4g}") for v in (high, (high + low) / 2, low)]
