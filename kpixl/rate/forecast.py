"""Year-end forecasts: the months so far (and earlier years' months) in, the projected year-end
YTD with a range out. Pure functions, no I/O.

The method (the Guidance sheet says it in the officer's words): with no earlier year, the rest
of the year is the year so far carried on; with earlier years, it is the year so far shaped by
their seasons (a December dip, a March peak), or the last three months so shaped when that
missed clearly less at this point of those years. The range is how far the rule missed in those
years (or, with none, how much this year's months vary).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from kpixl.rate.rating import compute_ytd
from kpixl.register.model import Indicator, YtdMethod

# For the Guidance sheet: how a forecast is made, in the officer's words.
GUIDANCE = (
    "Year-end forecasts (from the third month of the year) project the rest of the year from "
    "the year so far — or from the last three months where that has forecast better before — "
    "shaped by the seasons of earlier years (a December dip, a March peak) where kpixl holds "
    "them and they repeat, and add the months up as the year-to-date figure is worked out. The "
    "range is how far such forecasts have missed; 'at risk' marks a KPI whose year to date is "
    "GREEN now but whose forecast is not."
)

Month = float | None
# Slots (12 months or 4 quarters) known before a forecast is made: from month 3 of the year.
MIN_KNOWN = {12: 3, 4: 1}
# The range is meant to hold the year end four times in five: Student's t at 90% for the
# few figures its spread is measured on (a handful of months, or of earlier years).
T_90 = (3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372, 1.363)
Z_80 = 1.2816
RECENT = 3
CLEARLY = 0.8  # the recent rule is chosen only when it missed a fifth less


@dataclass(frozen=True)
class YearFigures:
    """One financial year of an indicator: a slot per month (or quarter), None where unknown."""

    values: tuple[Month, ...]
    numerators: tuple[Month, ...] | None = None
    denominators: tuple[Month, ...] | None = None


@dataclass(frozen=True)
class Forecast:
    """The projected year-end YTD, its range, and how it was made."""

    value: float
    low: float
    high: float
    known: int  # slots of this year known
    years: int  # earlier years the rule was chosen on
    rule: str  # which rule: "the year so far", "the last three months", "... with seasons"
    method: str  # the YTD method the months were added up by

    def how(self, slot: str = "month") -> str:
        """One line for `kpixl explain`: what the forecast was made from."""
        chosen = (
            f"it came closest at this point in {self.years} earlier year"
            f"{'s' if self.years != 1 else ''}"
            if self.years
            else "no earlier years are known"
        )
        return (
            f"{self.known} {slot}{'s' if self.known != 1 else ''} known; the rest projected "
            f"from {self.rule} ({chosen}), added up by the {self.method} method"
        )


# The seasons of earlier years: a multiplicative shape for volumes, an additive one for rates.
@dataclass(frozen=True)
class _Shape:
    volume: tuple[float, ...] | None  # each slot's share of an average slot (×)
    rate: tuple[float, ...] | None  # each slot's difference from the year's average rate (+)


# The rules' names, as `Forecast.rule` and `kpixl explain` give them.
PLAIN = "the year so far"
SEASONAL = {
    False: "the year so far with the seasons of earlier years",
    True: "the last three months with the seasons of earlier years",
}


def year_end(
    ind: Indicator, this_year: YearFigures, earlier: Sequence[YearFigures] = ()
) -> Forecast | None:
    """The year-end YTD forecast of `ind`; None when it has no YTD, too few slots are known,
    or the year is already complete."""
    slots = len(this_year.values)
    known = [i for i, v in enumerate(this_year.values) if v is not None]
    if ind.ytd is YtdMethod.NONE or len(known) < MIN_KNOWN.get(slots, 3) or known[-1] == slots - 1:
        return None
    k = known[-1] + 1
    history = [
        y for y in earlier if len(y.values) == slots and all(v is not None for v in y.values)
    ]
    method = _method(ind, this_year, k)
    if not history:
        value = _project(ind, this_year, k, None, recent=False)
        assert value is not None  # some slot before k is known
        return _made(value, _noise(this_year, k, method), this_year, k, 0, PLAIN, method)
    recent, misses = _best(ind, k, history)
    value = _project(ind, this_year, k, _shape(history, ind), recent)
    if value is None:
        return None
    name = SEASONAL[recent]
    spread = math.sqrt(statistics.fmean(m * m for m in misses)) * _t90(len(misses))
    return _made(value, spread, this_year, k, len(history), name, method)


def _t90(degrees: int) -> float:
    """How many standard deviations hold four in five, measured on `degrees` + 1 figures."""
    return T_90[degrees - 1] if 1 <= degrees <= len(T_90) else Z_80


def _method(ind: Indicator, year: YearFigures, k: int) -> str:
    if ind.ytd is YtdMethod.RATIO:
        return "ratio" if _parts(year, k) is not None else "mean"
    return ind.ytd.value


def _best(ind: Indicator, k: int, history: list[YearFigures]) -> tuple[bool, list[float]]:
    """With earlier years: the year so far with their seasons (a season that does not repeat
    is shrunk to nothing, so this is the plain year so far then), unless the last three months
    with their seasons missed clearly less at this point of those years (a service whose level
    moves within the year); each earlier year forecast with the others' seasons. Returns
    whether the recent rule won, and its misses."""
    trials = [
        (_cut(year, k), _shape(history[:i] + history[i + 1 :] or [year], ind), year_ytd(ind, year))
        for i, year in enumerate(history)
    ]
    scored: dict[bool, list[float]] = {}
    for recent in (False, True):
        misses = []
        for cut, shape, actual in trials:
            guess = _project(ind, cut, k, shape, recent)
            if guess is None or actual is None:
                break
            misses.append(guess - actual)
        else:
            scored[recent] = misses
    if not scored:
        return False, [0.0]
    if len(scored) == 2 and _mean_miss(scored[True]) < CLEARLY * _mean_miss(scored[False]):
        return True, scored[True]
    return next(iter(scored.items()))


def _mean_miss(misses: list[float]) -> float:
    return statistics.fmean(abs(m) for m in misses)


def _cut(year: YearFigures, k: int) -> YearFigures:
    def part(xs: tuple[Month, ...] | None) -> tuple[Month, ...] | None:
        return None if xs is None else tuple(x if i < k else None for i, x in enumerate(xs))

    return YearFigures(part(year.values) or (), part(year.numerators), part(year.denominators))


def year_ytd(ind: Indicator, year: YearFigures) -> float | None:
    """The YTD of a whole year of figures, by the indicator's method: its year end."""
    return compute_ytd(ind, list(year.values), year.numerators, year.denominators).value


