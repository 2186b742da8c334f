"""Bar charts as numbers for an inline SVG template (stats page)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: str
    colour: str


@dataclass
class BarChart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    baseline: float
    empty: bool


def bar_chart(title: str, items: Sequence[tuple[str, float, str]], *, maximum: float | None = None,
              width: int = 640, height: int = 180, colour: str = "#3b6ea8",
              fmt: str = "{:.0f}") -> BarChart:
    """`items`: (label, value, shown text or "" for the formatted value)."""
    top, bottom, left, right = 18, 34, 8, 8
    n = max(1, len(items))
    top_value = maximum if maximum is not None else max([v for _, v, _ in items] + [1.0])
    slot = (width - left - right) / n
    inner = height - top - bottom
    bars = []
    for i, (label, value, shown) in enumerate(items):
        h = inner * (value / top_value) if top_value else 0.0
        bars.append(Bar(round(left + slot * i + slot * 0.15, 1), round(top + inner - h, 1),
                        round(slot * 0.7, 1), round(h, 1), label,
                        shown or fmt.format(value), colour))
    return BarChart(title, width, height, bars, top + inner, not items)
