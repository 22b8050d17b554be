"""Which months of many plain series a plausibility rule could query: for kpixl.check.screen.

Each rule of kpixl.check.plausibility's own conditions, for every month of every row at once
(numpy), loosened by a hair for rounding: a month none of them lets through cannot be warned
about, so its indicator need not be checked one by one. Looser than the rules where exactness
would cost (swapped digits: only that the two sides agree; a lonely month is not asked for).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kpixl.check.level import MAD_SD
from kpixl.check.levels import Measured, log_floor, median
from kpixl.check.nothing import MIN_BEFORE
from kpixl.check.plausibility import (
    EXTREME_LOG,
    EXTREME_POINTS,
    FIT_SHARE,
    RANGE,
    RANGE_RATE,
    Z_EXTREME,
    Z_FIT,
    Z_SCALE,
    Z_SCALE_EDGE,
    Z_SCALE_FIT,
    Z_SWAP,
    Z_SWAP_EDGE,
    Z_SWAP_FIT,
    Z_SWAP_FIT_FAR,
    Z_SWAP_FULL,
    Z_YTD,
    Z_YTD_FIT_FAR,
)
from kpixl.check.slips import TYPED_DIGITS
from kpixl.check.year_total import LOG_ODDS, MEANT_FIT, MIN_OTHERS

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]
BELOW, ABOVE = 1 - 1e-6, 1 + 1e-6  # the hair: numpy and plain Python round differently


def possible(values: Floats, found: Measured, percent: Flags, summed: Flags) -> Flags:
    """Months (rows x columns) some rule might warn about."""
    z = found.z
    left = values - (np.cumsum(values, axis=1) - values)  # less this year's months before it
    # the candidates are worked out only for rows with a month far enough for them to matter
    near = np.zeros(z.shape, dtype=bool)
    rows = np.flatnonzero((z >= min(Z_SCALE, Z_YTD) * BELOW).any(axis=1))
    if len(rows):
        picked = found.rows(rows)
        near[rows] = _fits(values[rows], picked, z[rows], percent[rows], summed[rows], left[rows])
    one_side = _ends(z.shape)
    swap = (z >= Z_SWAP * BELOW) & (~one_side | (z >= Z_SWAP_EDGE * BELOW))
    rows, cols = np.nonzero(swap)  # worked out month by month: each a row of one column
    if len(rows):
        cell = found.cells(rows, cols)
        fits = _swaps_fit(values[rows, cols][:, None], cell, cell.z, percent[rows])
        swap[rows, cols] = fits[:, 0]
    extreme = (z >= Z_EXTREME * BELOW) & _order_of_magnitude(values, found, percent)
    result: Flags = near | swap | extreme | _beyond_range(values, percent)
    result |= _stray_fractions(values, percent)
    return result | _typed_totals(values, found, summed & ~percent, left)


def _stray_fractions(values: Floats, percent: Flags) -> Flags:
    """The one month with a fraction in a row of a count, money or number whose other months
    are whole (the rules' _stray_fraction, before its range check)."""
    fraction = values != np.round(values)
    result: Flags = fraction & ((fraction.sum(axis=1) == 1) & ~percent)[:, None]
    return result


def _typed_totals(values: Floats, found: Measured, summed: Flags, left: Floats) -> Flags:
    """Months that may read as an ordinary month with the year's months before it added (the
    rules' kpixl.check.year_total), for log-scale rows whose YTD is a sum: the same odds, each
    month left out of its row's middle and spread. A row with a month of nothing (left out of
    the others by the rule) is let through wherever the total could be typed. `left`: each
    month less this year's months before it."""
    n = values.shape[1]
    could = (left > 0) & (np.arange(n) >= MIN_BEFORE) & (summed & found.log)[:, None]
    result = np.zeros(values.shape, dtype=bool)
    rows = np.flatnonzero(could.any(axis=1))
    if n <= MIN_OTHERS or not len(rows):
        return result
    positive = (values[rows] > 0).all(axis=1)
    result[rows[~positive]] = could[rows[~positive]]
    rows = rows[positive]
    if not len(rows):
        return result
    m = len(rows)
    others = ~np.eye(n, dtype=bool)  # month j's others: every month but j
    scaled = np.broadcast_to(found.scaled[rows][:, None, :], (m, n, n))[:, others]
    kept = scaled.reshape(m * n, n - 1)
    middle = median(kept)
    least = np.repeat(log_floor(median(np.abs(values[rows])), found.resolution[rows]), n)
    spread = np.fmax(MAD_SD * median(np.abs(kept - middle[:, None])), least).reshape(m, n)
    middle = middle.reshape(m, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        month = found.scale(left)[rows]  # the month the total typed would leave
        far, near = (found.scaled[rows] - middle) / spread, (month - middle) / spread
        count = n - 1  # the others: Student's t on as many (year_total.tails)
        tails = (
            count / 2 * (np.log1p(far * far / (count - 1)) - np.log1p(near * near / (count - 1)))
        )
        odds = tails + (found.scaled[rows] - month)
    ok = (np.abs(near) <= MEANT_FIT * ABOVE) & (odds >= LOG_ODDS - 1e-6)
    result[rows] = ok & could[rows]
    return result


def _beyond_range(values: Floats, percent: Flags) -> Flags:
    """Months more than RANGE times the largest other month of their row, or for a
    percentage under a fifth of the smallest (the rules' _beyond_range), whatever their
    distance in noise."""
    sizes = np.where(values != 0, np.abs(values), np.nan)
    ordered = np.sort(sizes, axis=1)  # nothing (NaN) last
    count = np.sum(~np.isnan(sizes), axis=1)
    rows = np.arange(values.shape[0])
    top = ordered[rows, np.maximum(count - 1, 0)][:, None]
    below_top = ordered[rows, np.maximum(count - 2, 0)][:, None]
    low, above_low = ordered[:, :1], ordered[:, 1:2]
    with np.errstate(invalid="ignore"):
        high = np.where(sizes == top, below_top, top)  # the largest of the other months
        far = sizes > RANGE * high * BELOW
        least = np.where(sizes == low, above_low, low)  # the smallest of the other months
        under = RANGE_RATE * sizes * BELOW < least
    far = np.where(percent[:, None], under, far)
    result: Flags = far & (count >= 3)[:, None]
    return result


def _ends(shape: tuple[int, ...]) -> Flags:
    """The first and last month of every row: a level on one side only (the rules' edge)."""
    ends = np.zeros(shape, dtype=bool)
    ends[:, [0, -1]] = True
    return ends


def _fits(
    values: Floats, found: Measured, z: Floats, percent: Flags, summed: Flags, left: Floats
) -> Flags:
    """Months a ×/÷ 10, 100, 1000, a lost sign or the year-to-date total brings back (`left`:
    each month less this year's months before it)."""
    meant = [values * 10.0**p for p in (1, 2, 3)] + [values / 10.0**p for p in (1, 2, 3)]
    meant.append(np.where(values != 0, -values, np.nan))
    scale_ok = np.zeros(values.shape, dtype=bool)
    for candidate in meant:
        fit = _fit(found, found.scale(candidate))
        scale_ok |= (fit <= Z_SCALE_FIT * ABOVE) & (fit <= FIT_SHARE * z * ABOVE)
    one_side = _ends(values.shape)
    scale_ok &= z >= np.where(one_side, Z_SCALE_EDGE, Z_SCALE) * BELOW
    fit = _fit(found, found.scale(left))
    close = np.maximum(Z_FIT, np.minimum(Z_YTD_FIT_FAR, FIT_SHARE * z))  # as plausibility's
    ytd = (z >= Z_YTD * BELOW) & (fit <= close * ABOVE) & (fit <= FIT_SHARE * z * ABOVE)
    ytd &= (summed & ~percent)[:, None]
    ytd[:, 0] = False  # the year's first month is its own year to date
    result: Flags = scale_ok | ytd
    return result


def _swaps_fit(values: Floats, found: Measured, z: Floats, percent: Flags) -> Flags:
    """Months where two adjacent digits swapped might bring the value back (fitting both
    sides), for figures of up to six significant digits as typed (percentages in points),
    decimals too: worked out on the digits with the decimal point taken out (a few more swaps
    than the rules try, across the point: never fewer)."""
    typed = np.abs(values) * np.where(percent, 100.0, 1.0)[:, None]
    places = _places(typed)  # decimal places as typed (NaN for a figure of more)
    short = _short(typed) & ~np.isnan(places)
    scale = 10.0 ** np.nan_to_num(places)
    number = np.rint(typed * scale)
    digits = np.floor(np.log10(np.maximum(number, 1.0))) + 1
    below_one = typed < 1  # "0.057": the zeros after the point are digits to swap too
    digits = np.where(below_one, np.maximum(digits, places), digits)
    sign = np.where(values < 0, -1.0, 1.0)
    close = np.where(
        z < Z_SWAP_FULL,
        np.clip(z - Z_SWAP, 0.0, Z_SWAP_FIT),
        np.maximum(Z_SWAP_FIT, np.minimum(Z_SWAP_FIT_FAR, FIT_SHARE * z)),
    )  # swap_fit
    fits = np.zeros(values.shape, dtype=bool)
    for p in range(2 * TYPED_DIGITS):
        low = np.floor(number / 10.0**p) % 10  # the digit at 10^p
        high = np.floor(number / 10.0 ** (p + 1)) % 10  # the one before it
        valid = short & (p + 1 < digits) & (low != high)
        valid &= below_one | ~((p + 2 == digits) & (low == 0))  # no leading zero
        if not valid.any():
            continue
        swapped = sign * (number + 9 * (low - high) * 10.0**p) / scale
        meant = np.where(percent[:, None], swapped / 100, swapped)
        fit = _fit(found, found.scale(meant), both=True)
        fits |= valid & (fit <= close * ABOVE) & (fit <= FIT_SHARE * z * ABOVE)
    return fits


def _places(typed: Floats) -> Floats:
    """The decimal places each figure is given to (0 to TYPED_DIGITS; NaN beyond)."""
    places = np.full(typed.shape, np.nan)
    for d in range(TYPED_DIGITS, -1, -1):
        shifted = typed * 10.0**d
        whole = np.abs(shifted - np.rint(shifted)) <= 1e-9 * np.maximum(1.0, shifted)
        places = np.where(whole, d, places)
    return places


def _short(typed: Floats) -> Flags:
    """Figures of at most TYPED_DIGITS significant digits (the rules try no swaps in others)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.floor(np.log10(np.where(typed > 0, typed, 1.0))) + 1
        places = np.clip(TYPED_DIGITS - magnitude, -20, 20)
        rounded = np.round(typed * 10.0**places) / 10.0**places
    short: Flags = np.abs(rounded - typed) <= 1e-9 * np.maximum(1.0, typed)
    return short


def _fit(found: Measured, scaled: Floats, *, both: bool = False) -> Floats:
    """The distance of candidates from the nearer side's level (the further with `both`), in
    noise (inf where none)."""
    pick = np.fmax if both else np.fmin
    with np.errstate(invalid="ignore"):
        near = pick(np.abs(scaled - found.left), np.abs(scaled - found.right))
    fit: Floats = np.where(np.isnan(near), np.inf, near / found.noise)
    return fit


def _order_of_magnitude(values: Floats, found: Measured, percent: Flags) -> Flags:
    """An order of magnitude from either side's level (the rules take the nearer)."""
    far = np.zeros(values.shape, dtype=bool)
    for side in (found.left, found.right):
        with np.errstate(invalid="ignore"):
            points = np.abs(values - side) >= EXTREME_POINTS * BELOW
            logged = np.abs(found.scaled - side) >= EXTREME_LOG * BELOW
            plain = np.abs(values - side) >= 9 * np.abs(side) * BELOW
        far |= np.where(percent[:, None], points, np.where(found.log[:, None], logged, plain))
    return far
