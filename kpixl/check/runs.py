"""Runs a series would hardly make by chance: a value copied forward, a +1 drag-fill.

A run is judged against the series' own noise: three equal months are ordinary for a KPI that
usually moves by a point or less, and telling for a count that usually moves by hundreds. The
chance of the run is worked out from the other month-to-month changes (a normal spread around
their median, sized as kpixl.check.level's typical_change, in steps of the figures' last digit;
a count of a few a month at least as likely as Poisson chance makes it); the run is queried
when a series this noisy would make it by chance less than once in RUN_CHANCE⁻¹ years.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Callable, Sequence

import numpy as np

from kpixl.check.level import typical_change
from kpixl.check.wording import Finding, as_typed, change, format_value
from kpixl.issues import IssueCode
from kpixl.periods import Period, months_between
from kpixl.register.model import Indicator, Unit

Point = tuple[Period, float]

RUN_STEPS = 2  # steps in a row: three months the same, or three rising by exactly 1
RUN_CHANCE = 0.008  # queried when chance would make such a run less often than this
MIN_OTHER_STEPS = 4  # fewer other changes say too little about the noise
MIN_MOVES = 3  # repeats tell something only when a figure usually moves by 3 of its last digit
FINE_RATE = 0.001  # a rate given to this step or finer was worked out, not typed
MOST_CASES = 10_000  # the largest denominator a worked-out rate is read as a fraction of
PLUS_ONE_TOLERANCE = 1e-9
_PLACES = range(-3, 7)  # thousands down to millionths (powers as Python works them out)
_POWERS = np.array([10.0**p for p in _PLACES])
_STEPS = [10.0**-p for p in _PLACES]
MOST_POISSON = 100.0  # a count of more a month moves by chance by 14 or more: repeats are rare


def copied(a: float, b: float) -> bool:
    return a == b


def plus_one(a: float, b: float) -> bool:
    return abs(b - a - 1.0) <= PLUS_ONE_TOLERANCE


def _steps_like(values: Sequence[float], step: float) -> int:
    """How many month-to-month changes are exactly `step` (0: copied; 1: a +1 drag-fill), as
    `copied` or `plus_one` count them (inline: asked of every series checked)."""
    if step == 0.0:
        return sum(1 for a, b in itertools.pairwise(values) if a == b)
    return sum(1 for a, b in itertools.pairwise(values) if abs(b - a - 1.0) <= PLUS_ONE_TOLERANCE)


def runs(ind: Indicator, points: Sequence[Point], first: int) -> list[Finding]:
    """Copied-forward and drag-fill runs ending at or after points[first]."""
    values = [v for _, v in points]
    findings: list[Finding] = []
    kinds = [(copied, 0.0)] + ([(plus_one, 1.0)] if ind.unit is not Unit.PERCENT else [])
    step_size = 0.0  # worked out once, when a run is there to judge
    for same, step in kinds:
        if _steps_like(values, step) < RUN_STEPS:
            continue  # the quick count: most series have no run at all
        step_size = step_size or resolution(values)
        for a, b in _runs(ind, points, same):
            if b - a < RUN_STEPS or b < first:
                continue
            # the run's own steps left out, every other change (repeats too) says how noisy
            others = [values[j + 1] - values[j] for j in range(len(values) - 1) if not a <= j < b]
            ends = len(points) - first  # this year's months a run may end in: the ones looked at
            if _unlikely(ind, values, (a, b, ends), others, (step, step_size)):
                findings.append(_finding(ind, points, a, b, step, others))
    return findings


def _runs(
    ind: Indicator, points: Sequence[Point], same: Callable[[float, float], bool]
) -> list[tuple[int, int]]:
    """(first, last) indexes of maximal runs of adjacent periods whose every step passes."""
    gap = 3 if ind.is_quarterly else 1
    found: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(points) + 1):
        ok = i < len(points) and (
            months_between(points[i - 1][0], points[i][0]) == gap
            and same(points[i - 1][1], points[i][1])
        )
        if not ok:
            if i - 1 > start:
                found.append((start, i - 1))
            start = i
    return found


def _unlikely(
    ind: Indicator,
    values: Sequence[float],
    run: tuple[int, int, int],
    others: list[float],
    steps: tuple[float, float],
) -> bool:
    """True when the series' other changes make this run improbable by chance: `run` is its
    first and last index and how many months it may end in, `steps` its step (0 or 1) and the
    step the figures are given in."""
    (a, b, ends), (step, step_size) = run, steps
    value = values[a]
    if step == 0 and _at_bound(ind, value):
        return False  # 0 incidents, 100% on time: repeats are normal there
    if len(others) < MIN_OTHER_STEPS:
        return False
    if statistics.median(abs(d) for d in others) < MIN_MOVES * step_size:
        return False  # a figure that moves by a digit or two repeats itself: nothing to tell
    drift = statistics.median(others)
    spread = typical_change([abs(d - drift) for d in others])
    if spread == 0:
        return False  # the other changes are all alike: repeats tell nothing
    if step == 0 and ind.unit is Unit.PERCENT and step_size <= FINE_RATE:
        step_size = max(step_size, fraction_step(value, values, step_size))
    half = step_size / 2
    chance_of_step = _normal_cdf((step - drift + half) / spread) - _normal_cdf(
        (step - drift - half) / spread
    )
    if ind.unit is Unit.COUNT and step_size >= 1:  # a count moves at least as chance does
        chance_of_step = max(chance_of_step, poisson_step(step, statistics.median(values)))
    length = b - a
    places = min(len(values) - length, ends)  # where a run this long could have been
    return places * chance_of_step**length <= RUN_CHANCE


def _at_bound(ind: Indicator, value: float) -> bool:
    bounds = {0.0, ind.min, ind.max} | ({1.0} if ind.unit is Unit.PERCENT else set())
    return value in bounds


def fraction_step(value: float, values: Sequence[float], step_size: float) -> float:
    """How finely a rate worked out from counts comes back to `value`: a fraction a/q (q
    whole, lowest terms) of a month of about n cases recurs about as often as a figure given in
    steps of 1 / (q × n) — 2 of 3 often in a series of a dozen cases a month, 1,647 of 2,000
    hardly ever. n is the series' typical lowest-terms denominator. `step_size` where `value`
    is no such fraction (to the step its figures are given in)."""
    top, bottom = lowest_terms(value, MOST_CASES)
    if abs(value - top / bottom) > step_size / 2:
        return step_size
    cases = statistics.median(lowest_terms(v, MOST_CASES)[1] for v in values)
    return 1.0 / (bottom * cases)


def lowest_terms(x: float, most: int) -> tuple[int, int]:
    """The fraction nearest x whose denominator is at most `most`, as (numerator, denominator):
    `Fraction(x).limit_denominator(most)` (the same on every figure tried), worked out on floats
    by continued fractions, several times quicker; it was a tenth of a noisy validate's time."""
    p0, q0, p1, q1 = 0, 1, 1, 0  # the last two convergents (a negative x: floor as Python's)
    rest = x
    while True:
        whole = math.floor(rest)
        if q0 + whole * q1 > most:
            break
        p0, q0, p1, q1 = p1, q1, p0 + whole * p1, q0 + whole * q1
        part = rest - whole
        if part == 0 or p1 / q1 == x:
            return p1, q1
        rest = 1.0 / part
        if rest > 2.0**53:  # the rest is below a float's precision
            return p1, q1
    k = (most - q0) // q1  # the best semiconvergent, if nearer than the last convergent
    top, bottom = p0 + k * p1, q0 + k * q1
    n, d = x.as_integer_ratio()  # nearer, exactly: |top/bottom - n/d| < |p1/q1 - n/d|
    if abs(top * d - n * bottom) * q1 < abs(p1 * d - n * q1) * bottom:
        return top, bottom
    return p1, q1


