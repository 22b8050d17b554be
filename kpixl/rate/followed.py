"""A count's or money's level followed month by month through its earlier years into this one.

Exponential smoothing whose weight the series sets itself (a local-level model's Kalman
filter): each month moves the level towards its figure by as much as the level is uncertain
against how far months stray from it. The level grows uncertain as months pass, by a share
of how far it moves from one year to the next, so a demand that grows steadily is followed as
it grows, and a steady one is measured on many months. A month far from the level (a one-off,
a lump) moves it only as far as CLIP usual strays would. Pure functions, no I/O.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

# The part of a year's level move (its variance) taken to build up month by month, the rest
# being the years' own noise and steps that a month-by-month follower should not chase.
PER_MONTH = 0.5
CLIP = 2.0  # a month counts as at most this many usual strays (of month and level) away


def followed(
    months: Sequence[float | None], month_var: float, year_var: float, per_year: int = 12
) -> float | None:
    """The level at the last of `months` (oldest first, seasons out, None where unknown;
    `per_year` of them a year: 12 months or 4 quarters), from how far a month strays from its
    level and how far the level moves in a year (both as variances relative to the level).
    None when there is nothing to start from or the level would fall to nothing (left to the
    caller's plainer rule)."""
    first = [m for m in months[:per_year] if m is not None]
    if not first or month_var <= 0:
        return None
    level = statistics.median(first)
    uncertain = month_var  # the first year's level, as uncertain as one month
    drift = PER_MONTH * year_var / per_year
    for month in months:
        uncertain += drift
        if month is None:
            continue
        if level <= 0:
            return None
        spread = uncertain + month_var
        reach = CLIP * math.sqrt(spread)
        off = max(-reach, min(reach, month / level - 1))
        gain = uncertain / spread
        level *= 1 + gain * off
        uncertain *= 1 - gain
    return level if level > 0 else None