def _shape(years: Sequence[YearFigures], ind: Indicator) -> _Shape:
    volumes = [
        list(y.denominators) if ind.ytd is YtdMethod.RATIO and y.denominators else list(y.values)
        for y in years
    ]
    rates = [list(y.values) for y in years]
    return _Shape(_relative(volumes, times=True), _relative(rates, times=False))


def _relative(years: list[list[Month]], times: bool) -> tuple[float, ...] | None:
    """Each slot against its year's average (× for volumes, + for rates), averaged over the
    years and shrunk towards no shape where the years disagree: a season is used as far as it
    repeats."""
    full = [[float(v) for v in y if v is not None] for y in years]
    full = [y for y in full if y and len(y) == len(years[0])]
    if not full or (times and any(v < 0 for y in full for v in y)):
        return None
    means = [statistics.fmean(y) for y in full]
    if times and any(m <= 0 for m in means):
        return None
    neutral = 1.0 if times else 0.0
    rel = [[v / m if times else v - m for v in y] for y, m in zip(full, means, strict=True)]
    columns = list(zip(*rel, strict=True))
    # the median: one year's step change or one-month shock does not make a season
    middles = [statistics.median(c) for c in columns]
    if len(full) < 2:
        return tuple(neutral + 0.5 * (m - neutral) for m in middles)  # one year: half its shape
    # how much a slot varies from year to year, pooled over the slots (one slot's three or four
    # values say too little about it), against how far its season is from none
    noise = statistics.fmean(statistics.variance(c) for c in columns) / len(full)
    shape = [
        neutral + max(0.0, 1 - noise / (m - neutral) ** 2) * (m - neutral) if m != neutral
        else neutral
        for m in middles
    ]  # fmt: skip
    if times:
        average = statistics.fmean(shape)
        shape = [s / average for s in shape]
    return tuple(shape)


# --- projecting the year, by YTD method -------------------------------------------------------------


def _level(
    xs: Sequence[Month],
    k: int,
    shape: tuple[float, ...] | None,
    recent: bool,
    times: bool,
    last_only: bool = False,
) -> float | None:
    """The level of a series from its known slots before k (the last three only if `recent`,
    the last alone if `last_only`), with the seasonal shape taken out."""
    start = max(0, k - RECENT) if recent else 0
    if last_only:
        start = max(i for i in range(k) if xs[i] is not None)
    plain = [
        (float(v) / shape[i] if times else float(v) - shape[i]) if shape else float(v)
        for i, v in enumerate(xs[start:k], start=start)
        if v is not None
    ]
    return _robust_mean(plain) if plain else None


