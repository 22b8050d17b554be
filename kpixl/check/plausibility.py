"""Warnings about suspicious series: drag-fills, flat runs, outliers and near-zero drops."""

from __future__ import annotations

import bisect
import itertools
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kpixl.issues import IssueCode
from kpixl.periods import Period, months_between
from kpixl.register.model import Indicator, Unit, displayed

NON_PERCENT = frozenset({Unit.COUNT, Unit.CURRENCY_K, Unit.SECONDS, Unit.NUMBER})
FLAT_UNITS = frozenset({Unit.COUNT, Unit.CURRENCY_K})
DRAG_FILL_STEPS = 3  # +1 steps in a row (four values)
FLAT_RUN_STEPS = 2  # unchanged steps in a row (three values)
OUTLIER_MIN_VALUES = 6
OUTLIER_MIN_POINTS = 0.15  # a percent outlier is at least 15 points from the usual level
OUTLIER_MIN_SHARE = 0.5  # any other at least half the usual level away from it
OUTLIER_Z = 3.5
OUTLIER_MARGIN = 1e-9  # far above rounding: the shortcuts only ever answer clear cases
OUTLIER_CLEAR_MAX = 1000.0  # percent values further from 0 are left to the full test
NEAR_ZERO_SHARE = 0.1
NEAR_ZERO_MIN_MEDIAN = 50.0
NEAR_ZERO_MIN_OTHERS = 3  # a median of fewer values says little about the usual level

Point = tuple[Period, float]


@dataclass(frozen=True)
class Finding:
    """One plausibility warning, pinned to the period a reader should look at."""

    code: IssueCode  # DRAG_FILL, FLAT_RUN, OUTLIER or NEAR_ZERO
    period: Period  # the last period of a run; the odd month itself
    message: str


def format_value(value: float, ind: Indicator) -> str:
    """A value as the dashboard shows it: `86%`, `26,436`, `4.7%`."""
    # Round the fraction first: 0.945 * 100 is 94.4999…, but the dashboard shows 95%.
    shown = displayed(value, ind.unit, ind.decimals)
    if ind.unit is Unit.PERCENT:
        return f"{shown * 100:,.{ind.decimals}f}%"
    return f"{shown:,.{ind.decimals}f}"


def _runs(
    ind: Indicator, series: Sequence[Point], step_ok: Callable[[float, float], bool]
) -> list[tuple[int, int]]:
    """(first, last) indexes of maximal runs of adjacent periods whose every step passes step_ok."""
    gap = 3 if ind.is_quarterly else 1
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(series) + 1):
        ok = i < len(series) and (
            months_between(series[i - 1][0], series[i][0]) == gap
            and step_ok(series[i - 1][1], series[i][1])
        )
        if not ok:
            if i - 1 > start:
                runs.append((start, i - 1))
            start = i
    return runs


def _step_word(ind: Indicator) -> str:
    return "quarter" if ind.is_quarterly else "month"


def _drag_fills(ind: Indicator, series: Sequence[Point]) -> list[Finding]:
    def plus_one(a: float, b: float) -> bool:
        return math.isclose(b - a, 1.0, rel_tol=0.0, abs_tol=1e-9)

    steps = itertools.pairwise(v for _, v in series)
    if sum(abs(b - a - 1.0) <= 1e-9 for a, b in steps) < DRAG_FILL_STEPS:
        return []  # too few +1 steps for a run (a quick count: most series have none)
    findings = []
    for first, last in _runs(ind, series, plus_one):
        if last - first < DRAG_FILL_STEPS:
            continue
        (p0, v0), (p1, v1) = series[first], series[last]
        message = (
            f"values rise by exactly 1 each {_step_word(ind)} for {p0.label} to {p1.label} "
            f"({format_value(v0, ind)} → {format_value(v1, ind)}): this looks like an Excel "
            "drag-fill; check the real figures"
        )
        findings.append(Finding(IssueCode.DRAG_FILL, p1, message))
    return findings


def _flat_runs(ind: Indicator, series: Sequence[Point]) -> list[Finding]:
    if sum(a == b for a, b in itertools.pairwise(v for _, v in series)) < FLAT_RUN_STEPS:
        return []  # too few unchanged steps for a run
    findings = []
    for first, last in _runs(ind, series, lambda a, b: a == b):
        value = series[first][1]
        # A quarterly count of nothing (no incidents this quarter) is often genuinely zero.
        if last - first < FLAT_RUN_STEPS or (ind.is_quarterly and value == 0):
            continue
        p0, p1 = series[first][0], series[last][0]
        message = (
            f"the value is {format_value(value, ind)} in every {_step_word(ind)} from {p0.label} "
            f"to {p1.label}: a figure that never changes may have been copied forward; "
            "check the real figures"
        )
        findings.append(Finding(IssueCode.FLAT_RUN, p1, message))
    return findings


