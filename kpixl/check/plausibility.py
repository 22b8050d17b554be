"""Warnings about figures that are probably typing slips, each naming the value probably meant.

Soft edits in the manner of statistical offices: a month is queried only when it is far from
the level of its nearest months, measured in the series' own noise (kpixl.check.levels), *and*
a typical slip explains it (kpixl.check.slips), or when it is an order of magnitude away and
nothing explains it. Runs (a value copied forward, a +1 drag-fill) are queried only when a
series this noisy would hardly repeat itself by chance. See docs/rules.md.
"""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Sequence
from typing import NamedTuple

from kpixl.check.level import SIDE, Level, level
from kpixl.check.nothing import MIN_BEFORE, NOTHING_ODDS, is_total, odds_of_nothing
from kpixl.check.runs import runs
from kpixl.check.slips import YTD_WHY, Slip, candidates
from kpixl.check.wording import Finding, about, as_typed, format_value
from kpixl.check.year_total import typed_total
from kpixl.issues import IssueCode
from kpixl.periods import Period
from kpixl.register.model import Indicator, Unit, YtdMethod

__all__ = ["Finding", "check_series", "format_value"]

Point = tuple[Period, float]

LOG_UNITS = frozenset({Unit.COUNT, Unit.CURRENCY_K, Unit.SECONDS, Unit.NUMBER})
Z_SLIP = 5.0  # a value explained by a slip is this many typical changes from its level
Z_YTD = 2.5  # the year-to-date total fits so exactly that a nearer value is enough
Z_FIT = 2.0  # the value meant is at most this far from the level,
Z_YTD_FIT_FAR = 4.0  # or, for the year-to-date total, a quarter as far as the value typed, up to 4
FIT_SHARE = 0.25  # and at most a quarter as far as the value typed
Z_SCALE = 3.0  # ×/÷ 10, 100, 1000 or a sign: one exact candidate each, queried nearer
Z_SCALE_FIT = 4.0  # and the value meant may be a little further from the level
Z_SCALE_EDGE = 4.0  # where only one side tells the level (the year's first or last month)
Z_SWAP = 3.0  # swaps make several candidates: the value must be far,
Z_SWAP_FULL = 4.0  # and, nearer than this, the value meant must land almost on the level;
Z_SWAP_FIT = 1.0  # from here it must fit closely,
Z_SWAP_FIT_FAR = 3.0  # or be a quarter as far as the value typed (FIT_SHARE), up to 3
Z_SWAP_EDGE = 8.0  # where only one side tells the level (the year's first or last month)
NEEDED = {  # how far the value, and how near the value meant, where not Z_SLIP and Z_FIT
    IssueCode.YTD_IN_MONTH: (Z_YTD, Z_FIT),
    IssueCode.SWAPPED_DIGITS: (Z_SWAP, Z_SWAP_FIT),
    IssueCode.SCALE_SLIP: (Z_SCALE, Z_SCALE_FIT),
    IssueCode.WRONG_SIGN: (Z_SCALE, Z_SCALE_FIT),
}
Z_EXTREME = 8.0  # a move no slip explains: this far, and an order of magnitude
RANGE = 10.0  # a figure over this many times every other month: queried if ÷ brings it back
RANGE_RATE = 5.0  # a percentage under a fifth of every other month: queried if × brings it back
STRAY = 2.0  # a figure with a stray fraction this far outside the whole months' range: judged
EXTREME_LOG = math.log(10.0)
EXTREME_POINTS = 0.5  # for a percentage, an order of magnitude is half the scale
# nothing nearer than this can warn, but the year-to-date total typed (kpixl.check.screen)
Z_MIN = min(Z_SLIP, Z_SCALE, Z_SWAP, Z_EXTREME)
SEASON = 12  # months back to the same month last year
Z_SEASON = 2.0  # last year's month this far from its own level stood out: a dip or peak
MIN_POINTS = 6  # fewer values say too little about the level and the noise
OFTEN_NOTHING = 2  # zeros in a count or money series that make nothing one of its usual states
LUMPY_NOISE = math.log(1.5)  # a series that usually moves by half as much again or more