def _robust_mean(values: list[float]) -> float:
    """The mean, with a month far from the others (a one-off, or a season that did not come
    this year) given no more pull than its neighbours: the highest and lowest of five or more
    months left out, the median of three or four."""
    if len(values) >= 5:
        return statistics.fmean(sorted(values)[1:-1])
    if len(values) >= 3:
        return statistics.median(values)
    return statistics.fmean(values)


def _filled(
    xs: Sequence[Month], k: int, level: float, shape: tuple[float, ...] | None, times: bool
) -> list[float]:
    """The known slots, and each slot after k (or a gap) at the level, seasonally shaped."""

    def at(i: int) -> float:
        if not shape:
            return level
        return level * shape[i] if times else level + shape[i]

    return [float(v) if i < k and v is not None else at(i) for i, v in enumerate(xs)]


def _project(
    ind: Indicator, year: YearFigures, k: int, shape: _Shape | None, recent: bool
) -> float | None:
    method = _method(ind, year, k)
    if method == "ratio":
        return _ratio(year, k, shape, recent)
    times = method in ("sum", "latest")
    own = (shape.volume if times else shape.rate) if shape else None
    if method == "latest" and not recent:  # a snapshot's "year so far" is its latest figure
        level = _level(year.values, k, own, False, times, last_only=True)
    else:
        level = _level(year.values, k, own, recent, times)
    if level is None:
        return None
    path = _filled(year.values, k, level, own, times)
    if method == "sum":
        return math.fsum(path)
    if method == "latest":
        return path[-1]
    return math.fsum(path) / len(path)


def _ratio(year: YearFigures, k: int, shape: _Shape | None, recent: bool) -> float | None:
    """Σ numerators / Σ denominators: the volume (denominators) and the rate projected apart,
    each month's numerator then its rate × its volume."""
    parts = _parts(year, k)
    assert parts is not None
    nums, dens = parts
    volume, rate = (shape.volume, shape.rate) if shape else (None, None)
    d_level = _level(dens, k, volume, recent, True)
    start = max(0, k - RECENT) if recent else 0
    pairs = [(float(nums[i] or 0), float(dens[i] or 0), i) for i in range(start, k)
             if year.values[i] is not None]  # fmt: skip
    d_sum = math.fsum(d for _, d, _ in pairs)
    if d_level is None or d_sum <= 0:
        return None
    seasonal = math.fsum(rate[i] * d for _, d, i in pairs) / d_sum if rate else 0.0
    r_level = math.fsum(n for n, _, _ in pairs) / d_sum - seasonal
    d_path = _filled(dens, k, d_level, volume, True)
    r_path = _filled([None] * len(dens), 0, r_level, rate, False)
    known_n = math.fsum(float(nums[i] or 0) for i in range(k) if year.values[i] is not None)
    total_n = known_n + math.fsum(r_path[i] * d_path[i] for i in range(k, len(dens)))
    total_d = math.fsum(d_path[i] for i in range(k) if year.values[i] is not None)
    total_d += math.fsum(d_path[k:])
    return total_n / total_d if total_d > 0 else None


def _parts(year: YearFigures, k: int) -> tuple[list[Month], list[Month]] | None:
    """The numerators and denominators, when every known slot before k has both."""
    nums, dens = year.numerators, year.denominators
    if nums is None or dens is None:
        return None
    if any(year.values[i] is not None and (nums[i] is None or dens[i] is None) for i in range(k)):
        return None
    return list(nums), list(dens)


def _noise(year: YearFigures, k: int, method: str) -> float:
    """With no earlier year: the year end's likely error from how much this year's slots vary
    (each slot still to come as uncertain as a known one is from the year's average)."""
    values = [float(v) for v in year.values[:k] if v is not None]
    slots, remaining = len(year.values), len(year.values) - k
    sd = statistics.stdev(values) if len(values) > 1 else abs(values[0]) * 0.1
    if method == "latest":  # one slot, March's
        return sd * math.sqrt(1 + remaining / len(values))
    total = sd * math.sqrt(remaining + remaining * remaining / len(values))
    return total if method == "sum" else total / slots


def _made(
    value: float, sd: float, year: YearFigures, k: int, years: int, rule: str, method: str
) -> Forecast:
    low, high = value - sd, value + sd
    if all(v is None or v >= 0 for v in year.values):
        low = max(low, 0.0)
    return Forecast(value, low, high, k, years, rule, method)
