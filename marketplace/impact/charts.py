"""Chart geometry for server-rendered SVG: columns over periods, and bars against goals.

Coordinates are computed here and the templates only place them, so the pages need neither
script nor inline style (the CSP allows neither). Floats are used for pixel positions only;
the values themselves stay Decimal and are shown as text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, Decimal

WIDTH = 640
STEPS = [Decimal(s) for s in ("0.001", "0.002", "0.0025", "0.005", "0.01", "0.02", "0.025", "0.05", "0.1", "0.2", "0.25")]


def percent(share: Decimal | None, places: int = 1) -> str:
    """A share as a percentage for display ("4.2%"), rounded half-even here only; "n/a" for None."""
    if share is None:
        return "n/a"
    quantum = Decimal(1).scaleb(-places)
    return f"{(share * 100).quantize(quantum, rounding=ROUND_HALF_EVEN):f}%"


def _fmt(value: float) -> str:
    return f"{value:.1f}"


@dataclass
class Tick:
    """An axis gridline: its position and its label."""

    pos: str
    label: str


@dataclass
class Column:
    """One period's bar: rectangle, value label position, axis label."""

    x: str
    y: str
    width: str
    height: str
    label_x: str
    label_y: str
    text: str
    axis_label: str
    partial: bool


@dataclass
class Rule:
    """A reference line across the plot (baseline or goal), with its label."""

    kind: str
    pos: str
    label: str
    label_pos: str


@dataclass
class ColumnChart:
    """A column chart's geometry, ready for the template."""

    width: int
    height: int
    plot_left: str
    plot_right: str
    zero: str
    ticks: list[Tick]
    columns: list[Column]
    rules: list[Rule] = field(default_factory=list)
    axis_y: str = ""


def _scale_max(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    """A round upper bound and step giving at most five gridlines (at least 1%)."""
    top = max([Decimal("0.01"), *values])
    for step in STEPS:
        if top / step <= 5:
            break
    return step * (top / step).to_integral_value(rounding=ROUND_CEILING), step


def column_chart(points: list[tuple[str, Decimal | None, bool]], rules: list[tuple[str, Decimal | None, str]],
                 height: int = 300) -> ColumnChart:
    """Columns for (label, share, to_date) points, with (kind, share, label) reference lines.

    Negative shares (credits outweighing payments) are drawn as empty columns; their label says the value.
    """
    left, right, top, bottom = 56, 120, 20, 56
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [v for _, v, _ in points if v is not None] + [v for _, v, _ in rules if v is not None]
    ymax, step = _scale_max(values)
    base = top + plot_h

    def y(value: Decimal) -> float:
        return base - float(max(value, Decimal(0)) / ymax) * plot_h

    ticks, n = [], 0
    while step * n <= ymax:
        ticks.append(Tick(_fmt(y(step * n)), percent(step * n, 2 if step < Decimal("0.01") else 0)))
        n += 1
    slot = plot_w / max(1, len(points))
    columns = []
    for i, (label, value, partial) in enumerate(points):
        width = slot * 0.6
        x = left + slot * i + (slot - width) / 2
        top_y = y(value) if value is not None else base
        columns.append(Column(_fmt(x), _fmt(top_y), _fmt(width), _fmt(base - top_y), _fmt(x + width / 2),
                              _fmt(top_y - 6), percent(value), label, partial))
    drawn = [Rule(kind, _fmt(y(v)), f"{text} {percent(v)}", _fmt(y(v) + 4)) for kind, v, text in rules if v is not None]
    if len(drawn) == 2 and abs(float(drawn[0].label_pos) - float(drawn[1].label_pos)) < 14:
        # Keep the two labels apart: the lower line's label goes below, the upper one's above.
        low, high = sorted(drawn, key=lambda r: -float(r.pos))
        low.label_pos, high.label_pos = _fmt(float(low.pos) + 14), _fmt(float(high.pos) - 4)
    return ColumnChart(WIDTH, height, str(left), str(WIDTH - right), _fmt(base), ticks, columns, drawn, str(top))


@dataclass
class Bar:
    """One horizontal bar (an institution's current share) with its baseline and goal markers."""

    name: str
    y: str
    width: str
    text_y: str
    label: str
    baseline_x: str | None
    target_x: str | None
    row_top: str
    row_bottom: str


@dataclass
class BarChart:
    """A horizontal bar chart's geometry, ready for the template."""

    width: int
    height: int
    plot_left: str
    plot_right: str
    top: str
    bottom: str
    ticks: list[Tick]
    bars: list[Bar]


def _short(name: str, limit: int = 26) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def bar_chart(rows: list[tuple[str, Decimal | None, Decimal | None, Decimal | None, str]]) -> BarChart:
    """Bars for (name, current, baseline, target, label) rows; the full names are in the table beside it."""
    left, right, top, row_h = 190, 150, 28, 40
    plot_w = WIDTH - left - right
    height = top + row_h * max(1, len(rows)) + 12
    values = [v for row in rows for v in row[1:4] if v is not None]
    xmax, step = _scale_max(values)

    def x(value: Decimal) -> float:
        return left + float(max(value, Decimal(0)) / xmax) * plot_w

    ticks, n = [], 0
    while step * n <= xmax:
        ticks.append(Tick(_fmt(x(step * n)), percent(step * n, 2 if step < Decimal("0.01") else 0)))
        n += 1
    bars = []
    for i, (name, current, baseline, target, label) in enumerate(rows):
        row_top = top + row_h * i
        bars.append(Bar(
            _short(name), _fmt(row_top + 12), _fmt(x(current) - left if current is not None else 0),
            _fmt(row_top + 24), label,
            _fmt(x(baseline)) if baseline is not None else None, _fmt(x(target)) if target is not None else None,
            _fmt(row_top + 6), _fmt(row_top + row_h - 6),
        ))
    return BarChart(WIDTH, height, str(left), str(WIDTH - right), str(top), _fmt(top + row_h * max(1, len(rows))),
                    ticks, bars)