def check_series(
    ind: Indicator,
    series: Sequence[Point],
    history: Sequence[Point] = (),
    fy_start_month: int = 4,
    measured: Level | None = None,
) -> list[Finding]:
    """Plausibility warnings for one indicator's series this financial year (in period order,
    gaps allowed). `history` holds earlier figures (last year's): used for the level, the
    noise and the same month last year, never warned about themselves."""
    given = [(p, v) for p, v in series if math.isfinite(v)]
    first = len(history) - sum(1 for _, v in history if not math.isfinite(v))
    points = [(p, v) for p, v in history if math.isfinite(v)] + given if history else given
    findings = runs(ind, points, first)
    findings += _far_months(ind, points, first, fy_start_month, measured)
    return sorted(findings, key=lambda f: f.period)


def measured_points(ind: Indicator, points: Sequence[Point]) -> list[Point]:
    """The months the level is measured on: for a count or money series that is often nothing
    (receipts that come some months only), its months with something, so its zeros neither
    make its noise look huge nor are queried themselves; otherwise all of them."""
    if ind.unit in LOG_UNITS and sum(1 for _, v in points if v == 0) >= OFTEN_NOTHING:
        return [(p, v) for p, v in points if v != 0]
    return list(points)


def _far_months(
    ind: Indicator, every: Sequence[Point], first: int, fy_start: int, measured: Level | None
) -> list[Finding]:
    points = measured_points(ind, every)
    if len(points) < MIN_POINTS or first >= len(every):
        return []
    first = sum(1 for p, _ in points if p < every[first][0])  # this year's first, measured
    if measured is not None and measured.values == [v for _, v in points]:
        row = measured  # measured by the screen with the others (kpixl.check.screen)
    else:
        row = level(
            [v for _, v in points], log=ind.unit in LOG_UNITS, percent=ind.unit is Unit.PERCENT
        )
    summed = ind.ytd is YtdMethod.SUM and ind.unit is not Unit.PERCENT
    nearest = min(Z_MIN, Z_YTD) if summed else Z_MIN  # nothing nearer can be queried
    # often nothing (its zeros left out): a month may be the YTD typed where there was nothing
    nothing = (len(every) - len(points)) / (len(every) - 1) if summed else 0.0
    beyond = _beyond_range(ind, points) | _stray_fraction(ind, points)
    findings = []
    # where the months move a lot, the YTD typed may be near the level in its own noise
    over = _over_year_so_far(every, fy_start) if summed and row.log else frozenset()
    for i in range(first, len(points)):
        judged = row.z[i] >= nearest or i in beyond
        if not judged and not nothing and points[i][0] not in over:
            continue
        year_before = _year_before(ind, every, points[i][0], fy_start)
        finding = (
            _judge(ind, points, i, row, year_before, i in beyond, fy_start) if judged else None
        )
        if finding is None and nothing and is_total(points[i][1], year_before):
            finding = _total_of_nothing(ind, points, i, row, nothing)
        if finding is None and points[i][0] in over:
            finding = _total_typed(ind, points, i, row, year_before)
        if finding is not None:
            findings.append(finding)
    return findings


def _over_year_so_far(every: Sequence[Point], fy_start: int) -> frozenset[Period]:
    """The periods whose figure is more than the total of its financial year's figures before
    it (two or more): the only ones the year-to-date total typed in them could explain."""
    over: set[Period] = set()
    year, total, count = None, 0.0, 0
    for period, value in every:
        start = period.fy_start(fy_start)
        if start != year:
            year, total, count = start, 0.0, 0
        if count >= MIN_BEFORE and value > total:
            over.add(period)
        total, count = total + value, count + 1
    return frozenset(over)


