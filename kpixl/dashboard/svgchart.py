"""The trend charts of the web page: each KPI's year drawn as SVG, with its words for a screen reader."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from kpixl.dashboard import styles
from kpixl.dashboard.trends import (
    YEAR_LINE,
    ChartBlock,
    chart_lines,
    chart_title,
    fy_periods,
    line_label,
    period_labels,
    trend_periods,
    y_range,
)
from kpixl.dashboard.view import DashboardView
from kpixl.periods import Period
from kpixl.register.model import Indicator, Polarity, Unit, as_shown, displayed

WIDTH, HEIGHT = 420, 250  # the viewBox; the page scales it to the column it sits in
LEFT, RIGHT, TOP, BOTTOM = 52, 10, 12, 62  # room for the value axis, month labels and legend
TICKS_WANTED = 5
LABEL_EVERY = 6  # a chart of earlier years too labels every sixth month


@dataclass(frozen=True)
class Line:
    """One line drawn: its look (value, target, floor), label, colour, points ("x,y x,y"),
    dots (values only) and dashes; an earlier year's line looks like the value's and is left
    out of the legend, as in the workbook's chart."""

    name: str
    label: str
    colour: str
    points: list[str]  # one "x,y" run per stretch without a gap
    dots: list[tuple[float, float]]
    dashed: bool
    in_legend: bool = True


@dataclass(frozen=True)
class TrendChart:
    """One KPI's chart: what it says (title, summary, figures) and how it is drawn."""

    ref: str
    title: str
    summary: str
    span: str  # `financial year 2024/25`, or `the 36 months to Sep-24`
    # the table beside the chart: its headers and rows, each figure as the dashboard shows it
    figures: tuple[list[str], list[list[str]]]
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
    return "" if value is None else as_shown(value, ind.unit, ind.decimals)


def trend_charts(view: DashboardView, kpis: list[Indicator]) -> list[TrendChart]:
    return [trend_chart(view, ind) for ind in kpis]


def trend_chart(view: DashboardView, ind: Indicator) -> TrendChart:
    """A KPI's chart: this year's months, or the 36 to the reporting month when the history
    store holds earlier years (each year its own line, so it breaks at the year end)."""
    periods = trend_periods(view, ind)
    series = chart_lines(view, ind, periods)
    drawn = [v for values in series.values() for v in values if v is not None]
    low, high = _value_range(ind, len(periods), drawn)
    ticks = _ticks(low, high)
    low, high = ticks[0], ticks[-1]
    plot = (float(LEFT), float(TOP), float(WIDTH - RIGHT), float(HEIGHT - BOTTOM))
    step = (plot[2] - plot[0]) / max(1, len(periods))
    xs = [plot[0] + step * (n + 0.5) for n in range(len(periods))]

    def y_of(value: float) -> float:
        return plot[3] - (value - low) / (high - low) * (plot[3] - plot[1])

    labels = period_labels(view, ind, periods)
    every = LABEL_EVERY if len(periods) > 24 else 1
    years = bool(periods) and periods[0] < view.period.fy_start(view.fy_start)  # earlier too
    return TrendChart(
        ref=ind.ref,
        title=chart_title(ind),
        summary=chart_summary(view, ind),
        span=f"the {len(periods)} months to {view.period.label}"
        if years
        else f"financial year {view.results.fy_label}",
        figures=_by_month(view, ind, periods, series) if years else _by_line(ind, labels, series),
        lines=[_line(name, values, xs, y_of) for name, values in series.items()],
        y_ticks=[(round(y_of(t), 1), _tick_label(t, ticks, ind)) for t in ticks],
        x_ticks=[(round(x, 1), label) for x, label in zip(xs, labels, strict=True)][::every],
        plot=plot,
    )


def _by_line(
    ind: Indicator, labels: list[str], series: dict[str, list[float | None]]
) -> tuple[list[str], list[list[str]]]:
    """The table beside a chart of one year: a line per row, a month per column (`Line`,
    `Apr`, `May`, …)."""
    rows = [[line_label(n), *(figure(v, ind) for v in vs)] for n, vs in series.items()]
    return ["Line", *labels], rows


def _by_month(
    view: DashboardView,
    ind: Indicator,
    periods: list[Period],
    series: dict[str, list[float | None]],
) -> tuple[list[str], list[list[str]]]:
    """The table beside a chart of earlier years too: a month per row and a year per column
    (`Month`, `2022/23`, …, this year's, `Target`, `Floor`), so a month reads beside the same
    month of other years."""
    this_year = view.results.fy_label
    years = {n: n.removeprefix(YEAR_LINE) for n in series if n.startswith(YEAR_LINE)}
    levels = {n: line_label(n) for n in series if n not in years and n != "value"}
    columns = {**years, "value": this_year, **levels}  # target and floor last
    cells: dict[tuple[str, int], str] = {}
    for name, values in series.items():
        for period, value in zip(periods, values, strict=True):
            if value is not None:
                cells[(name, period.month)] = figure(value, ind)
    names = list(columns)
    rows = [
        [_month(p), *(cells.get((n, p.month), "") for n in names)] for p in fy_periods(view, ind)
    ]
    return ["Month", *columns.values()], rows


def _month(period: Period) -> str:
    return period.label.split("-")[0]


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
    earlier = name.startswith(YEAR_LINE)
    look = "value" if earlier else name  # an earlier year's line: the value's look
    colour = "#" + styles.LINE_COLOURS[look]
    points = [" ".join(run) for run in runs if run]
    value_line = look == "value"
    dotted = dots if value_line else []
    return Line(look, line_label(name), colour, points, dotted, not value_line, not earlier)


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