def _near_zero(ind: Indicator, series: Sequence[Point]) -> list[Finding]:
    if len(series) - 1 < NEAR_ZERO_MIN_OTHERS:
        return []
    ordered = sorted(v for _, v in series)
    # the usual level (a median of the others) is at most the top value: a cheap first test
    ceiling = NEAR_ZERO_SHARE * ordered[-1]
    findings = []
    for period, value in series:
        if value >= ceiling:
            continue
        usual = _median_without(ordered, bisect.bisect_left(ordered, value))
        if usual >= NEAR_ZERO_MIN_MEDIAN and value < NEAR_ZERO_SHARE * usual:
            message = (
                f"{period.label} is {format_value(value, ind)}, under a tenth of the usual "
                f"level (median of the other {_step_word(ind)}s {format_value(usual, ind)}): "
                "check whether part of the figure is missing or mistyped"
            )
            findings.append(Finding(IssueCode.NEAR_ZERO, period, message))
    return findings


def _material(ind: Indicator, value: float, usual: float) -> bool:
    """Big enough to be worth a reader's time: steady series otherwise flag ordinary wobbles."""
    if ind.unit is Unit.PERCENT:
        return abs(value - usual) >= OUTLIER_MIN_POINTS
    return abs(value - usual) >= OUTLIER_MIN_SHARE * abs(usual)


def _outliers(ind: Indicator, series: Sequence[Point], skip: set[Period]) -> list[Finding]:
    if len(series) < OUTLIER_MIN_VALUES:
        return []
    ordered = sorted(v for _, v in series)
    if not _any_material(ind, ordered):
        return []
    findings = []
    for period, value in series:
        if skip and period in skip:
            continue
        k = bisect.bisect_left(ordered, value)
        usual = _median_without(ordered, k)
        if not _material(ind, value, usual):
            continue  # cheap test first: most points are nowhere near an outlier
        others = ordered[:k] + ordered[k + 1 :]  # the other values, still sorted
        mad = statistics.median(abs(v - usual) for v in others)
        if mad == 0 or 0.6745 * abs(value - usual) / mad <= OUTLIER_Z:
            continue
        message = (
            f"{period.label} is {format_value(value, ind)}, far outside this indicator's other "
            f"values (median {format_value(usual, ind)}): check for a typing or unit error"
        )
        findings.append(Finding(IssueCode.OUTLIER, period, message))
    return findings


def _any_material(ind: Indicator, ordered: Sequence[float]) -> bool:
    """False when no value can be far enough from the usual level to be an outlier, known
    from the sorted values' spread without working out each usual level (kpixl.check.screen does
    the same for every indicator at once)."""
    # every usual level (a median of all values but one) lies between these two
    half = (len(ordered) - 1) // 2
    low, high = ordered[max(half - 1, 0)], ordered[half + 1]
    first, last = ordered[0], ordered[-1]
    if ind.unit is Unit.PERCENT:  # no value 15 points from any usual level
        far = OUTLIER_MIN_POINTS - OUTLIER_MARGIN
        small = first > -OUTLIER_CLEAR_MAX and last < OUTLIER_CLEAR_MAX  # rounding stays tiny
        return not (small and last - low < far and high - first < far)
    clear = (
        low > 0
        and first > (1 - OUTLIER_MIN_SHARE) * high * (1 + OUTLIER_MARGIN)
        and last < (1 + OUTLIER_MIN_SHARE) * low * (1 - OUTLIER_MARGIN)
    )
    return not clear


def _median_without(ordered: Sequence[float], k: int) -> float:
    """The median of sorted values without the one at index k, without copying them."""
    n = len(ordered) - 1
    mid = n // 2

    def at(j: int) -> float:  # the j-th of the others
        return ordered[j] if j < k else ordered[j + 1]

    return at(mid) if n % 2 else (at(mid - 1) + at(mid)) / 2


def check_series(ind: Indicator, series: Sequence[tuple[Period, float]]) -> list[Finding]:
    """Plausibility warnings for one indicator's series (in period order, gaps allowed)."""
    points = [(p, v) for p, v in series if math.isfinite(v)]
    findings: list[Finding] = []
    near_zero: list[Finding] = []
    if ind.unit in NON_PERCENT:
        findings += _drag_fills(ind, points)
        near_zero = _near_zero(ind, points)
    if ind.unit in FLAT_UNITS:
        findings += _flat_runs(ind, points)
    findings += near_zero
    findings += _outliers(ind, points, {f.period for f in near_zero})
    return sorted(findings, key=lambda f: f.period)