def _total_typed(
    ind: Indicator, points: Sequence[Point], i: int, row: Level, year_before: list[float] | None
) -> Finding | None:
    """The warning for a month that reads far likelier as an ordinary month with this year's
    months before it added than as a month that high (kpixl.check.year_total)."""
    meant = typed_total(row, i, year_before)
    if meant is None:
        return None
    return _queried(ind, points, i, Slip(IssueCode.YTD_IN_MONTH, meant, YTD_WHY), row)


def _total_of_nothing(
    ind: Indicator, points: Sequence[Point], i: int, row: Level, nothing: float
) -> Finding | None:
    """The warning for a month that is exactly this year's total before it, in a series that
    has nothing in a share `nothing` of its months, when that reading is far the likelier
    (kpixl.check.nothing)."""
    if odds_of_nothing(row, i, nothing) < NOTHING_ODDS:
        return None
    why = (
        "it is exactly the total of this year's months before it: the year-to-date total "
        "typed in a month with nothing"
    )
    return _queried(ind, points, i, Slip(IssueCode.YTD_IN_MONTH, 0.0, why), row)


def _queried(ind: Indicator, points: Sequence[Point], i: int, slip: Slip, row: Level) -> Finding:
    """The warning naming the value probably meant (to the step the series' figures are given
    in) and the slip that would have typed month i's figure instead."""
    period, value = points[i]
    usual = about(_neighbours(points, i), ind)  # the level a reader would name
    meant = as_typed(_rounded(slip.meant, row.resolution), ind)
    return Finding(
        slip.code,
        period,
        f"{period.label} is {as_typed(value, ind)}; the usual level is {usual}: was {meant} "
        f"meant? ({slip.why})",
    )


def _judge(
    ind: Indicator,
    points: Sequence[Point],
    i: int,
    row: Level,
    year_before: list[float] | None,
    beyond: bool = False,
    fy_start: int = 4,
) -> Finding | None:
    """The warning for a month far from its level: the slip that best explains it, else an
    extreme move, else none. `year_before` holds this year's earlier months, when all given;
    `beyond`, whether the month is beyond the series' range (_beyond_range)."""
    period, value = points[i]
    seasonal, stood_out = _same_month_last_year(points, i, row)
    # last year's month makes this one less far only where it stood out from its own months
    z = min(row.z[i], _z_from(row, i, seasonal, row.scaled[i])) if stood_out else row.z[i]
    # the series' first or last month: one side only tells its level (unless last year does)
    edge = seasonal is None and i in (0, len(points) - 1)
    # the series has been there before: a feature of it, not a slip, unless it is the year to
    # date exactly (a March spike may be as high as a quarter's total) with a level each side
    lonely = beyond or _lonely(row, i, seasonal)  # beyond: outside every other month
    if not lonely and (
        year_before is None or row.left[i] != row.left[i] or row.right[i] != row.right[i]
    ):
        return None
    season = seasonal is None and _in_season(ind, row, i, period, fy_start)
    slip = _best_slip(ind, row, i, year_before, _Month(z, edge, seasonal, lonely, season))
    if slip is None and lonely and beyond:
        slip = _back_in_range(ind, points, i)
    if slip is not None:
        return _queried(ind, points, i, slip, row)
    if value == 0 and row.log and row.noise[i] >= LUMPY_NOISE:
        return None  # a flow this lumpy may well have nothing some month
    level = _level_near(row, i, seasonal, value)
    if lonely and z >= Z_EXTREME and _order_of_magnitude(ind, row, i, level):
        return _extreme(ind, period, value, _neighbours(points, i))
    return None


class _Month(NamedTuple):
    """How a far month stands: how far from its level (z), whether its level shows on one
    side only, its level from the same month last year, whether no other month is near, and
    whether it goes the way its season often goes with last year unknown (_in_season)."""

    z: float
    edge: bool
    seasonal: float | None
    lonely: bool
    season: bool = False


