"""Year-end forecasts: the months so far (and earlier years' months) in, the projected year-end
YTD with a range out. Pure functions, no I/O.

The method (the Guidance sheet says it in the officer's words): with no earlier year, the rest
of the year is the year so far carried on; with earlier years, it is the year so far shaped by
their seasons (a December dip, a March peak) and steadied by last year's level as far as this
year's few months are noisier than levels move from year to year (a volume: its level followed
month by month through the earlier years into this one, kpixl.rate.followed). The range is how
far that missed in those years (or, with none, how much this year's months vary).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kpixl.check.level import MAD_SD
from kpixl.rate.followed import followed
from kpixl.rate.gaps import filled_in
from kpixl.rate.level import NEW_LEVEL, changed_at, huber, own_stray, robust_mean
from kpixl.rate.rating import compute_ytd
from kpixl.rate.seasons import season_of
from kpixl.register.model import Indicator, Unit, YtdMethod

# For the Guidance sheet: how a forecast is made, in the officer's words.
GUIDANCE = (
    "Year-end forecasts (from the third month of the year) project the rest of the year from "
    "the year so far, shaped by the seasons of earlier years (a December dip, a March peak) "
    "where kpixl holds them and they repeat, and steadied by the earlier years where a few "
    "months say less than a whole year (a count or spending is followed month by month through "
    "them, a rate leans on last year's level). Where this year's level has clearly changed (a "
    "new duty, a service moved), the months since the change are carried on instead. The "
    "months are added up as the year-to-date figure is worked out. The range is how far such "
    "forecasts have missed; 'at risk' marks a KPI whose year to date is GREEN now but whose "
    "forecast is not, and a line under its table says why."
)

Month = float | None
# Slots (12 months or 4 quarters) known before a forecast is made: from month 3 of the year.
MIN_KNOWN = {12: 3, 4: 1}
# The range is meant to hold the year end four times in five: Student's t at 90% for the
# few figures its spread is measured on (a handful of months, or of earlier years).
T_90 = (3.078, 1.886, 1.638, 1.533, 1.476, 1.440, 1.415, 1.397, 1.383, 1.372, 1.363)
Z_80 = 1.2816
DRIFT = 1.0  # with no earlier year: how far the months to come may sit from the year so far
CLEARLY = 0.8  # a snapshot's seasons are used only when they missed a fifth less


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
    rule: str  # which rule: "the year so far", "... with the seasons and level of earlier years"
    method: str  # the YTD method the months were added up by

    def how(self, slot: str = "month") -> str:
        """One line for `kpixl explain`: what the forecast was made from."""
        chosen = (
            f"{self.years} earlier year{'s' if self.years != 1 else ''} known"
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
SEASONAL = "the year so far with the seasons of earlier years"
APART = SEASONAL + ", its level standing apart from theirs"
STEPPED = "the months since this year's level changed"
STEADIED = "the year so far with the seasons and level of earlier years"  # all but snapshots


@dataclass(frozen=True)
class _Prior:
    """An earlier year's level (seasons out), how far a month strays from its year's level, and
    how far the level moves from one year to the next (both relative, for volumes)."""

    level: float
    month_var: float
    year_var: float
    months: tuple[float, ...] = ()  # a volume's earlier months, seasons out, oldest first

    def blend(self, level: float, months: int) -> float:
        """This year's level from `months` months, pulled towards the earlier year's as far as
        those few months say less than that year does (a small count, lumpy money)."""
        weight = self.year_var / (self.year_var + self.month_var / months)
        return weight * level + (1 - weight) * self.level


@dataclass(frozen=True)
class _Priors:
    volume: _Prior | None  # a total's months, or a ratio's denominators
    rate: _Prior | None  # a mean's months, or a ratio's rates


def year_end(
    ind: Indicator, this_year: YearFigures, earlier: Sequence[YearFigures] = ()
) -> Forecast | None:
    """The year-end YTD forecast of `ind`; None when it has no YTD, too few slots are known,
    or the year is already complete."""
    slots = len(this_year.values)
    known = [i for i, v in enumerate(this_year.values) if v is not None]
    if ind.ytd is YtdMethod.NONE or len(known) < MIN_KNOWN.get(slots, 3) or known[-1] == slots - 1:
        return None
    if ind.ytd is YtdMethod.SUM and _below_nothing([this_year, *earlier]):
        # a total below nothing every month (a budget variance): forecast as its size
        size = year_end(ind, _negated(this_year), [_negated(y) for y in earlier])
        if size is None:
            return None
        return replace(size, value=-size.value, low=-size.high, high=-size.low)
    k = known[-1] + 1
    history = whole_years(earlier, slots)
    method = _method(ind, this_year, k)
    if not history:
        value = _project(ind, this_year, k, None, None)
        assert value is not None  # some slot before k is known
        spread = _noise(this_year, k, method)
        rule = STEPPED if _new_level(this_year, k, method, None, _Priors(None, None)) else PLAIN
        return _made(value, spread, ind, this_year, (k, 0, rule, method))
    seasons, misses = _chosen(ind, k, history)
    shape = _shape(history, ind) if seasons else None
    priors = _priors(history, ind, shape)
    apart = _new_level(this_year, k, method, shape, priors)
    value = _project(ind, this_year, k, shape, None if apart == APART else priors)
    if value is None:
        return None
    spread = math.sqrt(statistics.fmean(m * m for m in misses)) * _t90(len(misses))
    rule = (SEASONAL if ind.ytd is YtdMethod.LATEST else STEADIED) if seasons else PLAIN
    if apart:  # how far the earlier years' forecasts missed says nothing of a new level
        spread = _noise(this_year, k, method)
        rule = APART if apart == APART else f"{STEPPED}, with the seasons of earlier years"
    return _made(value, spread, ind, this_year, (k, len(history), rule, method))


def _below_nothing(years: Sequence[YearFigures]) -> bool:
    """Every figure given at or below nothing, and some below."""
    figures = [v for y in years for v in y.values if v is not None]
    return bool(figures) and max(figures) <= 0 and min(figures) < 0


def _negated(year: YearFigures) -> YearFigures:
    return YearFigures(tuple(None if v is None else -v for v in year.values))


def whole_years(earlier: Sequence[YearFigures], slots: int) -> list[YearFigures]:
    """The earlier years whole: as given, or with a month or two missing (at most one slot in
    six: a return never sent, a month a published series left out) filled in; a year with
    more missing is left out. A year's numerators and denominators likewise, or none when
    they have more missing."""
    every = [y.values for y in earlier]
    all_nums = [y.numerators or () for y in earlier]
    all_dens = [y.denominators or () for y in earlier]
    whole = []
    for year in earlier:
        values = filled_in(year.values, every, slots)
        if values is None:
            continue
        nums = filled_in(year.numerators, all_nums, slots) if year.numerators else None
        dens = filled_in(year.denominators, all_dens, slots) if year.denominators else None
        both = nums is not None and dens is not None
        whole.append(YearFigures(values, nums if both else None, dens if both else None))
    return whole


def _t90(degrees: int) -> float:
    """How many standard deviations hold four in five, measured on `degrees` + 1 figures."""
    return T_90[degrees - 1] if 1 <= degrees <= len(T_90) else Z_80


def _method(ind: Indicator, year: YearFigures, k: int) -> str:
    if ind.ytd is YtdMethod.RATIO:
        return "ratio" if _parts(year, k) is not None else "mean"
    return ind.ytd.value


def _chosen(ind: Indicator, k: int, history: list[YearFigures]) -> tuple[bool, list[float]]:
    """Whether the seasons of earlier years shape the forecast, and how far it missed at this
    point of each earlier year (forecast from the others). A season that does not repeat is
    shrunk to nothing, so the seasons are always used — except for a snapshot (`latest`), whose
    year end is one month's figure: there they are used only when they missed clearly less."""
    seasonal = _back_test(ind, k, history, seasons=True)
    if ind.ytd is not YtdMethod.LATEST:
        return True, seasonal or [0.0]
    plain = _back_test(ind, k, history, seasons=False)
    if seasonal and plain and _clearly_less(seasonal, plain):
        return True, seasonal
    return False, plain or [0.0]


