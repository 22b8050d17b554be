"""Plausibility as a whole: extreme moves, last year's months, the screen, and clean series."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpixl.check.plausibility import check_series
from kpixl.periods import Period
from kpixl.register.model import Unit, YtdMethod
from tests.plausibility_helpers import (
    APR24,
    STEADY,
    SUMMED,
    flat,
    ind,
    monthly,
    screen_clears_only_what_the_rules_leave,
    with_month,
)
from tests.public_series import UK_DRIVERS_KSI

FAST = settings(max_examples=200, deadline=None)


# --- extreme moves no slip explains ------------------------------------------------------------


def test_pi01b_near_zero() -> None:
    series = monthly([512, 436, 455, 478, 441, 430, 460, 442, 423, 18, 266, 367])
    (finding,) = check_series(ind(Unit.CURRENCY_K), series)
    assert flat([finding]) == [["near-zero", "Jan-25"]]
    assert finding.message == (
        "Jan-25 is 18, under a tenth of the usual level (~420), and no typing slip explains it: "
        "check whether part of the figure is missing"
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # a lumpy flow (months move by half as much again or more): nothing some month is normal
        ([1127, 1305, 0, 2015, 873, 2141, 1637, 1534, 1950, 1442, 908, 1459], []),
        # a steady one: a 0 is queried
        ([4510, 4480, 0, 4495, 4520, 4470, 4530, 4505, 4490, 4525, 4500, 4515],
         ["Jun-24 is 0, under a tenth of the usual level (~4,500), and no typing slip explains "
          "it: check whether part of the figure is missing"]),
    ],
)  # fmt: skip
def test_a_zero_is_queried_only_in_a_steady_series(
    values: list[float], expected: list[str]
) -> None:
    got = check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(values))
    assert [f.message for f in got] == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (with_month(STEADY, 4, 61_000), [["outlier", "Aug-24"]]),  # ×13.5: no slip, extreme
        (with_month(STEADY, 4, 21_000), []),  # ×4.6: far, but not an order of magnitude
        (with_month(STEADY, 4, 0), [["near-zero", "Aug-24"]]),
        # lumpy receipts: zeros and spikes are how this series goes
        ([0, 262, 0, 172, 36, 0, 244, 27, 0, 50, 1470, 91], []),
        # PI03c of the samples: 30 is ×100 short of the usual level, but the series is this lumpy
        ([850, 2400, 1125, 3760, 415, 2206, 1250, 6200, 1340, 30, 6000, 2955], []),
    ],
)
def test_extreme_moves(values: list[float], expected: list[list[str]]) -> None:
    assert flat(check_series(ind(), monthly(values))) == expected


@pytest.mark.parametrize(
    "values",
    [
        # receipts that come some months only, and move tenfold from month to month
        [6468, 15529, 2280, 0, 5120, 157600, 3119, 3522, 5367, 670, 6045, 0],
        [6468, 15529, 2280, 900, 5120, 157600, 3119, 3522, 5367, 670, 6045, 800],
    ],
)
def test_a_figure_ten_times_anything_the_series_has_shown_is_queried(values: list[float]) -> None:
    """ONS's "thousand pound" test: in a series this lumpy a month of 157,600 is not far in
    its own noise, but it is ten times anything else it holds, and ÷100 brings it back."""
    (finding,) = check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(values))
    assert flat([finding]) == [["scale-slip", "Sep-24"]]
    assert finding.message == (
        f"Sep-24 is 157,600; the usual level is ~{'4,300' if 0 in values else '3,300'}: was "
        "1,576 meant? (100 times too large: a digit too many or the decimal point slipped)"
    )


def test_the_screen_lets_through_a_figure_beyond_the_series_range() -> None:
    import numpy as np

    from kpixl.check import screen

    values = [6468, 15529, 2280, 900, 5120, 157600, 3119, 3522, 5367, 670, 6045, 800]
    clear = screen._ordinary(np.array([values], dtype=float), [Unit.CURRENCY_K], np.array([True]))
    assert not clear[0]
    five_times = [*values[:5], 5 * 15529, *values[6:]]  # a big month, not beyond belief
    assert check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(five_times)) == []


# a count that moves by a third from month to month: October's 61 is the year to date (56) and 5
LUMPY_COUNT = [8, 5, 12, 9, 12, 10, 61, 7, 11, 12, 7, 7]


def test_the_ytd_typed_where_a_series_moves_a_lot_is_weighed_both_ways() -> None:
    """61 is under three typical changes of this series from its level, too near for the
    distance rules; less the 56 before it, it leaves an ordinary 5, and a month of 61 in a
    series of 5 to 12 is far less likely than that (kpixl.check.year_total)."""
    import numpy as np

    from kpixl.check import screen

    count = ind(ytd=YtdMethod.SUM)
    assert [f.message for f in check_series(count, monthly(LUMPY_COUNT))] == [
        "Oct-24 is 61; the usual level is ~10: was 5 meant? (it is the year-to-date total with "
        "that month: the YTD typed in the month)"
    ]
    clear = screen._ordinary(np.array([LUMPY_COUNT], dtype=float), [Unit.COUNT], np.array([True]))
    assert not clear[0]
    # a real lump in lumpy receipts, higher than the year so far, is how such a series goes
    receipts = [904, 1795, 723, 1247, 6660, 1767, 1195, 3377, 0, 2105, 1342, 1771]
    assert check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(receipts)) == []
    # a count of 1 cannot move by less than 1: June's 3 (the year's three months) is ordinary
    ones = [1, 1, 3, 1, 1, 1, 2, 1, 1, 1, 1, 1]
    assert check_series(count, monthly(ones)) == []


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.floats(-1.2, 1.2), min_size=12, max_size=12),
    st.floats(3.0, 9.0),
    st.integers(2, 11),
    st.booleans(),
    st.integers(-1, 11),
)
def test_the_screen_never_clears_a_ytd_the_odds_would_query(
    logs: list[float], middle: float, at: int, typed: bool, nothing: int
) -> None:
    values = [float(round(math.exp(middle + x))) for x in logs]
    if nothing >= 0:
        values[nothing] = 0.0  # a month with nothing: left out of the others by the rule
    if typed:
        values[at] = sum(values[: at + 1])
    screen_clears_only_what_the_rules_leave(values, Unit.CURRENCY_K, summed=True)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([Unit.PERCENT, Unit.COUNT, Unit.NUMBER]),
    st.lists(st.floats(-0.06, 0.06), min_size=12, max_size=12),
    st.floats(0.004, 0.95),
    st.integers(0, 4),
    st.integers(0, 11),
    st.integers(0, 5),
    st.sampled_from([0.1, 1.0, 1000.0]),
)
def test_the_screen_never_clears_a_swap_in_a_decimal_figure_the_rules_query(
    unit: Unit, wobbles: list[float], level: float, places: int, at: int, pick: int, size: float
) -> None:
    """Ratios worked to four places, counts to one: the screen works their swaps out on the
    digits with the point taken out, and never clears a month the rules would query."""
    from kpixl.check.slips import swapped

    percent = unit is Unit.PERCENT
    size = 1.0 if percent else size  # counts and numbers of hundreds, ones, or under 0.1
    values = [round(size * level * (1 + w), places + (2 if percent else 0)) for w in wobbles]
    options = list(swapped(values[at], percent=percent))
    if options:
        values[at] = options[pick % len(options)]
    screen_clears_only_what_the_rules_leave(values, unit, summed=False)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([Unit.COUNT, Unit.CURRENCY_K, Unit.NUMBER]),
    st.lists(st.floats(-1.0, 1.0), min_size=12, max_size=12),
    st.floats(5, 20000),
    st.integers(0, 11),
    st.sampled_from([10, 100, 1000]),
    st.booleans(),
)
def test_the_screen_never_clears_a_stray_fraction_the_rules_query(
    unit: Unit, wobbles: list[float], level: float, at: int, by: int, negative: bool
) -> None:
    """Whole months moving by up to e (lumpy), one of them divided by 10, 100 or 1000 and
    typed with its fraction: whatever the rules query, the screen lets through."""
    sign = -1.0 if negative and unit is Unit.NUMBER else 1.0
    values = [sign * round(level * math.exp(w)) for w in wobbles]
    values[at] = round(values[at] / by, 3)
    screen_clears_only_what_the_rules_leave(values, unit, summed=True)


# --- last year's months --------------------------------------------------------------------


def test_the_same_month_last_year_explains_a_march_peak() -> None:
    last_year = [1000, 1020, 990, 1010, 1005, 995, 1015, 985, 1000, 1010, 990, 10100]
    this_year = [1010, 1000, 1020, 995, 1005, 990, 1010, 1000, 985, 1015, 1005, 10150]
    assert flat(check_series(ind(), monthly(this_year))) == [["scale-slip", "Mar-25"]]
    history = monthly(last_year, start=Period(2023, 4))
    assert check_series(ind(), monthly(this_year), history) == []


def test_no_slip_is_named_where_the_figure_fits_last_years_month_as_well() -> None:
    """A small count's February of 1, far below this year's months (5 to 7 around it), is not
    far from last February's 3: 10, ×10, would fit no better, so nothing is queried."""
    last_year = [3, 9, 5, 6, 4, 4, 5, 3, 2, 7, 3, 7]
    this_year = [6, 5, 6, 4, 3, 6, 6, 7, 7, 3, 1, 3]
    history = monthly(last_year, start=APR24.shift(-12))
    assert check_series(ind(ytd=YtdMethod.SUM), monthly(this_year), history) == []


