"""How far each month is from the level of its nearest months, in the series' own noise.

The one numeric core of the plausibility checks, done with numpy for many series at once:
kpixl.check.plausibility runs it on one indicator's series, kpixl.check.screen on every plain
indicator of a run together, so the screen clears exactly what the rules would not warn on.

For each month the level is predicted from up to three months on each side (a side of one
month only when the other has no more), leaving the month out: each neighbour is moved on by
the series' trend (the median slope between every two other months). A value between the two
sides' levels fits (a real step change or a trend); otherwise its distance to the nearer side
is measured in the typical size of the series' month-to-month changes, leaving out the two
changes that touch the month. Counts and money are measured on a log scale (a ×10 slip is as
far at 50 as at 50,000), percentages and series with negative values on their own scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]

SIDE = 3  # months on each side that make the level
MAD_SD = 1.4826  # a median absolute deviation times this estimates a standard deviation
LOG_NOISE_FLOOR = 0.02  # changes under 2% are treated as 2%: no series is steadier than that
PERCENT_NOISE_FLOOR = 0.005  # half a percentage point
LINEAR_NOISE_FLOOR = 0.02  # of the typical size, for series with negative values
FINEST, COARSEST = 6, -3  # decimal places looked at: from millionths to thousands


@dataclass(frozen=True)
class Levels:
    """For rows of values (one series a row, all finite, at least two columns)."""

    values: Floats  # the values themselves
    scaled: Floats  # on the scale measured: log(value + resolution), or the value
    log: Flags  # per row: measured on a log scale
    resolution: Floats  # per row: the step the figures are given in (1 for whole numbers)
    left: Floats  # level from the months before (NaN for the first month)
    right: Floats  # level from the months after (NaN for the last)
    noise: Floats  # typical month-to-month change, leaving out the month's own two
    z: Floats  # distance from the nearer side's level, in noise units (0 between the sides)

    def scale(self, row: int, value: float) -> float:
        """A candidate value on the row's measuring scale (NaN where it has none)."""
        if not self.log[row]:
            return value
        shifted = value + float(self.resolution[row])
        return float(np.log(shifted)) if shifted > 0 else float("nan")

    def z_of(self, row: int, col: int, scaled: float) -> float:
        """How far a candidate (on the measuring scale) would be from the month's level."""
        return distance(float(self.left[row, col]), float(self.right[row, col]), scaled) / float(
            self.noise[row, col]
        )


def distance(left: float, right: float, value: float) -> float:
    """0 between the two sides' levels, else the distance to the nearer (NaN side: the other)."""
    sides = [s for s in (left, right) if s == s]
    if not sides or value != value:
        return float("inf")
    low, high = min(sides), max(sides)
    return max(low - value, value - high, 0.0)


def resolution(values: Floats) -> Floats:
    """Per row, the coarsest power of ten every value is a whole multiple of (1e-6 at finest)."""
    found = np.full(values.shape[0], 10.0**-FINEST)
    settled = np.zeros(values.shape[0], dtype=bool)
    for places in range(COARSEST, FINEST + 1):
        scaled = values * 10.0**places
        whole = np.abs(scaled - np.rint(scaled)) <= 1e-6 * np.maximum(1.0, np.abs(scaled))
        fits = whole.all(axis=1) & ~settled
        found[fits] = 10.0**-places
        settled |= fits
    return found


def levels(values: Floats, log_units: Flags, percent: Flags) -> Levels:
    """Levels, noise and distances for every month of every row."""
    res = resolution(values)
    log = log_units & (values.min(axis=1) >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(log[:, None], np.log(values + res[:, None]), values)
    steps = np.diff(scaled, axis=1)
    typical = np.median(np.abs(values), axis=1)
    floor = np.where(
        log,  # 2%, or one step of the last digit: a count of 1 cannot move by less than 1
        np.maximum(LOG_NOISE_FLOOR, np.log1p(res / (typical + res))),
        np.where(
            percent,
            np.maximum(PERCENT_NOISE_FLOOR, res),
            np.maximum(LINEAR_NOISE_FLOOR * typical, res),
        ),
    )
    n = values.shape[1]
    first, second = np.triu_indices(n, k=1)
    slopes = (scaled[:, second] - scaled[:, first]) / (second - first)
    left, right, noise = (np.full(values.shape, np.nan) for _ in range(3))
    for i in range(n):
        # the trend: the median slope between every two other months (Theil and Sen's)
        drift = np.median(slopes[:, (first != i) & (second != i)], axis=1)
        others = steps[:, [j for j in range(n - 1) if j not in (i - 1, i)]]
        spread = np.median(np.abs(others - drift[:, None]), axis=1)
        noise[:, i] = np.maximum(MAD_SD * spread, floor)
        before = [i - k for k in range(1, SIDE + 1) if i - k >= 0]
        after = [i + k for k in range(1, SIDE + 1) if i + k < n]
        if len(before) == 1 and len(after) > 1:
            before = []  # one month is no level beside three: a peak next door would hide it
        if len(after) == 1 and len(before) > 1:
            after = []
        if before:
            moved = scaled[:, before] + drift[:, None] * np.array([i - j for j in before])
            left[:, i] = np.median(moved, axis=1)
        if after:
            moved = scaled[:, after] - drift[:, None] * np.array([j - i for j in after])
            right[:, i] = np.median(moved, axis=1)
    low, high = np.fmin(left, right), np.fmax(left, right)
    gap = np.maximum(np.maximum(low - scaled, scaled - high), 0.0)
    return Levels(values, scaled, log, res, left, right, noise, gap / noise)


def of_series(values: list[float], *, log: bool, percent: bool) -> Levels:
    """Levels for one series."""
    return levels(np.array([values], dtype=np.float64), np.array([log]), np.array([percent]))
