"""The trend charts of the web page: each KPI's year drawn as SVG, with its words for a screen reader."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from kpixl.dashboard import styles
from kpixl.dashboard.trends import ChartBlock, axis_label, chart_title, fy_periods, y_range
from kpixl.dashboard.view import DashboardView
from kpixl.periods import Period
from kpixl.register.model import Indicator, Polarity, Unit, displayed

WIDTH, HEIGHT = 420, 250  # the viewBox; the page scales it to the column it sits in
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 12, 62  # room for the value axis, month labels and legend
TICKS_WANTED = 5
LINE_NAMES = {"value": "Value", "target": "Target", "floor": "Floor"}


@dataclass(frozen=True)
class Line:
    """One line drawn: its name, colour, points ("x,y x,y"), dots (value only) and dashes."""

    name: str
    label: str
    colour: str
    points: list[str]  # one "x,y" run per stretch without a gap
    dots: list[tuple[float, float]]
    dashed: bool


@dataclass(frozen=True)
class TrendChart:
    """One KPI's chart: what it says (title, summary, figures) and how it is drawn."""

    ref: str
    title: str
    summary: str
    labels: list[str]
    figures: dict[str, list[str]]  # per line label, each period's figure as the dashboard shows it
    lines: list[Line]
    y_ticks: list[tuple[float, str]]  # (y, label)
    x_ticks: list[tuple[float, str]]  # (x, label)
    plot: tuple[float, float, float, float]  # left, top, right, bottom

    width: int = WIDTH
    height: int = HEIGHT

    @property
    def alt(self) -> str:
        """The text alternative: the title, then the one-line summary."""
        return f"{self.title}. {self.summary}"


def figure(value: float | None, ind: Indicator) -> str:
    """A value as the dashboard shows it (`87%`, `26,436`, `4.7`); empty when there is none."""
    if value is None:
        return ""
    shown = displayed(value, ind.unit, ind.decimals)
    if ind.unit is Unit.PERCENT:
        return f"{shown * 100:,.{ind.decimals}f}%"
    return f"{shown:,.{ind.decimals}f}"


def trend_charts(view: DashboardView, kpis: list[Indicator]) -> list[TrendChart]:
    return [trend_chart(view, ind) for ind in kpis]


def trend_chart(view: DashboardView, ind: Indicator) -> TrendChart:
    periods = fy_periods(view, ind)
    series: dict[str, list[float | None]] = {"value": [view.value(ind, p) for p in periods]}
    for name, level in (("target", ind.target), ("floor", ind.floor)):
        if level is not None:
            series[name] = [level] * len(periods)
    drawn = [v for values in series.values() for v in values if v is not None]
    low, high = _value_range(ind, len(periods), drawn)
    ticks = _ticks(low, high)
    low, high = ticks[0], ticks[-1]
    plot = (float(LEFT), float(TOP), float(WIDTH - RIGHT), float(HEIGHT - BOTTOM))
    step = (plot[2] - plot[0]) / max(1, len(periods))
    xs = [plot[0] + step * (n + 0.5) for n in range(len(periods))]

    def y_of(value: float) -> float:
        return plot[3] - (value - low) / (high - low) * (plot[3] - plot[1])

    lines = [_line(name, values, xs, y_of) for name, values in series.items()]
    return TrendChart(
        ref=ind.ref,
        title=chart_title(ind),
        summary=chart_summary(view, ind),
        labels=[axis_label(p, ind) for p in periods],
        figures={LINE_NAMES[n]: [figure(v, ind) for v in values] for n, values in series.items()},
        lines=lines,
        y_ticks=[(round(y_of(t), 1), _tick_label(t, ticks, ind)) for t in ticks],
        x_ticks=[(round(x, 1), axis_label(p, ind)) for x, p in zip(xs, periods, strict=True)],
        plot=plot,
    )


