"""Which indicators can raise no warning when rated: proven for all of them at once.

Rating an indicator (kpixl.rate.scoring) looks for missing figures, YTDs that disagree and odd
series (kpixl.check.plausibility). Most indicators of most runs have a figure for every month and an
ordinary series, and going through each of them in Python is most of what `kpixl validate`
spends after reading. The tests here are the rules' own first, cheap tests, done with numpy
for every indicator together; an indicator they cannot clear is rated one by one as before,
so a warning is never lost (tests/test_check_dense.py holds the screen to the rules).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kpixl.check import levels
from kpixl.check import screen_slips as slips
from kpixl.check.figures import Figures
from kpixl.check.level import Level
from kpixl.check.plausibility import LOG_UNITS, MIN_POINTS, OFTEN_NOTHING
from kpixl.check.runs import PLUS_ONE_TOLERANCE, RUN_STEPS
from kpixl.periods import Period
from kpixl.register.model import Indicator, Register, Unit, YtdMethod

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

PART_ROWS = 2_000  # fewer indicators are screened in one part: a part has its own costs


@dataclass(frozen=True)
class Screened:
    """What the screen found: the indicators sure to raise no warning, and the levels it
    measured for the plain ones it could not clear (the rules need not measure them again);
    `todo`, the others, in register order (of the part screened, when screened in parts)."""

    quiet: set[str]
    levels: dict[str, Level]
    todo: list[Indicator] = field(default_factory=list)


def quiet(register: Register, figures: Figures, period: Period) -> set[str]:
    """The refs of indicators rating for `period` is sure to raise no warning for."""
    return screen(register, figures, period).quiet


def screen(register: Register, figures: Figures, period: Period) -> Screened:
    """The indicators rating for `period` is sure to raise no warning for, and the rest's levels."""
    return parts(register, figures, period, 1)[0]()


