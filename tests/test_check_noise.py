"""The typical month-to-month change a series' months are measured in (kpixl.check.level)."""

from __future__ import annotations

import random
import statistics
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpixl.check import levels
from kpixl.check.level import MAD_SD, kept_count, typical_change
from kpixl.check.plausibility import check_series
from kpixl.register.model import Unit, YtdMethod
from tests.plausibility_helpers import ind, monthly


def _normal_distances(rng: random.Random, n: int) -> list[float]:
    return [abs(rng.gauss(0.0, 1.0)) for _ in range(n)]


def test_its_square_is_on_average_the_variance_of_normal_changes() -> None:
    rng = random.Random(16)
    for n in (3, 4, 9, 21):
        squares = [typical_change(_normal_distances(rng, n)) ** 2 for _ in range(4000)]
        assert abs(statistics.mean(squares) - 1.0) < 0.04, n


def test_the_largest_quarter_of_the_changes_is_left_out() -> None:
    """A season's turn, a step or a shock among a year's nine changes does not widen it."""
    changes = [0.03, 0.05, 0.02, 0.04, 0.06, 0.01, 0.05, 0.04, 0.03]
    assert kept_count(9) == 7
    with_two_turns = [*changes[:7], 0.9, 1.4]
    assert typical_change(with_two_turns) == typical_change([*changes[:7], 0.07, 0.08])
    assert typical_change([*changes[:6], 0.9, 1.4, 2.0]) > 2 * typical_change(changes)


def test_it_is_surer_than_the_median_distance_on_a_years_changes() -> None:
    rng = random.Random(7)
    trimmed, mad = [], []
    for _ in range(4000):
        distances = _normal_distances(rng, 9)
        trimmed.append(typical_change(distances))
        mad.append(MAD_SD * statistics.median(distances))
    spread = [statistics.stdev(x) / statistics.mean(x) for x in (trimmed, mad)]
    assert spread[0] < 0.85 * spread[1]


@given(
    st.lists(
        st.lists(st.floats(0.0, 1e6, allow_nan=False), min_size=9, max_size=9),
        min_size=1,
        max_size=5,
    )
)
def test_the_screens_twin_gives_the_same(rows: list[list[float]]) -> None:
    got = levels.typical_change(np.array(rows, dtype=float))
    want = [typical_change(row) for row in rows]
    assert np.allclose(got, want, rtol=1e-12, atol=0.0)


def test_a_count_copied_forward_among_changes_of_a_few_tens_is_queried() -> None:
    """A stock of about 2,400 that moves by 10 to 30 a month: 2,406 three months running is
    rarer than once in 125 such series (with the natural repeat of 2,438 among its months)."""
    values = [2458, 2457, 2450, 2416, 2406, 2406, 2406, 2438, 2438, 2456, 2450, 2434]
    got = check_series(ind(Unit.COUNT, ytd=YtdMethod.LATEST), monthly(values))
    assert [f.message for f in got] == [
        "the value is 2,406 in every month from Aug-24 to Oct-24, though it usually changes by "
        "about 10 a month: it may have been copied forward; check the real figures"
    ]
    values[5] = 2411
    assert check_series(ind(Unit.COUNT, ytd=YtdMethod.LATEST), monthly(values)) == []


def test_figures_near_a_floats_limit_do_not_overflow() -> None:
    """A cell of 1E+200 is still measured: the squares are taken as shares of the largest."""
    small = [0.3, 1.2, 0.7, 0.1, 2.5, 0.9, 1.4, 0.2, 0.6]
    big = [x * 1e200 for x in small]
    assert typical_change(big) == pytest.approx(typical_change(small) * 1e200, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy warns of an overflow in a square
        got = levels.typical_change(np.array([big]))
    assert got[0] == pytest.approx(typical_change(small) * 1e200, rel=1e-12)
