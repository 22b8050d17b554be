"""The year-to-date total typed in a month of a series whose months move a lot, judged by how
likely each reading is.

In lumpy receipts or a small count, the year-to-date total typed in a month is often within the
series' own noise of its level, so the distance rules cannot see it. What gives it away is what
is left when this year's months before it are taken off: an ordinary month. The figure is
weighed both ways, on the log scale with the series' months' own spread around their middle
(the month itself left out): as that ordinary month with the months before it added, against a
month that high. It is queried when the first reading is TOTAL_ODDS times the likelier and the
month left is within MEANT_FIT spreads of the middle. kpixl.check.screen_slips holds its twin.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from kpixl.check.level import MAD_SD, Level, noise_floor
from kpixl.check.nothing import MIN_BEFORE

TOTAL_ODDS = 1000.0  # how many times likelier "an ordinary month with the YTD typed" must be
LOG_ODDS = math.log(TOTAL_ODDS)
MEANT_FIT = 2.0  # the month left is at most this many spreads from the months' middle
MIN_OTHERS = 5  # fewer other months with something in them say too little about the spread


def typed_total(row: Level, i: int, before: Sequence[float] | None) -> float | None:
    """The month meant, when month i of a log-scale series reads far likelier as that month
    with this year's months `before` it added (two or more, all given) than as a month that
    high; else None."""
    if not row.log or not before or len(before) < MIN_BEFORE:
        return None
    meant = row.values[i] - math.fsum(before)
    if meant <= 0:
        return None
    others = [x for j, (x, v) in enumerate(zip(row.scaled, row.values, strict=True))
              if j != i and v > 0]  # fmt: skip
    if len(others) < MIN_OTHERS:
        return None
    middle = statistics.median(others)
    spread = max(MAD_SD * statistics.median(abs(x - middle) for x in others), floor(row))
    typed, left = row.scaled[i], row.scale(meant)
    far, near = (typed - middle) / spread, (left - middle) / spread
    if abs(near) > MEANT_FIT:
        return None
    # the two readings' densities on the log scale, each back on the figure's own scale
    odds = tails(far, len(others)) - tails(near, len(others)) + (typed - left)
    return meant if odds >= LOG_ODDS else None


def floor(row: Level) -> float:
    """The least spread a series' months are given: 2%, or one step of its last digit (a
    count of 2 cannot move by less than 1), as kpixl.check.level's noise floor."""
    return noise_floor(row.values, row.resolution, log=True, percent=False)


def tails(z: float, count: int) -> float:
    """How unlikely a figure z spreads from the middle is (minus its log density, less a
    constant): Student's t, as the spread is measured on `count` months only."""
    return (count / 2) * math.log1p(z * z / (count - 1))