def parts(
    register: Register, figures: Figures, period: Period, count: int
) -> list[Callable[[], Screened]]:
    """The screen in `count` parts of the register's indicators (in order, a part at least
    PART_ROWS long), each worked out when called: the indicators judged one by one can be
    started on while the rest are screened (kpixl.forked.streamed_map)."""
    rows = _Rows(register, figures, period)
    n = len(rows.inds)
    count = max(1, min(count, n // PART_ROWS))
    bounds = [n * k // count for k in range(count + 1)]
    return [functools.partial(rows.screened, lo, hi) for lo, hi in itertools.pairwise(bounds)]


class _Rows:
    """What the screen needs of every indicator, worked out once for all its parts."""

    def __init__(self, register: Register, figures: Figures, period: Period) -> None:
        self.inds = inds = list(register.indicators.values())
        busy = _busy(figures)
        ratio = np.array([i.ytd is YtdMethod.RATIO for i in inds], dtype=bool)
        seen = np.array([i.service_area in figures.areas_seen for i in inds], dtype=bool)
        self.free = ~ratio & np.array([i.ref not in busy for i in inds], dtype=bool)
        dense = figures.dense
        if dense is None:
            self.nothing = np.ones(len(inds), dtype=bool)
            full = np.zeros(len(inds), dtype=bool)
            self.values: Floats = np.empty((len(inds), 0))
        else:
            given = ~np.isnan(dense.values)
            self.nothing = ~given.any(axis=1) if given.size else np.ones(len(inds), dtype=bool)
            fy_start = register.settings.fy_start_month
            self.values = _due_values(dense.values, dense.col_of, period, fy_start)
            full = ~np.isnan(self.values).any(axis=1) & ~self.nothing
            full &= ~_given_before(given, dense.col_of, period.fy_start(fy_start))
        monthly = np.array([not i.is_quarterly for i in inds], dtype=bool)
        self.units = [i.unit for i in inds]
        self.summed = np.array([i.ytd is YtdMethod.SUM for i in inds], dtype=bool)
        self.plain = self.free & full & monthly
        self.unseen = self.nothing & ~seen

    def screened(self, lo: int, hi: int) -> Screened:
        """The screen of indicators lo to hi (as `screen` screens them all)."""
        inds, part = self.inds, slice(lo, hi)
        clear, measured = _judged(self.values[part], self.units[part], self.summed[part])
        plain = self.plain[part]
        ok = self.free[part] & (self.unseen[part] | (plain & clear))
        found = {
            inds[lo + i].ref: level
            for i, level in measured.items()
            if plain[i] and not clear[i]  # rated one by one: the rules take these levels
        }
        todo = [ind for ind, quiet in zip(inds[part], ok.tolist(), strict=True) if not quiet]
        return Screened({inds[lo + i].ref for i in np.flatnonzero(ok)}, found, todo)


def _busy(figures: Figures) -> set[str]:
    """Indicators with anything beyond plain monthly values: rated one by one."""
    busy = set(figures.by_ref) | {ref for ref, _ in figures.marked_na}
    busy |= {ref for _, ref, _ in figures.rejected}
    if figures.dense is not None:
        busy |= figures.dense.popped
    return busy


def _due_values(values: Floats, col_of: dict[Period, int], period: Period, fy_start: int) -> Floats:
    """Each indicator's values for the FY's months up to `period` (NaN where none)."""
    months = period.fy_months(fy_start)
    cols = np.array([col_of.get(m, -1) for m in months], dtype=np.intp)
    padded = np.hstack([values, np.full((values.shape[0], 1), np.nan)])  # column -1: none
    return padded[:, cols]


def _given_before(given: Flags, col_of: dict[Period, int], start: Period) -> Flags:
    """Rows with a figure before the financial year: last year's figures join the series."""
    before = [col for p, col in col_of.items() if p < start]
    if not before:
        return np.zeros(given.shape[0], dtype=bool)
    return np.asarray(given[:, before].any(axis=1), dtype=bool)


def _ordinary(values: Floats, units: list[Unit], summed: Flags | None = None) -> Flags:
    """Rows (every value given and finite) for which no plausibility check can find anything:
    each check's own first test (kpixl.check.plausibility), for all rows at once."""
    return _judged(values, units, summed)[0]


def _judged(
    values: Floats, units: list[Unit], summed: Flags | None
) -> tuple[Flags, dict[int, Level]]:
    """_ordinary, and the levels measured for the rows it could not clear, by row."""
    n = values.shape[1]
    if n == 0:
        return np.ones(values.shape[0], dtype=bool), {}
    finite: Flags = np.all(np.isfinite(values), axis=1)
    with np.errstate(invalid="ignore", over="ignore"):
        percent = np.array([u is Unit.PERCENT for u in units], dtype=bool)
        same = (values[:, 1:] == values[:, :-1]).sum(axis=1) >= RUN_STEPS
        ones = np.abs(values[:, 1:] - values[:, :-1] - 1.0) <= PLUS_ONE_TOLERANCE
        odd: Flags = same | (~percent & (ones.sum(axis=1) >= RUN_STEPS))
    log = np.array([u in LOG_UNITS for u in units], dtype=bool)
    # a count or money series that is often nothing is measured on its other months: one by one
    odd |= log & ((values == 0).sum(axis=1) >= OFTEN_NOTHING)
    if n >= MIN_POINTS and finite.any():
        rows = np.flatnonzero(finite)
        found = levels.measure(values[rows], log[rows], percent[rows])
        summed_rows = np.ones(len(rows), dtype=bool) if summed is None else summed[rows]
        far = slips.possible(values[rows], found, percent[rows], summed_rows).any(axis=1)
        odd[rows] |= far
        looked_at = np.flatnonzero(odd[rows])  # rated one by one: the rules take these levels
        measured = {int(rows[k]): found.level(values[rows[k]], int(k)) for k in looked_at}
        return ~odd & finite, measured
    return ~odd & finite, {}
