"""kpixl.check.level for every plain indicator of a run at once, with numpy (the screen).

The same rules, month by month, for rows of series of the same length; the screen clears an
indicator only when no month of its row is far enough from its level to be queried.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kpixl.check.level import (
    COARSEST,
    FEW_CHANGES,
    FINEST,
    LINEAR_NOISE_FLOOR,
    LOG_NOISE_FLOOR,
    PERCENT_NOISE_FLOOR,
    Level,
    kept_count,
    kept_scale,
    sides,
)

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]


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


def median(rows: Floats) -> Floats:
    """np.median(rows, axis=1), by sorting: several times quicker on rows this short (numpy's
    partition is slow on noisy data), and the same to the bit (the middle value, or the mean
    of the two middle ones; NaN where a row holds one)."""
    ordered = np.sort(rows, axis=1)
    half = rows.shape[1] // 2
    # + 0.0 before dividing, as numpy's mean sums from 0.0: a median of -0.0 is 0.0 there
    found: Floats = (
        ordered[:, half] + 0.0
        if rows.shape[1] % 2
        else (ordered[:, half - 1] + ordered[:, half] + 0.0) / 2
    )
    if np.isnan(ordered[:, -1]).any():  # NaN sorts last
        found = np.where(np.isnan(ordered[:, -1]), np.nan, found)
    return found


@dataclass(frozen=True)
class Measured:
    """kpixl.check.level's Level for rows of series: one row a series, one column a month."""

    scaled: Floats
    log: Flags  # per row
    resolution: Floats  # per row
    left: Floats
    right: Floats
    noise: Floats
    z: Floats

    def level(self, values: Floats, row: int) -> Level:
        """One row as kpixl.check.level's Level (its values given)."""
        return Level(
            [float(v) for v in values],
            self.scaled[row].tolist(),
            bool(self.log[row]),
            float(self.resolution[row]),
            self.left[row].tolist(),
            self.right[row].tolist(),
            self.noise[row].tolist(),
            self.z[row].tolist(),
        )

    def rows(self, rows: npt.NDArray[np.intp]) -> Measured:
        """These rows only, in this order."""
        return self._picked(rows, rows)

    def cells(self, rows: npt.NDArray[np.intp], cols: npt.NDArray[np.intp]) -> Measured:
        """These months only, each a row of its own (one column): for what is worked out
        month by month, with nothing from the month's neighbours but its level and noise."""
        return self._picked((rows[:, None], cols[:, None]), rows)

    def _picked(
        self,
        months: npt.NDArray[np.intp] | tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]],
        rows: npt.NDArray[np.intp],
    ) -> Measured:
        """The months `months` indexes (rows x columns) with the per-row facts of `rows`."""
        return Measured(
            self.scaled[months],
            self.log[rows],
            self.resolution[rows],
            self.left[months],
            self.right[months],
            self.noise[months],
            self.z[months],
        )

    def scale(self, values: Floats) -> Floats:
        """Candidate values (one per month) on each row's measuring scale (NaN where none)."""
        shifted = values + self.resolution[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = np.where(shifted > 0, np.log(np.where(shifted > 0, shifted, 1.0)), np.nan)
        scaled: Floats = np.where(self.log[:, None], logged, values)
        return scaled


def log_floor(typical: Floats, res: Floats) -> Floats:
    """The least noise of rows measured on the log scale, from their typical size and the step
    their figures are given in (kpixl.check.level's noise_floor)."""
    floor: Floats = np.maximum(LOG_NOISE_FLOOR, np.log1p(res / (typical + res)))
    return floor


def typical_change(deviations: Floats) -> Floats:
    """kpixl.check.level's typical_change for each row: the root mean square of the row's
    smallest three quarters, scaled as there."""
    n = deviations.shape[1]
    kept = np.sort(deviations, axis=1)[:, : kept_count(n)]
    top = kept[:, -1]  # as shares of the largest, as there
    usual = (top > 0) & np.isfinite(top)
    with np.errstate(over="ignore", invalid="ignore"):  # rows of 0 or inf: their top is taken
        shares = kept / np.where(usual, top, 1.0)[:, None]
        rms = top * np.sqrt((shares**2).mean(axis=1))
    found: Floats = kept_scale(n) * np.where(usual, rms, top)
    return found


def measure(values: Floats, log_units: Flags, percent: Flags) -> Measured:
    """Every month's level, noise and distance from the level, per row."""
    res = resolution(values)
    log = log_units & (values.min(axis=1) >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = np.where(log[:, None], np.log(values + res[:, None]), values)
    typical = median(np.abs(values))
    floor = np.where(
        log,
        log_floor(typical, res),
        np.where(
            percent,
            np.maximum(PERCENT_NOISE_FLOOR, res),
            np.maximum(LINEAR_NOISE_FLOOR * typical, res),
        ),
    )
    n = values.shape[1]
    steps = np.diff(scaled, axis=1)
    first, second = np.triu_indices(n, k=1)
    slopes = (scaled[:, second] - scaled[:, first]) / (second - first)
    left, right, noise = (np.full(values.shape, np.nan) for _ in range(3))
    for i in range(n):
        trend = median(slopes[:, (first != i) & (second != i)])
        others = steps[:, [j for j in range(n - 1) if j not in (i - 1, i)]]
        widen = FEW_CHANGES.get(others.shape[1], 1.0)
        noise[:, i] = np.maximum(typical_change(np.abs(others - trend[:, None])) * widen, floor)
        before, after = sides(i, n)
        if before:
            moved = scaled[:, before] + trend[:, None] * np.array([i - j for j in before])
            left[:, i] = median(moved)
        if after:
            moved = scaled[:, after] - trend[:, None] * np.array([j - i for j in after])
            right[:, i] = median(moved)
    low, high = np.fmin(left, right), np.fmax(left, right)
    z = np.maximum(np.maximum(low - scaled, scaled - high), 0.0) / noise
    return Measured(scaled, log, res, left, right, noise, z)
