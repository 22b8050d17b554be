"""How far each month of one series is from the level of its nearest months, in its own noise.

The numeric core of the plausibility checks, for one series in plain Python (a dozen values:
quicker than numpy's per-call cost). kpixl.check.levels is its twin for every plain indicator
of a run at once (the screen); tests/test_check_fast_paths.py holds the two to each other.

For each month the level is predicted from up to three months on each side (a side of one
month only when the other has no more), leaving the month out: each neighbour is moved on by
the series' trend (the median slope between every two other months). A value between the two
sides' levels fits (a real step change or a trend); otherwise its distance to the nearer side
is measured in the typical size of the series' month-to-month changes, leaving out the two
changes that touch the month (typical_change); measured on fewer changes than a year gives
(FEW_CHANGES), that typical size is known less surely, and is widened as Student's t widens.
Counts and money are measured on a log scale (a ×10 slip is as far at 50 as at 50,000),
percentages and series with negative values on their own scale.
"""

from __future__ import annotations

import functools
import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

SIDE = 3  # months on each side that make the level
MAD_SD = 1.4826  # a median absolute deviation times this estimates a standard deviation
KEPT = 0.75  # the typical change is measured on the smallest three quarters of the changes
LOG_NOISE_FLOOR = 0.02  # changes under 2% are treated as 2%: no series is steadier than that
PERCENT_NOISE_FLOOR = 0.005  # half a percentage point
LINEAR_NOISE_FLOOR = 0.02  # of the typical size, for series with negative values
FINEST, COARSEST = 6, -3  # decimal places looked at: from millionths to thousands
NAN = float("nan")
# A year's months give 9 other changes to measure the noise by (11, less the month's own two).
# Measured on k < 9 of them, the noise is widened by Student's t's 99.865% quantile (3 standard
# deviations' tail) on k - 1 degrees of freedom over the same on 8: a series of six or seven
# measured months (receipts with some months of nothing) is judged as surely as a full year.
FEW_CHANGES = {3: 4.49, 4: 2.16, 5: 1.55, 6: 1.29, 7: 1.15, 8: 1.06}


@dataclass(frozen=True)
class Level:
    """One series' levels, noise and distances, month by month (all values finite)."""

    values: list[float]
    scaled: list[float]  # on the scale measured: log(value + resolution), or the value
    log: bool  # measured on a log scale
    resolution: float  # the step the figures are given in (1 for whole numbers)
    left: list[float]  # level from the months before (NaN where there is none)
    right: list[float]  # level from the months after (NaN where there is none)
    noise: list[float]  # typical month-to-month change, leaving out the month's own two
    z: list[float]  # distance from the nearer side's level, in noise (0 between the sides)

    def scale(self, value: float) -> float:
        """A candidate value on the series' measuring scale (NaN where it has none)."""
        if not self.log:
            return value
        shifted = value + self.resolution
        return math.log(shifted) if shifted > 0 else NAN


def resolution(values: Sequence[float]) -> float:
    """The coarsest power of ten every value is a whole multiple of (1e-6 at finest)."""
    for places in range(COARSEST, FINEST + 1):
        scaled = [v * 10.0**places for v in values]
        if all(math.isfinite(s) and abs(s - round(s)) <= 1e-6 * max(1.0, abs(s)) for s in scaled):
            return 10.0**-places
    return 10.0**-FINEST


def noise_floor(values: Sequence[float], step: float, *, log: bool, percent: bool) -> float:
    """The least noise a series is given: 2% on a log scale, or one step of its last digit (a
    count of 1 cannot move by less than 1); half a point for a percentage."""
    typical = statistics.median(abs(v) for v in values)
    if log:
        return max(LOG_NOISE_FLOOR, math.log1p(step / (typical + step)))
    if percent:
        return max(PERCENT_NOISE_FLOOR, step)
    return max(LINEAR_NOISE_FLOOR * typical, step)


def sides(i: int, n: int) -> tuple[list[int], list[int]]:
    """The months that make month i's level before and after it."""
    before = [i - k for k in range(1, SIDE + 1) if i - k >= 0]
    after = [i + k for k in range(1, SIDE + 1) if i + k < n]
    if len(before) == 1 and len(after) > 1:
        before = []  # one month is no level beside three: a peak next door would hide it
    if len(after) == 1 and len(before) > 1:
        after = []
    return before, after