def _in_season(ind: Indicator, row: Level, i: int, period: Period, fy_start: int) -> bool:
    """A December below its level (Christmas) or the financial year's last month above it
    (year-end spending, catching up): how a council's monthly flows (counts and money summed
    over the year) often go. Where last year's same month is not known to tell, a swap of two
    digits — the weakest explanation — is not offered for such a month: a real dip happens to
    be one swap from the level too often. A percentage or a stock has no such season."""
    flow = ind.ytd is YtdMethod.SUM and ind.unit is not Unit.PERCENT
    if ind.is_quarterly or not flow:
        return False
    sides = [float(x) for x in (row.left[i], row.right[i]) if x == x]
    if not sides:
        return False
    below, above = row.scaled[i] < min(sides), row.scaled[i] > max(sides)
    year_end = period.month % 12 + 1 == fy_start  # (December too, in a calendar year)
    return (period.month == 12 and below) or (year_end and above)


def _best_slip(
    ind: Indicator, row: Level, i: int, year_before: list[float] | None, month: _Month
) -> Slip | None:
    """The slip whose value meant fits the month's level best, each within its thresholds."""
    z, edge, seasonal = month.z, month.edge, month.seasonal
    best: tuple[float, Slip] | None = None
    sides = [float(x) for x in (row.left[i], row.right[i]) if x == x]  # the levels either side
    # else no swap could be far enough, or the month is where its season often takes it
    swaps = z >= (Z_SWAP_EDGE if edge else Z_SWAP) and not month.season
    # the value typed may fit last year's month as well as any value meant would
    own = min(z, _z_from(row, i, seasonal, row.scaled[i]))
    for slip in candidates(ind, row.values[i], year_before, swaps=swaps):
        if not month.lonely and slip.code is not IssueCode.YTD_IN_MONTH:
            continue
        both = slip.code is IssueCode.SWAPPED_DIGITS  # the weakest explanation: fit each side
        needed, close = _thresholds(slip.code, z, edge)
        if z < needed:
            continue  # not far enough for this slip: how well it fits cannot matter
        scaled = row.scale(slip.meant)
        fit = min(_z_near(sides, row.noise[i], scaled, both), _z_from(row, i, seasonal, scaled))
        if fit <= close and fit <= FIT_SHARE * own and (best is None or fit < best[0]):
            best = (fit, slip)
    return None if best is None else best[1]


def _beyond_range(ind: Indicator, points: Sequence[Point]) -> frozenset[int]:
    """The months more than RANGE times the largest of the series' other months: ONS's
    "thousand pound" test, for a series whose months move too much for its noise to tell a
    ×/÷ slip (lumpy receipts). Only above: in such a series a month with little in it is
    real often enough (PI03c's 30 among thousands). For a percentage, only below: under a
    fifth (RANGE_RATE) of the smallest of its other months (5.7% or 0.41% among 40% to 75%),
    where its own noise, on the scale of points, cannot tell a ÷ 10 or 100 from a bad month."""
    sizes = [abs(v) for _, v in points]
    some = sorted(x for x in sizes if x)
    if len(some) < 3:
        return frozenset()
    if ind.unit is Unit.PERCENT:
        low = some[0]  # the others' smallest: the next smallest for the smallest itself
        return frozenset(
            i
            for i, x in enumerate(sizes)
            if x > 0 and RANGE_RATE * x < (some[1] if x == low else low)
        )
    high = some[-1]  # the others' largest: the next largest for the largest itself
    return frozenset(
        i for i, x in enumerate(sizes) if x > RANGE * (some[-2] if x == high else high)
    )


