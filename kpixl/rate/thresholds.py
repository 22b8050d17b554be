"""Next year's thresholds suggested from past years: earlier whole years in, a suggested
target and floor (KPIs) or expected range (activities) out, with how the past years would have
fared against them. Pure functions, no I/O; `kpixl suggest` writes them beside the register.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from kpixl.rate.forecast import T_90, YearFigures, whole_years, year_ytd
from kpixl.rate.rating import Rag, rag
from kpixl.register.model import AlertOn, Indicator, Polarity, YtdMethod

# An expected range is meant to hold about four in five of next year's figures: wide enough
# that an ordinary month is not flagged, narrow enough that an unusual one is.
COVER = 0.8
Z_COVER = 1.2816  # the normal quantile for 80% within


@dataclass(frozen=True)
class Suggestion:
    """Suggested thresholds for one indicator and the evidence behind them."""

    ref: str
    target: float | None = None
    floor: float | None = None
    upper: float | None = None
    lower: float | None = None
    years: int = 0
    method: str = ""
    held: float | None = None  # share of the past years' figures the suggestion would hold
    basis: str = ""  # what `held` counts: "monthly figures", "year-end YTDs", "months GREEN"


def suggest(ind: Indicator, years: Sequence[YearFigures]) -> Suggestion | None:
    """Thresholds for next year from `years` (oldest first; a year with a month or two
    missing filled in, one with more left out); None when there is too little to go on (no
    whole year)."""
    whole = whole_years(years, len(years[-1].values)) if years else []
    if not whole:
        return None
    if ind.is_kpi:
        return _kpi(ind, whole)
    if ind.alert_on is AlertOn.LATEST or ind.ytd in (YtdMethod.NONE, YtdMethod.LATEST):
        return _monthly_range(ind, whole)
    return _year_range(ind, whole)


def _year_end(ind: Indicator, year: YearFigures) -> float:
    """A whole year's figure: its YTD, or, for an indicator with no YTD (rated month by month),
    its typical (median) month."""
    value = year_ytd(ind, year)
    if value is None:  # ytd none: no year end to go by
        return statistics.median(float(v) for v in year.values if v is not None)
    return value


def _kpi(ind: Indicator, years: list[YearFigures]) -> Suggestion:
    """Target: as good as the best of the recent year ends (what the service has shown it can
    do); floor: no worse than the worst of them. The past months are rated against both."""
    ends = [_year_end(ind, y) for y in years[-3:]]
    higher = ind.polarity is Polarity.HIGHER
    target, floor = (max(ends), min(ends)) if higher else (min(ends), max(ends))
    months = [float(v) for y in years for v in y.values if v is not None]
    figures = _year_figures(ind, len(ends))
    method = f"target: the best of {figures}; floor: the worst"
    if target == floor:  # one year, or identical years: a floor one noise-width below
        width = statistics.pstdev(months) if len(months) > 1 else abs(target) * 0.05
        floor = target - width if higher else target + width
        alike = "" if len(ends) == 1 else ", all alike"
        method = (
            f"target: {figures}{alike}; floor: one standard deviation of the months short of it"
        )
    trial = dataclasses.replace(ind, target=target, floor=floor)
    green = sum(rag(v, trial) is Rag.GREEN for v in months) / len(months)
    return Suggestion(
        ind.ref, target=target, floor=floor, years=len(ends), method=method,
        held=green, basis="past months GREEN",
    )  # fmt: skip


def _year_figures(ind: Indicator, years: int) -> str:
    """The figures a KPI's years are judged by, in words: "the last 3 year ends", "last
    year's typical month" (an indicator rated month by month)."""
    one, many = ("typical month", "years' typical months")
    if ind.ytd is not YtdMethod.NONE:
        one, many = ("year end", "year ends")
    return f"last year's {one}" if years == 1 else f"the last {years} {many}"


def _monthly_range(ind: Indicator, years: list[YearFigures]) -> Suggestion:
    """An expected range for next year's monthly figures: last year's typical month, moved by
    the year-on-year trend, from the band that held four in five of a year's months about its
    level. `held`: tried on each past year from the years before it, the share of its months
    inside; with one year only (no trend, no move of the level to allow for), the share of
    that year's own months, and the method and evidence say so."""
    lower, upper = _band_of(years)
    if len(years) == 1:
        inside = [lower <= float(v) <= upper for v in years[0].values if v is not None]
        return Suggestion(
            ind.ref, upper=upper, lower=lower, years=1,
            method="last year's typical month, with the band that held four in five of its "
                   "months (one year: no trend to follow)",
            held=sum(inside) / len(inside), basis="one year only: its own months inside",
        )  # fmt: skip
    trials = [(_band_of(years[:i]), years[i]) for i in range(1, len(years))]
    inside = [lo <= float(v) <= hi for (lo, hi), y in trials for v in y.values if v is not None]
    return Suggestion(
        ind.ref, upper=upper, lower=lower, years=len(years),
        method="last year's typical month, moved by the year-on-year trend, with the band that "
               "held four in five months, widened as far as the years' levels have moved",
        held=sum(inside) / len(inside), basis="months inside, tried on past years",
    )  # fmt: skip