def test_an_ordinary_month_last_year_does_not_hide_a_slip() -> None:
    """Lumpy receipts: last year's July was ordinary for it, so it does not make this July's
    292,000 any less far (its level, moved by noisy changes since, would have)."""
    last_year = [243, 0, 0, 2861, 608, 1154, 0, 675, 2025, 795, 722, 5355]
    this_year = [912, 2341, 2456, 292000, 0, 3422, 3596, 2903, 0, 0, 714, 325]
    spend = ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM)
    expected = [
        "Jul-24 is 292,000; the usual level is ~2,700: was 2,920 meant? (100 times too large: "
        "a digit too many or the decimal point slipped)"
    ]
    history = monthly(last_year, start=Period(2023, 4))
    assert [f.message for f in check_series(spend, monthly(this_year), history)] == expected
    assert [f.message for f in check_series(spend, monthly(this_year))] == expected


# --- the series as a whole ------------------------------------------------------------------


def test_findings_are_in_period_order_and_history_is_never_warned_about() -> None:
    history = monthly(with_month(SUMMED, 2, 98), start=Period(2023, 4))  # last year's slip
    values = with_month([*SUMMED[:4], 812, 812, 812, *SUMMED[7:]], 1, 10400)
    got = flat(check_series(ind(), monthly(values), history))
    assert got == [["scale-slip", "May-24"], ["flat-run", "Oct-24"]]