def level(values: Sequence[float], *, log: bool, percent: bool) -> Level:
    """Levels, noise and distances for every month of one series (two values at least)."""
    step = resolution(values)
    log = log and min(values) >= 0
    scaled = [math.log(v + step) for v in values] if log else list(values)
    floor = noise_floor(values, step, log=log, percent=percent)
    n = len(values)
    changes = [b - a for a, b in itertools.pairwise(scaled)]
    pairs, without = _pairs(n)
    slopes = [(scaled[b] - scaled[a]) / (b - a) for a, b in pairs]
    left, right, noise, z = [NAN] * n, [NAN] * n, [NAN] * n, [NAN] * n
    for i in range(n):
        trend = statistics.median([slopes[k] for k in without[i]])
        others = [abs(d - trend) for j, d in enumerate(changes) if j not in (i - 1, i)]
        widen = FEW_CHANGES.get(len(others), 1.0)
        noise[i] = max(typical_change(others) * widen, floor)
        before, after = sides(i, n)
        if before:
            left[i] = statistics.median(scaled[j] + trend * (i - j) for j in before)
        if after:
            right[i] = statistics.median(scaled[j] - trend * (j - i) for j in after)
        z[i] = distance(left[i], right[i], scaled[i]) / noise[i]
    return Level(list(values), scaled, log, step, left, right, noise, z)


def typical_change(deviations: Sequence[float]) -> float:
    """The typical size of changes, from their distances to their middle: the root mean square
    of the smallest three quarters (KEPT; the largest quarter left out, where a season's turn,
    a step or a one-off shock lands), scaled so that for changes spread normally its square is
    on average their variance (kept_scale). On a year's nine changes it is surer than 1.4826 ×
    the median distance (its own spread a fifth smaller), so a series that happens to look
    steadier than it is raises fewer false alarms, and a run is told from chance sooner."""
    kept = sorted(deviations)[: kept_count(len(deviations))]
    top = kept[-1]  # the squares are taken as shares of the largest: no overflow at 1e200
    if not 0 < top < math.inf:
        return kept_scale(len(deviations)) * top
    return (
        kept_scale(len(deviations)) * top * math.sqrt(sum((x / top) ** 2 for x in kept) / len(kept))
    )


def kept_count(n: int) -> int:
    """How many of n changes typical_change keeps: the smallest three quarters (n - n // 4)."""
    return n - int(n * (1 - KEPT))


@functools.lru_cache(maxsize=128)
def kept_scale(n: int) -> float:
    """What the root mean square of the smallest kept_count(n) of n distances is multiplied by
    so that, for distances of normal changes (a half-normal spread), its square is on average
    their variance: 1 / sqrt(E[mean of the kept squares]). The kept squares' expected sum is
    the integral of x² n f(x) P(at most k - 1 of the other n - 1 fall below x), f and F the
    half-normal density and distribution, worked out by Simpson's rule."""
    k = kept_count(n)
    steps, top = 600, 9.0  # to 9 standard deviations: the rest is below a float's precision
    h = top / steps
    total = 0.0
    for j in range(steps + 1):
        x = j * h
        below = math.erf(x / math.sqrt(2.0))
        density = math.sqrt(2.0 / math.pi) * math.exp(-x * x / 2)
        fewer = sum(math.comb(n - 1, r) * below**r * (1 - below) ** (n - 1 - r) for r in range(k))
        weight = 1 if j in (0, steps) else 4 if j % 2 else 2
        total += weight * x * x * n * density * fewer
    return math.sqrt(k / (total * h / 3))


@functools.lru_cache(maxsize=64)
def _pairs(n: int) -> tuple[list[tuple[int, int]], list[list[int]]]:
    """Every two months (a < b), and for each month the indexes of the pairs without it."""
    pairs = list(itertools.combinations(range(n), 2))
    without = [[k for k, (a, b) in enumerate(pairs) if i not in (a, b)] for i in range(n)]
    return pairs, without


def distance(left: float, right: float, value: float) -> float:
    """0 between the two sides' levels, else the distance to the nearer (NaN side: the other)."""
    known = [s for s in (left, right) if s == s]
    if not known or value != value:
        return math.inf
    return max(min(known) - value, value - max(known), 0.0)