def _back_test(
    ind: Indicator, k: int, history: list[YearFigures], seasons: bool
) -> list[float] | None:
    """Each earlier year forecast at slot k from the others (their seasons; the level of the
    year before it, or after it for the first), less what that year really came to."""
    misses = []
    for i, year in enumerate(history):
        others = history[i + 1 :][::-1] + history[:i]  # the nearest year last
        shape = _shape(others or [year], ind) if seasons else None
        priors = _priors(others, ind, shape) if others else None
        guess, actual = _project(ind, _cut(year, k), k, shape, priors), year_ytd(ind, year)
        if guess is None or actual is None:
            return None
        misses.append(guess - actual)
    return misses


def _clearly_less(seasonal: list[float], plain: list[float]) -> bool:
    """Whether the seasons missed less in every earlier year, and a fifth less on average."""
    every = all(abs(s) < abs(p) for s, p in zip(seasonal, plain, strict=True))
    return every and _mean_miss(seasonal) < CLEARLY * _mean_miss(plain)


def _mean_miss(misses: list[float]) -> float:
    return statistics.fmean(abs(m) for m in misses)


def _priors(years: Sequence[YearFigures], ind: Indicator, shape: _Shape | None) -> _Priors:
    """The level of the last of `years`, and the spreads measured on all of them."""
    volume, rate = (shape.volume, shape.rate) if shape else (None, None)
    if ind.ytd is YtdMethod.RATIO and all(y.numerators and y.denominators for y in years):
        dens = [y.denominators or () for y in years]
        return _Priors(_prior(dens, volume, True), _prior([y.values for y in years], rate, False))
    values = [y.values for y in years]
    if ind.ytd is YtdMethod.SUM:
        return _Priors(_prior(values, volume, True), None)
    if ind.ytd in (YtdMethod.MEAN, YtdMethod.RATIO):
        return _Priors(None, _prior(values, rate, False))
    return _Priors(None, None)  # a snapshot runs on from its latest figure