def _band_of(years: list[YearFigures]) -> tuple[float, float]:
    """The months' band about the year's level, widened for how far that level itself may be
    from the one foreseen (a month strays from a level that is only a guess)."""
    levels = [statistics.median(float(v) for v in y.values if v is not None) for y in years]
    centre = levels[-1] * _growth(levels)
    relative = [  # above or below the level, as a share of its size (a variance: below nothing)
        (float(v) - level) / abs(level) if level else 0.0
        for y, level in zip(years, levels, strict=True)
        for v in y.values
        if v is not None
    ]
    low, high = _band(relative)
    missed = Z_COVER * _level_miss(levels)
    low, high = -math.hypot(low, missed), math.hypot(high, missed)
    lower, upper = centre + abs(centre) * low, centre + abs(centre) * high
    return (max(lower, 0.0) if centre >= 0 else lower), upper


def _year_range(ind: Indicator, years: list[YearFigures]) -> Suggestion:
    """An expected range for next year's year-end YTD: last year's, moved by the trend, ± how
    much a year end has differed from the one before. `held`: tried on each past year from the
    years before it, the share of those year ends inside. One year: ±10%, tried on nothing."""
    ends = [_year_end(ind, y) for y in years]
    lower, upper = _year_band(ends)
    if len(ends) == 1:
        return Suggestion(
            ind.ref, upper=upper, lower=lower, years=1,
            method="last year's year-end YTD ± 10% (one year: no change between years to go by)",
            held=None, basis="one year only: no other year to try it on",
        )  # fmt: skip
    trials = [(_year_band(ends[:i]), ends[i]) for i in range(1, len(ends))]
    held = sum(lo <= end <= hi for (lo, hi), end in trials) / len(trials)
    return Suggestion(
        ind.ref, upper=upper, lower=lower, years=len(years),
        method="last year's year-end YTD, moved by the year-on-year trend, ± how much year "
               "ends have changed",
        held=held, basis="year ends inside, tried on past years",
    )  # fmt: skip


def _year_band(ends: list[float]) -> tuple[float, float]:
    centre = ends[-1] * _growth(ends)
    changes = [(b - a) / a for a, b in itertools.pairwise(ends) if a]
    # how much a year end moves, widened for how few years show it (Student's t at 90%)
    if len(changes) >= 2:
        spread = statistics.stdev(changes) * T_90[min(len(changes), len(T_90)) - 2]
    else:
        spread = 0.1  # one change or none to go on: ±10%
    half = max(spread, 0.03) * abs(centre)
    return (max(centre - half, 0.0) if centre >= 0 else centre - half), centre + half


def _level_miss(levels: list[float]) -> float:
    """How far each year's level was from the one foreseen from the years before it (the year
    before, moved by the trend so far), as the root mean square of those relative misses; 0
    with one year, which foresaw nothing."""
    foreseen = [
        (a * _growth(levels[: i + 1]), b) for i, (a, b) in enumerate(itertools.pairwise(levels))
    ]
    misses = [b / f - 1 for f, b in foreseen if f != 0]  # (two variances below nothing too)
    return math.sqrt(statistics.fmean(m * m for m in misses)) if misses else 0.0


def _growth(levels: list[float]) -> float:
    """The typical year-on-year change (the median ratio), damped by half: a trend seen over a
    few years is expected to carry on, but not in full."""
    ratios = [b / a for a, b in itertools.pairwise(levels) if a > 0 and b > 0]
    if not ratios:
        return 1.0
    return 1.0 + 0.5 * (statistics.median(ratios) - 1.0)


def _band(relative: list[float]) -> tuple[float, float]:
    """How far below and above their year's level four in five months fell (the 10th and 90th
    percentiles of the months' relative distance from it): a December dip and a March peak make
    the band uneven, as they should."""
    if len(relative) < 5:
        return -0.1, 0.1
    ordered = sorted(relative)
    low = ordered[math.floor((1 - COVER) / 2 * (len(ordered) - 1))]
    high = ordered[math.ceil((1 + COVER) / 2 * (len(ordered) - 1))]
    return min(low, -0.01), max(high, 0.01)