def _value_range(ind: Indicator, periods: int, drawn: list[float]) -> tuple[float, float]:
    """The axis from the workbook's chart for a rate; otherwise from zero (or the lowest figure,
    when below zero) to the highest figure."""
    lowest = min(drawn, default=None)
    if ind.unit is Unit.PERCENT:
        low, high = y_range(ind, ChartBlock(ind.ref, 0, {}, periods, lowest))
        return (low if low is not None else min(0.0, lowest or 0.0)), (high or 1.0)
    top = max(drawn, default=1.0)
    return min(0.0, lowest or 0.0), (top if top > 0 else 1.0)


def _ticks(low: float, high: float) -> list[float]:
    """Round values from below `low` to above `high`, about TICKS_WANTED of them (1, 2 or 5
    times a power of ten apart)."""
    if high <= low:
        high = low + 1.0
    raw = (high - low) / TICKS_WANTED
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw - 1e-12)
    first = math.floor(low / step + 1e-9) * step
    count = math.ceil((high - first) / step - 1e-9)
    return [round(first + n * step, 12) for n in range(count + 1)]


def _tick_label(value: float, ticks: list[float], ind: Indicator) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    if ind.unit is Unit.PERCENT:
        places = max(0, -math.floor(math.log10(step * 100) + 1e-9))
        return f"{value * 100:.{places}f}%"
    places = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{value:,.{places}f}"


def _line(
    name: str, values: list[float | None], xs: list[float], y_of: Callable[[float], float]
) -> Line:
    runs: list[list[str]] = [[]]
    dots: list[tuple[float, float]] = []
    for x, value in zip(xs, values, strict=True):
        if value is None:  # a period with no figure is a gap, as in the workbook's chart
            runs.append([])
            continue
        y = round(y_of(value), 1)
        runs[-1].append(f"{round(x, 1)},{y}")
        dots.append((round(x, 1), y))
    colour = "#" + styles.LINE_COLOURS[name]
    points = [" ".join(run) for run in runs if run]
    value_line = name == "value"
    return Line(name, LINE_NAMES[name], colour, points, dots if value_line else [], not value_line)


def chart_summary(view: DashboardView, ind: Indicator) -> str:
    """One line a screen reader says: `FN07 rose from 86% to 87% in March; target 85%, floor 80%.`
    (`…; target 5.0%, floor 10.0%, lower is better.` where a lower figure is the better one)."""
    latest = view.latest_period(ind)
    if latest is None:
        return f"{ind.ref} has no figures yet this year."
    when = _when(latest, ind)
    now = view.value(ind, latest)
    before = view.value(ind, latest.shift(-3 if ind.is_quarterly else -1))
    if now is None:
        said = f"{ind.ref} has no figure {when}"
    elif before is None or latest == latest.fy_start(view.fy_start):
        said = f"{ind.ref} was {figure(now, ind)} {when}"
    else:
        said = f"{ind.ref} {_change(before, now, ind)} {when}"
    levels = [
        f"{word} {figure(level, ind)}"
        for word, level in (("target", ind.target), ("floor", ind.floor))
        if level is not None
    ]
    if ind.polarity is Polarity.LOWER:
        levels.append("lower is better")
    return said + ("; " + ", ".join(levels) if levels else "") + "."


def _when(period: Period, ind: Indicator) -> str:
    month = period.long_label.split()[0]
    return f"in the quarter to {month}" if ind.is_quarterly else f"in {month}"


def _change(before: float, now: float, ind: Indicator) -> str:
    """`rose from 86% to 87%`, `fell from …`, `stayed at 87%`: compared as the figures show."""
    shown_before = displayed(before, ind.unit, ind.decimals)
    shown_now = displayed(now, ind.unit, ind.decimals)
    if shown_now == shown_before:
        return f"stayed at {figure(now, ind)}"
    verb = "rose" if shown_now > shown_before else "fell"
    return f"{verb} from {figure(before, ind)} to {figure(now, ind)}"
