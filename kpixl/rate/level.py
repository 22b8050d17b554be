"""A series' level from its months: a mean that one odd month does not move, Huber's estimate
that lets every month count but a far one only so far, how far the months stray, and where
the level changed within them. Pure functions on plain lists, no I/O; the year-end forecast
(kpixl.rate.forecast) measures the year so far with them.
"""

from __future__ import annotations

import itertools
import math
import statistics

from kpixl.check.level import MAD_SD  # a median absolute deviation × this: a standard deviation

HUBER = 1.5  # a month further than this many usual strays from the level counts as that far
# A level this many usual strays from another is a new one (a new duty that doubled demand, a
# service restructured, a new system that lifted a rate), not the months straying.
NEW_LEVEL = 5.0


def changed_at(plain: list[float], month_var: float, times: bool) -> int:
    """Where this year's level changed: the first of its last three or more months that each
    stand NEW_LEVEL usual strays from the level of the two or more months before them, all on
    one side (a new duty from September; two such months may be two one-offs); 0 when there
    is no such change."""
    if month_var <= 0:
        return 0  # months that never stray: nothing to measure a change against
    for j in range(2, len(plain) - 2):
        before = huber(plain[:j], month_var, times)
        if times and before <= 0:
            continue
        reach = NEW_LEVEL * math.sqrt(month_var * (1 + 1 / j)) * (before if times else 1.0)
        offs = [p - before for p in plain[j:]]
        if all(o > reach for o in offs) or all(o < -reach for o in offs):
            return j
    return 0


def own_stray(plain: list[float], times: bool) -> float:
    """How far this year's months stray (a variance, relative for volumes: to their size, so a
    volume mostly below nothing too; one wholly below nothing, a budget variance, the forecast
    turns round first), from how much they change from one to the next: a change of level moves
    one change, not their median."""
    changes = [b - a for a, b in itertools.pairwise(plain)]
    middle = statistics.median(plain) if plain else 0.0
    if len(changes) < 2 or (times and middle == 0):
        return 0.0
    typical = statistics.median(changes)
    stray = MAD_SD * statistics.median(abs(c - typical) for c in changes) / math.sqrt(2)
    relative = stray / abs(middle) if times else stray
    variance = relative * relative  # (no OverflowError: a level of next to nothing gives inf)
    return variance if math.isfinite(variance) else 0.0  # no stray that can be used


def huber(values: list[float], month_var: float, times: bool) -> float:
    """The level of `values` with a month far from it (a one-off shock, a lump) counted only as
    far as HUBER usual strays: as exact as the mean where months stray as usual (a small count's
    chance), as safe as a median where one does not. Huber's M-estimate, started at the median."""
    level = statistics.median(values)
    stray = math.sqrt(month_var) * (abs(level) if times else 1.0)
    if stray <= 0:  # a volume whose usual month is nothing: its mean
        return statistics.fmean(values)
    for _ in range(5):
        weights = [min(1.0, HUBER * stray / abs(v - level)) if v != level else 1.0 for v in values]
        level = math.fsum(w * v for w, v in zip(weights, values, strict=True)) / math.fsum(weights)
    return level


def robust_mean(values: list[float]) -> float:
    """The mean, with a month far from the others (a one-off, or a season that did not come
    this year) given no more pull than its neighbours: the highest and lowest of five or more
    months left out, the median of three or four."""
    if len(values) >= 5:
        return statistics.fmean(sorted(values)[1:-1])
    if len(values) >= 3:
        return statistics.median(values)
    return statistics.fmean(values)