def _prior(
    years: Sequence[Sequence[Month]], shape: tuple[float, ...] | None, times: bool
) -> _Prior | None:
    means, strays, months = [], [], []  # months: every year's, seasons out, oldest first
    for xs in years:
        plain = _deseasoned(xs, 0, len(xs), shape, times)
        if len(plain) < 2:
            return None
        mean = statistics.fmean(plain)
        if times and mean <= 0:
            return None
        means.append(mean)
        strays += [p / mean - 1 if times else p - mean for p in plain]
        months += plain
    # a one-month shock is not how far months stray: the median stray, as a standard deviation
    month_var = (MAD_SD * statistics.median(abs(d) for d in strays)) ** 2
    if month_var <= 0:
        return None  # months that never stray: this year's own level is exact
    year_var = month_var  # one year: its level is taken to move as much as a month strays
    if len(means) > 1:  # less the part of each move that is the years' own months straying,
        # but never so little that this year's months count for nothing
        moves = [b / a - 1 if times else b - a for a, b in itertools.pairwise(means)]
        year_var = max(statistics.fmean(m * m for m in moves) - month_var / 6, month_var / 6)
    # a volume is followed month by month through the years (kpixl.rate.followed)
    return _Prior(means[-1], month_var, year_var, tuple(months) if times else ())


def _new_level(
    year: YearFigures, k: int, method: str, shape: _Shape | None, priors: _Priors
) -> str | None:
    """APART when this year's months stand clearly apart from the level the earlier years
    foretold (a total's or a ratio's volume, a mean's or a ratio's rate): NEW_LEVEL times as far
    as last year's level, its move to this year and this year's few months would stray together;
    STEPPED when this year's level changed within it (changed_at); else None."""
    volume, rate = (shape.volume, shape.rate) if shape else (None, None)
    rates = (year.values, rate, False, priors.rate)
    volumes = (year.denominators or () if method == "ratio" else year.values, volume, True,
               priors.volume)  # fmt: skip
    # a snapshot runs on from its latest figure: no level to stand apart
    series = {"sum": [volumes], "mean": [rates], "ratio": [volumes, rates]}.get(method, [])
    for xs, own, times, prior in series:
        plain = _deseasoned(xs, 0, k, own, times)
        if changed_at(plain, prior.month_var if prior else own_stray(plain, times), times):
            return STEPPED
        if prior is None or len(plain) < 3:
            continue
        level = huber(plain, prior.month_var, times)
        off = level / prior.level - 1 if times else level - prior.level
        stray = prior.year_var + prior.month_var * (1 / len(year.values) + 1 / len(plain))
        if abs(off) > NEW_LEVEL * math.sqrt(stray):
            return APART
    return None


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
    return _Shape(season_of(volumes, times=True), season_of(rates, times=False))


# --- projecting the year, by YTD method -------------------------------------------------------------


def _deseasoned(
    xs: Sequence[Month], start: int, k: int, shape: tuple[float, ...] | None, times: bool
) -> list[float]:
    """The known slots from start to k, with the seasonal shape taken out."""
    return [
        (float(v) / shape[i] if times else float(v) - shape[i]) if shape else float(v)
        for i, v in enumerate(xs[start:k], start=start)
        if v is not None
    ]