def _stray_fraction(ind: Indicator, points: Sequence[Point]) -> frozenset[int]:
    """The one month of a count, money or number series whose figure has a fraction where
    every other month is whole, and that lies well outside their range (under half the
    smallest or over twice the largest: 80.8 among 586 to 2,748; -75.5 among -597 to -861):
    the decimal point slipped as it was typed, if × 10, 100 or 1000 brings it back among them
    (_back_in_range). 98.44 among 100 to 103 is no slip of ×/÷ 10."""
    if ind.unit is Unit.PERCENT:
        return frozenset()
    stray = [i for i, (_, v) in enumerate(points) if v != round(v)]
    if len(stray) != 1:
        return frozenset()
    sizes = [abs(v) for j, (_, v) in enumerate(points) if j != stray[0] and v != 0]
    size = abs(points[stray[0]][1])
    if len(sizes) < MIN_POINTS - 1 or min(sizes) / STRAY <= size <= max(sizes) * STRAY:
        return frozenset()
    return frozenset(stray)


def _back_in_range(ind: Indicator, points: Sequence[Point], i: int) -> Slip | None:
    """The ÷ 10, 100 or 1000 that brings a month beyond the series' range back among the
    other months (those with something in them), the nearest their middle."""
    others = [abs(v) for j, (_, v) in enumerate(points) if j != i and v != 0]
    low, high, middle = min(others), max(others), statistics.median(others)
    among = [
        slip
        for slip in candidates(ind, points[i][1], None, swaps=False)
        if slip.code is IssueCode.SCALE_SLIP and low <= abs(slip.meant) <= high
    ]
    return min(among, key=lambda s: abs(math.log(abs(s.meant) / middle)), default=None)


def _thresholds(code: IssueCode, z: float, edge: bool) -> tuple[float, float]:
    """How far from its level a month must be for a slip of `code` to explain it, and how near
    the value meant must then be, in typical changes (`z`: how far it is; `edge`: the series'
    first or last month, with a level on one side only)."""
    needed, close = NEEDED.get(code, (Z_SLIP, Z_FIT))
    if code is IssueCode.SWAPPED_DIGITS:
        return (Z_SWAP_EDGE if edge else needed), swap_fit(z)
    if code is IssueCode.YTD_IN_MONTH:
        return needed, max(close, min(Z_YTD_FIT_FAR, FIT_SHARE * z))
    if edge and code in (IssueCode.SCALE_SLIP, IssueCode.WRONG_SIGN):
        return max(needed, Z_SCALE_EDGE), close
    return needed, close


def swap_fit(z: float) -> float:
    """How near both sides' levels a value meant by swapping two digits must be, in typical
    changes, for a value typed `z` of them away: within 1, or a quarter of `z` up to 3 (a
    swap that brings a value from far off to nearly the level); from 3 to 4 away, within
    what `z` is past 3 (a swap that lands on the level is worth a query a little nearer)."""
    if z < Z_SWAP_FULL:
        return max(0.0, min(Z_SWAP_FIT, z - Z_SWAP))
    return max(Z_SWAP_FIT, min(Z_SWAP_FIT_FAR, FIT_SHARE * z))


def _same_month_last_year(points: Sequence[Point], i: int, row: Level) -> tuple[float | None, bool]:
    """The month's level predicted from the same month last year, moved by how much the
    nearest months have changed since last year (None when last year is not known), and
    whether last year's month stood out from its own months (a December dip, a March peak)."""
    if points[0][0] > points[i][0].shift(-SEASON):
        return None, False  # the series starts after the same month last year
    where = {p: j for j, (p, _) in enumerate(points)}
    then = where.get(points[i][0].shift(-SEASON))
    if then is None:
        return None, False
    moves = [
        row.scaled[j] - row.scaled[k]
        for j in range(max(0, i - 3), min(len(points), i + 4))
        if j != i and (k := where.get(points[j][0].shift(-SEASON))) is not None
    ]
    if not moves:
        return None, False
    return row.scaled[then] + statistics.median(moves), row.z[then] >= Z_SEASON


def _z_near(sides: list[float], noise: float, scaled: float, both: bool) -> float:
    """How far a meant value would be, in `noise`s, from the nearer side's level (not anywhere
    between), or with `both` from the further one."""
    if scaled != scaled or not sides:
        return math.inf
    far = (max if both else min)(abs(scaled - x) for x in sides)
    return far / noise


