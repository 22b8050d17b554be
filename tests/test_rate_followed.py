"""A volume's level followed month by month through its earlier years (kpixl.rate.followed)."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpixl.rate.followed import followed
from kpixl.rate.forecast import YearFigures, year_end
from kpixl.register.model import Indicator, Kind, Unit, YtdMethod

STRAY = 0.05**2  # months stray 5% from their level
MOVE = 0.2**2  # levels move 20% a year


def test_a_growing_demand_is_followed_as_it_grows() -> None:
    """2% more a month for three and a half years: the level at the end is the last months'
    (~1,990), not a year's average, which lags by half a year (~1,770)."""
    months = [1000 * 1.02**t for t in range(42)]
    level = followed(months, STRAY, MOVE)
    assert level == pytest.approx(months[-1], rel=0.03)
    assert statistics.fmean(months[-12:]) < 0.9 * months[-1]


def test_a_steady_count_is_measured_on_all_its_months() -> None:
    """A steady level, months straying 5%: followed through three years and three months it
    misses the true level by less, on average, than this year's three months do."""
    rng = random.Random(4)
    followed_miss, own_miss = [], []
    for _ in range(200):
        months = [1000 * rng.gauss(1, 0.05) for _ in range(39)]
        level = followed(months, STRAY, 0.03**2)
        assert level is not None
        followed_miss.append(abs(level - 1000))
        own_miss.append(abs(statistics.fmean(months[-3:]) - 1000))
    assert statistics.fmean(followed_miss) < 0.7 * statistics.fmean(own_miss)


def test_a_lump_moves_the_level_only_as_far_as_a_plausible_month() -> None:
    """Spending of ~1,000 a month with one month of 4,000 (a lump): the level moves only as far
    as a month twice the usual stray above it would move it."""
    steady = [1000.0] * 30
    lump = followed([*steady, 4000.0], STRAY, MOVE)
    plausible = followed([*steady, 1000 * (1 + 2 * 0.05 * 3)], STRAY, MOVE)  # far, not a lump
    assert lump is not None and plausible is not None
    assert lump < 1100 and lump <= plausible


def test_nothing_to_start_from_is_left_to_the_plainer_rule() -> None:
    assert followed([None] * 12 + [5.0], STRAY, MOVE) is None  # no month in the first year
    assert followed([0.0] * 12, STRAY, MOVE) is None  # a level of nothing: no relative stray
    assert followed([10.0] * 12, 0.0, MOVE) is None  # months that never stray


@given(st.lists(st.floats(0.5, 1e6) | st.none(), min_size=1, max_size=60))
def test_the_level_lies_within_the_months_seen(months: list[float | None]) -> None:
    """However the months go, the level followed is never below the lowest nor above the
    highest of them (each month only moves it part of the way towards itself)."""
    level = followed(months, STRAY, MOVE)
    seen = [m for m in months if m is not None]
    if level is not None:
        assert min(seen) * (1 - 1e-9) <= level <= max(seen) * (1 + 1e-9)


def _poisson(rng: random.Random, mean: float) -> int:
    """A count of chance events (Knuth's method): a small count's months."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count, product = count + 1, product * rng.random()
    return count


def test_a_small_counts_year_end_is_forecast_from_all_its_earlier_months() -> None:
    """About 12 a month for three years and into June, by chance alone: followed through all
    39 months, the months to come are forecast within 4.5% of the year end on average (last
    year's average with this year's three months: 5.5%)."""
    ind = Indicator("C1", "visits", "Area", Kind.ACTIVITY, unit=Unit.COUNT, ytd=YtdMethod.SUM)
    rng = random.Random(5)
    misses = []
    for _ in range(300):
        every = [float(_poisson(rng, 12)) for _ in range(48)]
        years = [YearFigures(tuple(every[y * 12 : y * 12 + 12])) for y in range(4)]
        made = year_end(ind, YearFigures(years[-1].values[:3] + (None,) * 9), years[:-1])
        assert made is not None
        expected = sum(every[36:39]) + 12 * 9  # the months so far, and nine of 12 to come
        misses.append(abs(made.value - expected) / 144)
    assert statistics.fmean(misses) < 0.045
