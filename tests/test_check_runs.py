"""Runs: figures copied forward and drag-fills, judged against the series' noise."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.check.plausibility import check_series
from kpixl.check.runs import lowest_terms
from kpixl.periods import Period
from kpixl.register.model import Frequency, Unit
from tests.plausibility_helpers import SUMMED, flat, ind, monthly, with_month


def test_cs08_drag_fill_message() -> None:
    values = [34820, 36105, 33470, 37980, 35215, 33690, 34361, 32114, 26436, 26437, 26438, 26439]
    (finding,) = check_series(ind(), monthly(values))
    assert flat([finding]) == [["drag-fill", "Mar-25"]]
    assert finding.message == (
        "values rise by exactly 1 each month for Dec-24 to Mar-25 (26,436 → 26,439): "
        "this looks like an Excel drag-fill; check the real figures"
    )


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        (Unit.COUNT, with_month(with_month(SUMMED, 5, 1021), 6, 1022), [["drag-fill", "Oct-24"]]),
        (Unit.COUNT, with_month(with_month(SUMMED, 5, 812), 6, 812), []),  # two months only
        (Unit.COUNT, [*SUMMED[:4], 812, 812, 812, *SUMMED[7:]], [["flat-run", "Oct-24"]]),
        # small counts move by a few: 3, 4, 5, 6 and 4, 4, 4 happen by themselves (a count of
        # about 4 a month rises by exactly one about one month in eight by chance alone)
        (Unit.COUNT, [5, 2, 7, 3, 4, 5, 6, 2, 4, 4, 4, 8], []),
        (Unit.PERCENT, [0.8412, 0.8633, 0.8290, 0.8517, 0.8711, 0.8711, 0.8711, 0.8455, 0.8602,
                        0.8388, 0.8541, 0.8466], [["flat-run", "Oct-24"]]),
        # to a tenth of a point, moving by about two points a month: three months of 84.9% come
        # by chance about once in 290 years, so they are queried (under once in 250)
        (Unit.PERCENT, [0.864, 0.829, 0.84, 0.856, 0.835, 0.849, 0.849, 0.849, 0.83, 0.853, 0.865,
                        0.84], [["flat-run", "Nov-24"]]),
        # CS01: a KPI that moves by a point at most repeats itself
        (Unit.PERCENT, [0.97, 0.98, 0.97, 0.96, 0.97, 0.98, 0.97, 0.97, 0.97, 0.97, 0.97, 0.97],
         []),
        (Unit.PERCENT, [0.95, 0.9, 0.97, 1.0, 1.0, 1.0, 1.0, 0.93, 0.98, 0.88, 0.96, 0.91], []),
        (Unit.COUNT, [40, 25, 60, 0, 0, 0, 0, 35, 52, 18, 44, 30], []),  # nothing happened
        # a rate of a dozen or so cases a month comes back to 7 of 8 by itself; of 2,000 cases
        # a month, hardly ever
        (Unit.PERCENT, [13 / 15, 16 / 19, 11 / 13, 15 / 17, 7 / 8, 7 / 8, 7 / 8, 12 / 14, 17 / 20,
                        10 / 12, 15 / 18, 13 / 16], []),
        (Unit.PERCENT, [1683 / 2000, 1726 / 2000, 1658 / 2000, 1703 / 2000, 7 / 8, 7 / 8, 7 / 8,
                        1691 / 2000, 1720 / 2000, 1677 / 2000, 1708 / 2000, 1693 / 2000],
         [["flat-run", "Oct-24"]]),
    ],
)  # fmt: skip
def test_runs_judged_against_the_series_noise(
    unit: Unit, values: list[float], expected: list[list[str]]
) -> None:
    assert flat(check_series(ind(unit), monthly(values))) == expected


def test_flat_run_message() -> None:
    series = monthly([*SUMMED[:4], 812, 812, 812, *SUMMED[7:]])
    (finding,) = check_series(ind(), series)
    assert finding.message == (
        "the value is 812 in every month from Aug-24 to Oct-24, though it usually changes by "
        "about 35 a month: it may have been copied forward; check the real figures"
    )


def test_drag_fill_quarterly_steps_are_quarters() -> None:
    quarterly = ind(frequency=Frequency.QUARTERLY)
    history = monthly([520, 610, 450, 700], start=Period(2023, 6), step=3)
    series = monthly([380, 381, 382, 383], start=Period(2024, 6), step=3)
    (finding,) = check_series(quarterly, series, history)
    assert flat([finding]) == [["drag-fill", "Mar-25"]]
    assert "each quarter for Jun-24 to Mar-25" in finding.message


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.builds(lambda n, d: n / d, st.integers(-5000, 5000), st.integers(1, 5000)),
        st.floats(-1e6, 1e6),
        st.floats(0, 1),
        st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1e15, 2 / 3, 0.1 + 0.2]),
    ),
    st.sampled_from([1, 2, 7, 100, 10_000]),
)
def test_lowest_terms_are_what_fractions_limit_denominator_gives(x: float, most: int) -> None:
    """The run rules' quick fraction (a rate worked out from counts) is Python's own."""
    expected = Fraction(x).limit_denominator(most)
    assert lowest_terms(x, most) == (expected.numerator, expected.denominator)
