"""The year-to-date total typed in a month that had nothing, judged by how likely each reading is.

A count or money series that is often nothing (receipts that come in some months only) has
months of 0. When the year-to-date total is typed into such a month, the figure is not far from
the series' level (the total of a few lumpy months looks like one more lumpy month), so the
distance rules cannot see it. What gives it away is that it equals, to its last digit, the
total of this year's months before it. The figure is weighed both ways: as a month of nothing
with the total typed in it (as likely as the series' share of months with nothing), against an
ordinary month that happens to equal that total exactly (the series' own spread at that figure,
times the step its figures are given in: small for a figure of hundreds or thousands, sizeable
for a small count). The month is queried when the first is NOTHING_ODDS times the likelier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from kpixl.check.level import Level

NOTHING_ODDS = 100.0  # how many times likelier "nothing, with the YTD typed" must be
MIN_BEFORE = 2  # with one month before, the total is that month: a copy, not a year to date


def is_total(value: float, before: Sequence[float] | None) -> bool:
    """True when `value` is exactly the total of two or more months before it (not 0)."""
    if not before or len(before) < MIN_BEFORE or value == 0:
        return False
    total = math.fsum(before)
    return abs(value - total) <= 1e-9 * max(1.0, abs(total))


def odds_of_nothing(row: Level, i: int, nothing_share: float) -> float:
    """How many times likelier month i's figure is as the year-to-date total typed in a month
    of nothing (`nothing_share`: how often the series has nothing) than as an ordinary month
    that equals that total by chance (a normal spread of `row.noise` around the level, in steps
    of the figures' last digit; on the log scale, that step is the smaller the larger the
    figure)."""
    z = row.z[i]
    density = math.exp(-z * z / 2) / (math.sqrt(2 * math.pi) * row.noise[i])
    step = row.resolution
    if row.log:
        step /= row.values[i] + row.resolution
    chance = density * step
    return nothing_share / chance if chance > 0 else math.inf
