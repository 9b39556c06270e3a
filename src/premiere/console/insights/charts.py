"""Bar charts of the insights page, drawn on the server as inline SVG.

A chart is a row of bars, one per bucket of the period (a trend) or per range of a
distribution (a histogram). :func:`bar_chart` places them; the template
(``insights/bars.html``) draws them with ``currentColor`` and the stylesheet's custom
properties, gives the SVG ``role="img"`` with a title and a description, and follows
it with a table of the same numbers, as the guard charts do (``releases/chart.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

WIDTH, HEIGHT = 600, 200
LEFT, RIGHT, TOP, BOTTOM = 88, 8, 12, 36  # LEFT: room for ticks as long as 23 h 59 min
GAP = 0.2  # of each slot, between bars


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str
    x: float
    y: float
    width: float
    height: float


@dataclass
class BarChart:
    """``bars`` in order; ``ticks`` for the y axis: (y, text)."""

    id: str
    title: str
    description: str
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: float = HEIGHT - BOTTOM

    @property
    def empty(self) -> bool:
        return all(bar.value is None or bar.value == 0 for bar in self.bars)


def bar_chart(
    id: str,
    title: str,
    points: Sequence[tuple[str, float | None]],
    text: Callable[[float | None], str],
) -> BarChart:
    """Bars for ``points`` (label, value; None: no value, no bar), each named by
    ``text(value)``; the y axis runs from 0 to the largest value."""
    values = [value for _, value in points if value is not None]
    top = max(values, default=0.0) or 1.0
    span_x, span_y = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = span_x / max(len(points), 1)
    bars = []
    for index, (label, value) in enumerate(points):
        height = 0.0 if value is None else span_y * value / top
        bars.append(
            Bar(
                label=label,
                value=value,
                text=text(value),
                x=round(LEFT + slot * index + slot * GAP / 2, 1),
                y=round(TOP + span_y - height, 1),
                width=round(slot * (1 - GAP), 1),
                height=round(height, 1),
            )
        )
    described = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    chart = BarChart(id=id, title=title, description=described or "no data", bars=bars)
    chart.ticks = [(round(TOP + span_y * (1 - f), 1), text(top * f)) for f in (1.0, 0.5, 0.0)]
    return chart
