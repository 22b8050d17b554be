"""Which indicators can raise no warning when rated: proven for all of them at once.

Rating an indicator (kpixl.rate.scoring) looks for missing figures, YTDs that disagree and odd
series (kpixl.check.plausibility). Most indicators of most runs have a figure for every month and an
ordinary series, and going through each of them in Python is most of what `kpixl validate`
spends after reading. The tests here are the rules' own first, cheap tests, done with numpy
for every indicator together; an indicator they cannot clear is rated one by one as before,
so a warning is never lost (tests/test_check_dense.py holds the screen to the rules).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kpixl.check.figures import Figures
from kpixl.check.plausibility import (
    DRAG_FILL_STEPS,
    FLAT_RUN_STEPS,
    FLAT_UNITS,
    NEAR_ZERO_MIN_OTHERS,
    NEAR_ZERO_SHARE,
    NON_PERCENT,
    OUTLIER_CLEAR_MAX,
    OUTLIER_MARGIN,
    OUTLIER_MIN_POINTS,
    OUTLIER_MIN_SHARE,
    OUTLIER_MIN_VALUES,
)
from kpixl.periods import Period
from kpixl.register.model import Register, Unit, YtdMethod

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


def quiet(register: Register, figures: Figures, period: Period) -> set[str]:
    """The refs of indicators rating for `period` is sure to raise no warning for."""
    inds = list(register.indicators.values())
    busy = _busy(figures)
    ratio = np.array([i.ytd is YtdMethod.RATIO for i in inds], dtype=bool)
    seen = np.array([i.service_area in figures.areas_seen for i in inds], dtype=bool)
    free = ~ratio & np.array([i.ref not in busy for i in inds], dtype=bool)
    dense = figures.dense
    if dense is None:
        nothing = np.ones(len(inds), dtype=bool)
        full = np.zeros(len(inds), dtype=bool)
        values: Floats = np.empty((len(inds), 0))
    else:
        given = ~np.isnan(dense.values)
        nothing = ~given.any(axis=1) if given.size else np.ones(len(inds), dtype=bool)
        values = _due_values(dense.values, dense.col_of, period, register.settings.fy_start_month)
        full = ~np.isnan(values).any(axis=1) & ~nothing
    monthly = np.array([not i.is_quarterly for i in inds], dtype=bool)
    units = [i.unit for i in inds]
    ok = free & ((nothing & ~seen) | (full & monthly & _ordinary(values, units)))
    return {inds[i].ref for i in np.flatnonzero(ok)}


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


def _ordinary(values: Floats, units: list[Unit]) -> Flags:
    """Rows (every value given and finite) for which no plausibility check can find anything:
    each check's own first test (kpixl.check.plausibility), for all rows at once."""
    n = values.shape[1]
    if n == 0:
        return np.ones(values.shape[0], dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        steps = values[:, 1:] - values[:, :-1]
        ordered = np.sort(values, axis=1)
        non_percent = np.array([u in NON_PERCENT for u in units], dtype=bool)
        flat_unit = np.array([u in FLAT_UNITS for u in units], dtype=bool)
        percent = np.array([u is Unit.PERCENT for u in units], dtype=bool)
        drag = (np.abs(steps - 1.0) <= 1e-9).sum(axis=1) >= DRAG_FILL_STEPS
        flat = (values[:, 1:] == values[:, :-1]).sum(axis=1) >= FLAT_RUN_STEPS
        near_zero = ordered[:, 0] < NEAR_ZERO_SHARE * ordered[:, -1]
        near_zero &= n - 1 >= NEAR_ZERO_MIN_OTHERS
        outlier = _maybe_material(ordered, percent)
        outlier &= n >= OUTLIER_MIN_VALUES
        odd: Flags = (non_percent & (drag | near_zero)) | (flat_unit & flat) | outlier
    finite: Flags = np.all(np.isfinite(values), axis=1)
    return ~odd & finite


def _maybe_material(ordered: Floats, percent: Flags) -> Flags:
    """kpixl.check.plausibility._any_material for every row (rows sorted)."""
    n = ordered.shape[1]
    half = (n - 1) // 2
    low, high = ordered[:, max(half - 1, 0)], ordered[:, min(half + 1, n - 1)]
    first, last = ordered[:, 0], ordered[:, -1]
    far = OUTLIER_MIN_POINTS - OUTLIER_MARGIN
    small = (first > -OUTLIER_CLEAR_MAX) & (last < OUTLIER_CLEAR_MAX)
    percent_clear = small & (last - low < far) & (high - first < far)
    share_clear = (
        (low > 0)
        & (first > (1 - OUTLIER_MIN_SHARE) * high * (1 + OUTLIER_MARGIN))
        & (last < (1 + OUTLIER_MIN_SHARE) * low * (1 - OUTLIER_MARGIN))
    )
    clear: Flags = np.where(percent, percent_clear, share_clear)
    return ~clear