def poisson_step(step: float, mean: float) -> float:
    """The chance that a count of about `mean` a month, moving only as chance moves it (each
    month a Poisson count), changes by exactly `step` from one month to the next: Skellam's
    distribution. A few a month repeat or rise by one often (a count of 4: one month in eight
    each), which a normal spread measured on a handful of changes can miss. 0 for counts too
    large for chance to matter (over MOST_POISSON a month)."""
    if not 0 < mean <= MOST_POISSON:
        return 0.0
    k = abs(round(step))
    reach = int(mean + 12 * math.sqrt(mean) + 12)
    return math.fsum(
        math.exp(
            -2 * mean + (2 * n + k) * math.log(mean) - math.lgamma(n + 1) - math.lgamma(n + k + 1)
        )
        for n in range(reach)
    )


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def resolution(values: Sequence[float]) -> float:
    """The step the figures are given in: the coarsest power of ten (thousands down to
    millionths) that three in four of them are whole multiples of (one slip aside)."""
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.asarray(values, dtype=float) * _POWERS[:, None]  # a row per place
        whole = np.abs(scaled - np.rint(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))
    missed = len(values) - whole.sum(axis=1)  # NaN and infinities are never whole
    fits = np.flatnonzero(missed <= len(values) - 0.75 * len(values))
    return _STEPS[fits[0]] if fits.size else 1e-6


def _finding(
    ind: Indicator, points: Sequence[Point], a: int, b: int, step: float, others: list[float]
) -> Finding:
    (p0, v0), (p1, v1) = points[a], points[b]
    word = "quarter" if ind.is_quarterly else "month"
    if step:
        return Finding(
            IssueCode.DRAG_FILL,
            p1,
            f"values rise by exactly 1 each {word} for {p0.label} to {p1.label} "
            f"({format_value(v0, ind)} → {format_value(v1, ind)}): this looks like an Excel "
            "drag-fill; check the real figures",
        )
    usual = statistics.median(abs(d) for d in others)
    return Finding(
        IssueCode.FLAT_RUN,
        p1,
        f"the value is {as_typed(v0, ind)} in every {word} from {p0.label} to {p1.label}, though "
        f"it usually changes by {change(usual, ind)} a {word}: it may have been copied forward; "
        "check the real figures",
    )