def test_empty_and_short_series() -> None:
    assert check_series(ind(), []) == []
    assert check_series(ind(), monthly([5])) == []
    assert check_series(ind(), monthly([100, 101, 10000])) == []  # too short to know the level


# --- properties ------------------------------------------------------------------------------


steady_count = st.tuples(
    st.floats(50, 1e6), st.lists(st.floats(-0.03, 0.03), min_size=6, max_size=24)
)


def _steady(level: float, wobbles: list[float]) -> list[float]:
    values = [round(level * (1 + w), 2) for w in wobbles]
    steps = [b - a for a, b in itertools.pairwise(values)]
    assume(all(s != 0 and abs(s - 1) > 1e-6 for s in steps))  # no run by construction
    return values


@FAST
@given(steady_count, st.sampled_from([Unit.COUNT, Unit.CURRENCY_K, Unit.NUMBER]))
def test_a_clean_steady_series_never_warns(case: tuple[float, list[float]], unit: Unit) -> None:
    assert check_series(ind(unit, ytd=YtdMethod.SUM), monthly(_steady(*case))) == []


@FAST
@given(st.floats(0.3, 0.95), st.lists(st.floats(-0.01, 0.01), min_size=6, max_size=24))
def test_a_clean_steady_percentage_never_warns(level: float, wobbles: list[float]) -> None:
    values = [level + w for w in wobbles]
    assume(all(a != b for a, b in itertools.pairwise(values)))
    assert check_series(ind(Unit.PERCENT), monthly(values)) == []


@FAST
@given(steady_count, st.data())
def test_a_value_scaled_by_1000_in_a_steady_series_always_warns(
    case: tuple[float, list[float]], data: st.DataObject
) -> None:
    values = _steady(*case)
    i = data.draw(st.integers(0, len(values) - 1))
    meant = values[i]
    values[i] = meant * 1000
    got = check_series(ind(), monthly(values))
    assert [(f.code.value, f.period) for f in got] == [("scale-slip", APR24.shift(i))]
    assert "(1,000 times too large" in got[0].message


@FAST
@given(st.lists(st.floats(-1e6, 1e6), max_size=24), st.sampled_from(list(Unit)))
def test_findings_point_at_periods_of_the_series(values: list[float], unit: Unit) -> None:
    series = monthly(values)
    periods = {p for p, _ in series}
    for finding in check_series(ind(unit), series):
        assert finding.period in periods
        assert finding.message


def _financial_years(monthly_from_january: list[int]) -> list[list[float]]:
    first = 3  # the first April
    return [[float(v) for v in monthly_from_january[i : i + 12]]
            for i in range(first, len(monthly_from_january) - 11, 12)]  # fmt: skip


def test_a_real_series_raises_nothing_until_a_slip_is_typed_into_it() -> None:
    """Each financial year of a real count (car drivers killed or seriously injured in Great
    Britain, 1969-84, with its winter peaks and the 1983 seat-belt law's drop), last year's
    months beside it: no warning. Typed into October of each: ten times the figure, the year to
    date, or September copied forward into October and November — each is queried."""
    years = _financial_years(UK_DRIVERS_KSI)
    count = ind(Unit.COUNT, ytd=YtdMethod.SUM)
    for last, this in itertools.pairwise(years):
        history = monthly(last, start=APR24.shift(-12))
        assert check_series(count, monthly(this), history) == []
        slipped = {
            "scale-slip": with_month(this, 6, this[6] * 10),
            "ytd-in-month": with_month(this, 6, sum(this[:7])),
            "flat-run": with_month(with_month(this, 6, this[5]), 7, this[5]),
        }
        for code, typed in slipped.items():
            got = check_series(count, monthly(typed), history)
            assert [f.code.value for f in got] == [code], (this, code)