def _level(
    xs: Sequence[Month],
    k: int,
    shape: tuple[float, ...] | None,
    times: bool,
    prior: _Prior | None,
) -> float | None:
    """The level of a series from its known slots before k, with the seasonal shape taken out,
    steadied by the earlier years when there are some: a volume followed month by month
    through them (kpixl.rate.followed), a rate drawn towards last year's level."""
    plain = _deseasoned(xs, 0, k, shape, times)
    if not plain:
        return None
    if prior is None:  # the months since any change, a far one counting only so far
        stray = own_stray(plain, times)
        since = changed_at(plain, stray, times)
        own = plain[since:]
        stray = own_stray(own, times) if since else stray  # no change: the same months
        return huber(own, stray, times) if len(own) >= 3 and stray > 0 else robust_mean(own)
    if len(plain) < 3:
        return robust_mean(plain)
    if since := changed_at(plain, prior.month_var, times):  # a level changed within the year
        return huber(plain[since:], prior.month_var, times)
    if prior.months:  # a volume: followed month by month from the earlier years into this one
        level = followed(prior.months + tuple(plain), prior.month_var, prior.year_var, len(xs))
        if level is not None:
            return level
    return prior.blend(huber(plain, prior.month_var, times), len(plain))


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
    ind: Indicator, year: YearFigures, k: int, shape: _Shape | None, priors: _Priors | None
) -> float | None:
    method = _method(ind, year, k)
    volume, rate = (shape.volume, shape.rate) if shape else (None, None)
    if method == "ratio":
        return _ratio(year, k, volume, rate, priors)
    if method == "latest":  # a snapshot runs on from its latest figure
        last = max(i for i in range(k) if year.values[i] is not None)
        latest = _deseasoned(year.values, last, k, volume, True)[0]
        return latest * volume[-1] if volume else latest
    times = method == "sum"
    own = volume if times else rate
    prior = (priors.volume if times else priors.rate) if priors else None
    level = _level(year.values, k, own, times, prior)
    if level is None:
        return None
    path = _filled(year.values, k, level, own, times)
    return math.fsum(path) if times else math.fsum(path) / len(path)


def _ratio(
    year: YearFigures,
    k: int,
    volume: tuple[float, ...] | None,
    rate: tuple[float, ...] | None,
    priors: _Priors | None,
) -> float | None:
    """Σ numerators / Σ denominators: the volume (denominators) and the rate projected apart,
    each month's numerator then its rate × its volume."""
    parts = _parts(year, k)
    assert parts is not None
    nums, dens = parts
    d_level = _level(dens, k, volume, True, priors.volume if priors else None)
    r_level = _level(year.values, k, rate, False, priors.rate if priors else None)
    if d_level is None or r_level is None:
        return None
    d_path = _filled(dens, k, d_level, volume, True)
    r_path = _filled([None] * len(dens), 0, r_level, rate, False)
    known = [i for i in range(k) if year.values[i] is not None]
    total_n = math.fsum(float(nums[i] or 0) for i in known)
    total_n += math.fsum(r_path[i] * d_path[i] for i in range(k, len(dens)))
    total_d = math.fsum(d_path[i] for i in known) + math.fsum(d_path[k:])
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
    """With no earlier year: how far the year end may be from the forecast, four times in five,
    from how much this year's slots vary (each slot still to come as uncertain as a known one
    is from the year's average; a snapshot moving on by steps like its months' own), widened
    for how few slots that is measured on."""
    values = [float(v) for v in year.values[:k] if v is not None]
    slots, remaining = len(year.values), len(year.values) - k
    sd = statistics.stdev(values) if len(values) > 1 else abs(values[0]) * 0.1
    widen = _t90(len(values) - 1)
    if method == "latest":  # one slot, March's, some steps on from the latest
        steps = [b - a for a, b in itertools.pairwise(values)]
        step = math.sqrt(statistics.fmean(d * d for d in steps)) if steps else sd
        return step * math.sqrt(remaining) * widen
    # the level of the months to come is uncertain twice over: measured on a few months, and
    # perhaps not this year's level at all (a season or a step this year has not shown yet),
    # taken as a month's spread
    total = sd * math.sqrt(remaining + remaining**2 * (1 / len(values) + DRIFT**2)) * widen
    return total if method == "sum" else total / slots


def _made(
    value: float, sd: float, ind: Indicator, year: YearFigures, how: tuple[int, int, str, str]
) -> Forecast:
    """The forecast with its range: never narrower than the figures the dashboard shows (half
    a displayed unit either side), never below nothing for figures that never are, and never
    above 100% for a percentage."""
    unit = 10.0**-ind.decimals * (0.01 if ind.unit is Unit.PERCENT else 1.0)
    sd = max(sd, unit / 2)
    low, high = value - sd, value + sd
    if all(v is None or v >= 0 for v in year.values):
        low = max(low, 0.0)
    if ind.unit is Unit.PERCENT and all(v is None or v <= 1 for v in year.values):
        high = min(high, 1.0)
    return Forecast(value, low, high, *how)