def _lonely(row: Level, i: int, seasonal: float | None) -> bool:
    """True when no other month of the series is near the value (within half its distance from
    the level, and within Z_FIT typical changes): a lumpy series' third zero, a second spike,
    are how that series goes."""
    scaled = row.scaled
    here = float(scaled[i])
    levels = [float(x) for x in (row.left[i], row.right[i], seasonal) if x is not None]
    reach = min(min(abs(here - x) for x in levels if x == x) / 2, Z_FIT * row.noise[i])
    return all(abs(float(scaled[j]) - here) > reach for j in range(len(scaled)) if j != i)


def _z_from(row: Level, i: int, seasonal: float | None, scaled: float) -> float:
    """How far a value (on the measuring scale) is from the same month last year's level."""
    if seasonal is None or scaled != scaled:
        return math.inf
    return abs(scaled - seasonal) / row.noise[i]


def _year_before(
    ind: Indicator, every: Sequence[Point], period: Period, fy_start: int
) -> list[float] | None:
    """This financial year's values before `period`, None unless every one of them is given."""
    if ind.ytd is not YtdMethod.SUM or ind.unit is Unit.PERCENT:
        return None  # no year-to-date total to type
    due = _due_before(period, fy_start, ind.is_quarterly)
    i = next((j for j in range(len(every) - 1, -1, -1) if every[j][0] == period), -1)
    if not due or i < len(due):
        return None
    earlier = every[i - len(due) : i]  # in period order: the due months, if all are given
    if any(p != m for (p, _), m in zip(earlier, due, strict=True)):
        return None
    return [v for _, v in earlier]


@functools.lru_cache(maxsize=256)
def _due_before(period: Period, fy_start: int, quarterly: bool) -> tuple[Period, ...]:
    return tuple(
        m
        for m in period.fy_months(fy_start)
        if m < period and (not quarterly or m.is_quarter_end(fy_start))
    )


def _level_near(row: Level, i: int, seasonal: float | None, value: float) -> float:
    """The level (before, after, or last year's) nearest a value, on the value's own scale."""
    levels = [row.left[i], row.right[i]]
    levels += [seasonal] if seasonal is not None else []
    target = row.scale(value)
    known = [x for x in levels if x == x]
    nearest = min(known, key=lambda x: abs(x - target) if target == target else 0.0)
    if row.log:
        return math.exp(nearest) - row.resolution
    return nearest


def _neighbours(points: Sequence[Point], i: int) -> float:
    """The median of the nearest months on both sides, leaving the month out: the level a
    reader would name."""
    near = [v for j, (_, v) in enumerate(points) if j != i and abs(j - i) <= SIDE]
    return statistics.median(near)


def _rounded(meant: float, resolution: float) -> float:
    """A meant value to the step the series' figures are given in."""
    return round(round(meant / resolution) * resolution, 6)


def _order_of_magnitude(ind: Indicator, row: Level, i: int, level: float) -> bool:
    value = row.values[i]
    if ind.unit is Unit.PERCENT:
        return abs(value - level) >= EXTREME_POINTS
    if row.log:
        return abs(row.scaled[i] - row.scale(level)) >= EXTREME_LOG
    return abs(value - level) >= 9 * abs(level)


def _extreme(ind: Indicator, period: Period, value: float, level: float) -> Finding:
    typed, usual = as_typed(value, ind), about(level, ind)
    percent = ind.unit is Unit.PERCENT
    if value < level:
        how = "far below" if percent else "under a tenth of"
        return Finding(
            IssueCode.NEAR_ZERO,
            period,
            f"{period.label} is {typed}, {how} the usual level ({usual}), and no typing slip "
            "explains it: check whether part of the figure is missing",
        )
    how = "far above" if percent else "over ten times"
    return Finding(
        IssueCode.OUTLIER,
        period,
        f"{period.label} is {typed}, {how} the usual level ({usual}), and no typing slip "
        "explains it: check the figure and its unit",
    )
