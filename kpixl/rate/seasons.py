"""A season's shape from several years of the same slots: each month (or quarter) against its
year's average, × for volumes and + for rates, averaged over the years — leaving out a year far
from the others at that slot — and shrunk towards no season as far as the years disagree.
Pure functions, no I/O; the year-end forecast (kpixl.rate.forecast) shapes the months to come
with it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from kpixl.check.level import MAD_SD

FAR_YEAR = 4.0  # a year this many usual strays from a slot's median is left out of its season


def season_of(years: Sequence[Sequence[float | None]], times: bool) -> tuple[float, ...] | None:
    """Each slot against its year's average (× for volumes, + for rates), averaged over the
    years and shrunk towards no shape where the years disagree: a season is used as far as it
    repeats."""
    full = [[float(v) for v in y if v is not None] for y in years]
    full = [y for y in full if y and len(y) == len(years[0])]
    if not full or (times and any(v < 0 for y in full for v in y)):
        return None
    means = [statistics.fmean(y) for y in full]
    if times and any(m <= 0 for m in means):
        return None
    neutral = 1.0 if times else 0.0
    rel = [[v / m if times else v - m for v in y] for y, m in zip(full, means, strict=True)]
    columns = list(zip(*rel, strict=True))
    middles = _typical(columns)
    if len(full) < 2:
        return tuple(neutral + 0.5 * (m - neutral) for m in middles)  # one year: half its shape
    # how much a slot varies from year to year, pooled over the slots (one slot's three or four
    # values say too little about it), against how far its season is from none
    noise = statistics.fmean(statistics.variance(c) for c in columns) / len(full)
    shape = [
        neutral + max(0.0, 1 - noise / (m - neutral) ** 2) * (m - neutral) if m != neutral
        else neutral
        for m in middles
    ]  # fmt: skip
    if times:
        average = statistics.fmean(shape)
        shape = [s / average for s in shape]
    return tuple(shape)


def _typical(columns: list[tuple[float, ...]]) -> list[float]:
    """Each slot's season over the years: their mean, leaving out a year far from the others
    at that slot (a one-month shock, a step change), as judged by how far the years usually
    stray from each slot's median; the median where that cannot be told."""
    middles = [statistics.median(c) for c in columns]
    strays = [abs(v - m) for c, m in zip(columns, middles, strict=True) for v in c if v != m]
    if len(columns[0]) < 3 or not strays:
        return middles
    far = FAR_YEAR * MAD_SD * statistics.median(strays)
    return [
        statistics.fmean([v for v in c if abs(v - m) <= far] or [m])
        for c, m in zip(columns, middles, strict=True)
    ]
