"""Plausibility warnings: a month far from its level that a typing slip explains, extreme moves,
and runs a series this noisy would hardly make by chance."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpixl.check.plausibility import Finding, check_series
from kpixl.check.runs import lowest_terms
from kpixl.periods import Period
from kpixl.register.model import Frequency, Indicator, Kind, Unit, YtdMethod
from tests.public_series import UK_DRIVERS_KSI

FAST = settings(max_examples=200, deadline=None)
APR24 = Period(2024, 4)
# FN07b of the samples: a noisy count (Dec-24 is 7,087)
FN07B = [8120, 8935, 8402, 9310, 7986, 8754, 9105, 7657, 7087, 10420, 7607, 10347]
STEADY = [4510, 4480, 4530, 4495, 4520, 4470, 4530, 4505, 4490, 4525, 4500, 4515]
VARIANCE = [-560, -418, -699, -545, -709, -520, -467, -696, -476, -574, -538, -661]
SUMMED = [1000, 1040, 980, 1010, 1020, 990, 1005, 1030, 995, 1015, 985, 1000]
PERCENT = [0.93, 0.92, 0.94, 0.93, 0.91, 0.92, 0.93, 0.92, 0.94, 0.93, 0.92, 0.93]


def ind(unit: Unit = Unit.COUNT, **kw: Any) -> Indicator:
    return Indicator(
        ref="X01", description="Test", service_area="Test", kind=Kind.ACTIVITY, unit=unit, **kw
    )


def monthly(
    values: Sequence[float], start: Period = APR24, step: int = 1
) -> list[tuple[Period, float]]:
    return [(start.shift(i * step), v) for i, v in enumerate(values)]


def with_month(values: Sequence[float], i: int, value: float) -> list[float]:
    changed = list(values)
    changed[i] = value
    return changed


def screen_clears_only_what_the_rules_leave(values: list[float], unit: Unit, summed: bool) -> None:
    """Where the screen (kpixl.check.screen) clears a row of plain values, the rules raise
    nothing for it (`summed`: its YTD is a sum)."""
    import numpy as np

    from kpixl.check import screen

    clear = screen._ordinary(np.array([values], dtype=float), [unit], np.array([summed]))[0]
    if clear:
        indicator = ind(unit, ytd=YtdMethod.SUM) if summed else ind(unit)
        assert check_series(indicator, monthly(values)) == []


def flat(findings: list[Finding]) -> list[list[str]]:
    """Findings as a reader would list them: code and period label."""
    return [[f.code.value, f.period.label] for f in findings]


# --- slips: far from the level, and a slip explains it ----------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (708.7, "Dec-24 is 708.7; the usual level is ~8,900: was 7,087 meant? (10 times too small"),
        (70870, "Dec-24 is 70,870; the usual level is ~8,900: was 7,087 meant? (10 times too large"),
        (70.87, "Dec-24 is 70.87; the usual level is ~8,900: was 7,087 meant? (100 times too small"),
        (7, "Dec-24 is 7; the usual level is ~8,900: was 7,000 meant? (1,000 times too small: "
            "the thousands typed without the rest)"),
        (7087000, "Dec-24 is 7,087,000; the usual level is ~8,900: was 7,087 meant? (1,000 times"),
        (3500, None),  # half the level: unusual, but no slip explains it and it is not extreme
        (7087, None),
        (7807, None),  # a swap near the level is within this series' noise
    ],
)  # fmt: skip
def test_scale_slip(typed: float, expected: str | None) -> None:
    got = check_series(ind(), monthly(with_month(FN07B, 8, typed)))
    if expected is None:
        assert got == []
    else:
        (finding,) = got
        assert flat([finding]) == [["scale-slip", "Dec-24"]]
        assert finding.message.startswith(expected)


def test_pounds_in_a_thousands_cell() -> None:
    (finding,) = check_series(ind(Unit.CURRENCY_K), monthly(with_month(STEADY, 3, 4_495_000)))
    assert finding.message == (
        "Jul-24 is 4,495,000; the usual level is ~4,500: was 4,495 meant? "
        "(1,000 times too large: pounds typed in a £000s cell)"
    )


# a noisy percentage (months move by about 7 points), and receipts that are often nothing
NOISY_PERCENT = [0.60, 0.53, 0.63, 0.55, 0.65, 0.56, 0.58, 0.62, 0.54, 0.64, 0.55, 0.61]
RECEIPTS = [0, 420, 0, 380, 510, 0, 450, 460, 0, 400, 390, 470]


@pytest.mark.parametrize(
    ("month", "typed", "expected"),
    [
        # under four typical changes from the level, but ×10 lands on it: worth a query
        (6, 0.061, "Oct-24 is 6.1%; the usual level is ~59%: was 61% meant? (10 times too small: "
                   "a percentage on the wrong scale)"),
        # the year's last month has a level on one side only, so four typical changes would be
        # needed; but at under a fifth of every other month, × 10 bringing it back among them,
        # it is queried all the same
        (11, 0.061, "Mar-25 is 6.1%; the usual level is ~55%: was 61% meant? (10 times too small: "
                    "a percentage on the wrong scale)"),
        (6, 0.30, None),  # half the level, no slip explains it: within this series' noise
    ],
)  # fmt: skip
def test_a_scale_slip_within_four_typical_changes(
    month: int, typed: float, expected: str | None
) -> None:
    got = check_series(ind(Unit.PERCENT), monthly(with_month(NOISY_PERCENT, month, typed)))
    assert [f.message for f in got] == ([expected] if expected else [])


# a count that moves by about a third a month
LUMPY_COUNT = [381, 706, 392, 847, 315, 390, 417, 616, 391, 302, 344, 211]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # Feb-25 has one month after it (March): its level is measured on the months before,
        # but it is no edge of the series, so ×10 needs only 3 typical changes there
        (with_month(LUMPY_COUNT, 10, 3000),
         ["Feb-25 is 3,000; the usual level is ~350: was 300 meant? (10 times too large: a digit "
          "too many or the decimal point slipped)"]),
        # the year's last month (nothing after it tells its level): 4 typical changes needed
        (with_month(LUMPY_COUNT, 11, 3000), []),
    ],
)  # fmt: skip
def test_only_the_first_and_last_months_need_more(values: list[float], expected: list[str]) -> None:
    assert [f.message for f in check_series(ind(), monthly(values))] == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (45000, ["scale-slip", "Oct-24 is 45,000; the usual level is ~410: was 450 meant? "
                 "(100 times too large: a digit too many or the decimal point slipped)"]),
        (4500, ["scale-slip", "Oct-24 is 4,500; the usual level is ~410: was 450 meant? "
                "(10 times too large: a digit too many or the decimal point slipped)"]),
        (0, None),  # nothing this month: one of the series' usual states, never queried
        (700, None),
    ],
)  # fmt: skip
def test_a_series_often_nothing_is_measured_on_its_other_months(
    typed: float, expected: list[str] | None
) -> None:
    """Zeros among the receipts would make the noise look huge (0 to 450 is a big change on a
    log scale) and hide a slip; they are left out of the level and the noise."""
    series = monthly(with_month(RECEIPTS, 6, typed))
    got = check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), series)
    assert [[f.code.value, f.message] for f in got] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (0.0056, ["May-24 is 0.56%; the usual level is ~52%: was 56% meant? (100 times too "
                  "small: a percentage on the wrong scale)"]),
        (0.057, ["May-24 is 5.7%; the usual level is ~52%: was 57% meant? (10 times too "
                 "small: a percentage on the wrong scale)"]),
        (0.03, []),  # 30% and 300% are not among the other months: no slip brings it back
        (0.12, []),  # over a fifth of the smallest other month (43%): a bad month, perhaps
        (0.0, []),  # nothing done in time this month: not a slip of scale
    ],
)  # fmt: skip
def test_a_rate_under_a_fifth_of_every_other_month(typed: float, expected: list[str]) -> None:
    """A rate that moves by 15 points a month is not far in its own noise at 5.7% or 0.56%;
    but under a fifth of its smallest other month (43%), where × 10 or × 100 brings it back
    among them, it is queried (ONS's "thousand pound" test, on the low side for a
    percentage)."""
    volatile = [0.54, 0.49, 0.51, 0.43, 0.59, 0.59, 0.74, 0.54, 0.52, 0.7, 0.58, 0.58]
    got = check_series(ind(Unit.PERCENT), monthly(with_month(volatile, 1, typed)))
    assert [f.message for f in got] == expected


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        # receipts that move by half again a month: 100.8 is not far in their noise, but it is
        # the one figure with a fraction, below every other month, and × 10 brings it among them
        (Unit.CURRENCY_K, [712, 2351, 952, 1800, 1196, 1204, 2748, 586, 100.8, 900, 1172, 2145],
         ["Dec-24 is 100.8; the usual level is ~1,200: was 1,008 meant? (10 times too small: a "
          "digit missing or the decimal point slipped)"]),
        (Unit.NUMBER, [-704, -75.5, -822, -597, -621, -659, -639, -714, -703, -667, -861, -809],
         ["May-24 is -75.5; the usual level is ~-660: was -755 meant? (10 times too small: a "
          "digit missing or the decimal point slipped)"]),
        # whole, or with a fraction among the other months: nothing tells a slip
        (Unit.CURRENCY_K, [712, 2351, 952, 1800, 1196, 1204, 2748, 586, 101, 900, 1172, 2145], []),
        (Unit.CURRENCY_K, [712, 2351, 952, 1800, 1196, 1204, 2748, 586, 808.5, 900, 1172, 2145],
         []),
        # just below the smallest month (150), not a tenth of anything: 120.5 is no slip
        (Unit.CURRENCY_K, [712, 2351, 952, 1800, 150, 1204, 2748, 586, 120.5, 900, 1172, 2145],
         []),
        # £000s to one decimal: a fraction is how this series is typed
        (Unit.CURRENCY_K, [71.2, 235.1, 95.2, 180.0, 119.6, 120.4, 274.8, 58.6, 10.08, 90.0, 117.2,
                           214.5], []),
    ],
)  # fmt: skip
def test_the_one_figure_with_a_fraction_among_whole_months(
    unit: Unit, values: list[float], expected: list[str]
) -> None:
    got = check_series(ind(unit, ytd=YtdMethod.SUM), monthly(values))
    assert [f.message for f in got] == expected


def test_a_noise_measured_on_few_months_is_widened() -> None:
    """Receipts with four months of nothing leave eight months, and five changes, to tell the
    noise: 29,964 among 800 to 5,100 may well be a real receipt there. The same figure in a
    year of twelve ordinary months is queried."""
    money = ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM)
    lumpy = [0, 2963, 0, 29964, 5103, 0, 2384, 0, 1256, 915, 841, 3285]
    assert check_series(money, monthly(lumpy)) == []
    full = [2500, 2963, 1800, 29964, 5103, 2200, 2384, 1900, 1256, 915, 841, 3285]
    assert [f.message for f in check_series(money, monthly(full))] == [
        "Jul-24 is 29,964; the usual level is ~2,400: was 2,996 meant? (10 times too large: a "
        "digit too many or the decimal point slipped)"
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (0.092, "Sep-24 is 9.2%; the usual level is ~93%: was 92% meant? (10 times too small: "
                "a percentage on the wrong scale)"),
        (0.0093, "Sep-24 is 0.93%; the usual level is ~93%: was 93% meant? (100 times too small"),
        (0.39, "Sep-24 is 39%; the usual level is ~93%: was 93% meant? (two digits swapped)"),
        (0.88, None),  # five points down: a real dip
    ],
)  # fmt: skip
def test_percentage_slips(typed: float, expected: str | None) -> None:
    got = check_series(ind(Unit.PERCENT), monthly(with_month(PERCENT, 5, typed)))
    assert [f.message[: len(expected)] for f in got] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (5430, [["swapped-digits", "Oct-24"]]),  # 4,530 with its first two digits swapped
        (4350, []),  # the middle two: within a few percent, as this series moves
        (4503, []),  # the last two: no different from the level
    ],
)
def test_swapped_digits(typed: float, expected: list[list[str]]) -> None:
    got = check_series(ind(), monthly(with_month(STEADY, 6, typed)))
    assert flat(got) == expected
    if got:
        assert got[0].message == (
            "Oct-24 is 5,430; the usual level is ~4,500: was 4,530 meant? (two digits swapped)"
        )


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        # 18 typical changes off; 4,650 is 1.6 from the level: under a quarter as far, so worth
        # a query
        (6450, ["Sep-24 is 6,450; the usual level is ~4,500: was 4,650 meant? (two digits "
                "swapped)"]),
        (6540, []),  # 5,640 and 6,450 are as far from the level as it is near: no explanation
        (4650, []),  # within this series' few percent
    ],
)  # fmt: skip
def test_a_swap_that_brings_a_far_value_nearly_to_the_level(
    typed: float, expected: list[str]
) -> None:
    got = check_series(ind(), monthly(with_month(STEADY, 5, typed)))
    assert [f.message for f in got] == expected


def test_a_far_percentage_a_swap_brings_within_two_changes_of_the_level() -> None:
    """48% among months of 73-81%: 84% is 1.5 typical changes from the further side's level,
    under a quarter as far as the figure typed (7): worth a query (an eighth was asked before)."""
    values = [0.79, 0.77, 0.77, 0.75, 0.78, 0.78, 0.48, 0.81, 0.78, 0.74, 0.79, 0.73]
    got = check_series(ind(Unit.PERCENT), monthly(values))
    assert [f.message for f in got] == [
        "Oct-24 is 48%; the usual level is ~78%: was 84% meant? (two digits swapped)"
    ]


def test_a_swap_far_off_is_queried_though_the_month_meant_was_low() -> None:
    """A real year of front-seat casualties' share of car passengers hurt (UK, 1981-82, R's
    Seatbelts), August's 62% typed as 26%: 30 typical changes below a level of ~67%. The month
    meant was itself low (62.1%, over 2 typical changes from either side), as real months are;
    a quarter of 30 allows up to 3 (it was 2 at most, and August went unqueried)."""
    values = [0.6660, 0.6829, 0.6583, 0.6692, 0.26, 0.6565, 0.6629, 0.6788, 0.7022, 0.7143,
              0.7025, 0.6707]  # fmt: skip
    got = check_series(ind(Unit.PERCENT), monthly(values))
    assert [f.message for f in got] == [
        "Aug-24 is 26%; the usual level is ~67%: was 62% meant? (two digits swapped)"
    ]
    screen_clears_only_what_the_rules_leave(values, Unit.PERCENT, summed=False)


def test_a_swap_that_lands_on_the_level_is_queried_a_little_nearer() -> None:
    """February's 2,109 is under 4 typical changes of this noisy count from its level; 1,209,
    one swap away, lands almost on it (and on last February's), so it is worth a query. 2,019
    has no swap that comes near: nothing."""
    last_year = [1096, 1053, 1098, 1157, 1160, 957, 1118, 939, 845, 1267, 1080, 1350]
    this_year = [1123, 1116, 1123, 1062, 1234, 1222, 1127, 1181, 956, 1264, 2109, 1569]
    history = monthly(last_year, start=APR24.shift(-12))
    count = ind(ytd=YtdMethod.SUM)
    assert [f.message for f in check_series(count, monthly(this_year), history)] == [
        "Feb-25 is 2,109; the usual level is ~1,200: was 1,209 meant? (two digits swapped)"
    ]
    no_swap_near = monthly(with_month(this_year, 10, 2019))
    assert check_series(count, no_swap_near, history) == []


def test_a_december_dip_or_a_march_peak_is_no_swap_unless_last_year_says_so() -> None:
    """December a tenth down, or March a tenth up, one swap from the level (4,150 from 4,510;
    4,950 from 4,590): with no last year to tell, that is how a council's flows often go, so no
    swap is offered; where last year's December and March were like any month, it is queried."""
    flow = ind(ytd=YtdMethod.SUM)
    dip = with_month(STEADY, 8, 4150)
    peak = with_month(STEADY, 11, 4950)
    for values in (dip, peak):
        assert check_series(flow, monthly(values)) == []
    last_year = monthly(STEADY, start=APR24.shift(-12))
    got = check_series(flow, monthly(dip), last_year)
    assert [f.message for f in got] == [
        "Dec-24 is 4,150; the usual level is ~4,500: was 4,510 meant? (two digits swapped)"
    ]
    got = check_series(flow, monthly(with_month(STEADY, 5, 4150)))  # September: no season
    assert [f.code.value for f in got] == ["swapped-digits"]
    # in a calendar year December is the year's end too: a December peak is its season
    december_peak = monthly(with_month(STEADY, 8, 4950))
    assert [f.code.value for f in check_series(flow, december_peak)] == ["swapped-digits"]
    assert check_series(flow, december_peak, fy_start_month=1) == []


def test_a_stock_or_a_percentage_has_no_season_to_hide_a_swap() -> None:
    """Christmas dips and year-end peaks are flows' (counts and money summed over the year): a
    stock (its YTD the latest figure) in March, or a percentage in December, is offered the swap
    as in any month."""
    stock = ind(ytd=YtdMethod.LATEST)
    got = check_series(stock, monthly(with_month(STEADY, 11, 5490)))
    assert [f.message for f in got] == [
        "Mar-25 is 5,490; the usual level is ~4,500: was 4,590 meant? (two digits swapped)"
    ]
    rate = ind(Unit.PERCENT)
    got = check_series(rate, monthly(with_month(PERCENT, 8, 0.39)))
    assert [f.message for f in got] == [
        "Dec-24 is 39%; the usual level is ~92%: was 93% meant? (two digits swapped)"
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (467, "Oct-24 is 467; the usual level is ~-560: was -467 meant? (the minus sign lost)"),
        (-467, None),
        (-4670, "Oct-24 is -4,670; the usual level is ~-560: was -467 meant? (10 times too large"),
    ],
)
def test_wrong_sign(typed: float, expected: str | None) -> None:
    got = check_series(ind(Unit.NUMBER), monthly(with_month(VARIANCE, 6, typed)))
    assert [f.message[: len(expected)] for f in got] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("month", "typed", "expected"),
    [
        (4, 5050, "Aug-24 is 5,050; the usual level is ~1,000: was 1,020 meant? (it is the "
                  "year-to-date total with that month: the YTD typed in the month)"),
        (1, 2040, "May-24 is 2,040; the usual level is ~1,000: was 1,040 meant? (it is the "
                  "year-to-date total"),
        (4, 4050, None),  # four times the level, but not the YTD of any month near it
    ],
)  # fmt: skip
def test_ytd_typed_in_a_month(month: int, typed: float, expected: str | None) -> None:
    series = monthly(with_month(SUMMED, month, typed))
    got = check_series(ind(ytd=YtdMethod.SUM), series)
    assert [f.message[: len(expected)] for f in got] == ([expected] if expected else [])
    # only an indicator whose YTD is a sum has a YTD total to type
    assert [f.code.value for f in check_series(ind(ytd=YtdMethod.LATEST), series)] != [
        "ytd-in-month"
    ]


def test_the_year_total_typed_in_march_needs_no_more_than_another_month() -> None:
    """The year's last month has a level on one side only, which makes ×10 and swapped digits
    need more; the year-to-date total fits exactly, so 2.5 typical changes are enough there
    too (8,620 is under 3 of this lumpy series' typical changes from its level)."""
    values = [530, 1069, 1475, 430, 439, 480, 180, 913, 1719, 585, 404, 8620]
    got = check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(values))
    assert [f.message for f in got] == [
        "Mar-25 is 8,620; the usual level is ~580: was 396 meant? (it is the year-to-date total "
        "with that month: the YTD typed in the month)"
    ]


def test_a_ytd_typed_far_off_is_queried_though_the_month_meant_was_low() -> None:
    """A real year of euro-area electrical equipment orders (fpp2's elecequip, an index) with
    August's cell holding the year to date: 402.93 is 26 typical changes above its level, and
    the month it leaves, 69.8, was a real dip (3.4 typical changes below). From 8 typical changes out the
    month meant may be a quarter as far as the figure typed, up to 4 typical changes."""
    values = [81.27, 78.68, 89.51, 83.67, 402.93, 91.09, 89.43, 91.04, 92.87, 81.87, 85.36, 92.98]
    got = check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(values))
    assert [f.message for f in got] == [
        "Aug-24 is 402.93; the usual level is ~89: was 69.8 meant? (it is the year-to-date total "
        "with that month: the YTD typed in the month)"
    ]
    screen_clears_only_what_the_rules_leave(values, Unit.CURRENCY_K, summed=True)
    # a month meant further off than that (49.8: 9 typical changes below) is not queried
    assert check_series(ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(
        with_month(values, 4, 382.93))) == []  # fmt: skip


# year-end spending: March about three times an ordinary month (about a quarter's total)
SPEND = [3369, 3951, 3462, 3273, 4443, 3795, 2896, 3905, 3682, 4694, 3500, 10102]


def test_the_ytd_total_is_queried_though_a_march_spike_is_as_high() -> None:
    """Another month near the value usually makes it a feature of the series; the year-to-date
    total fits exactly, so it is queried all the same."""
    got = check_series(
        ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM), monthly(with_month(SPEND, 2, 3369 + 3951 + 3462))
    )
    assert [[f.code.value, f.message] for f in got] == [
        [
            "ytd-in-month",
            "Jun-24 is 10,782; the usual level is ~3,800: was 3,462 meant? (it is the "
            "year-to-date total with that month: the YTD typed in the month)",
        ]
    ]
    # the same value that is not the year to date (nor ×/÷ 10) is like March: not queried
    assert check_series(ind(Unit.CURRENCY_K), monthly(with_month(SPEND, 2, 10782))) == []


# lumpy payments that come in some months only: 0 is one of their usual figures
PAYMENTS = [420, 0, 1310, 0, 760, 2530, 980, 0, 3120, 610, 1870, 1150]


def test_the_ytd_typed_in_a_month_with_nothing() -> None:
    """1,730 is an ordinary month for these receipts (not far from their level), but it is
    exactly Apr-24 + May-24 + Jun-24: far likelier the total typed where there was nothing than
    a month that equals the total to the pound by chance."""
    spend = ind(Unit.CURRENCY_K, ytd=YtdMethod.SUM)
    got = check_series(spend, monthly(with_month(PAYMENTS, 3, 420 + 0 + 1310)))
    assert [[f.code.value, f.message] for f in got] == [
        [
            "ytd-in-month",
            "Jul-24 is 1,730; the usual level is ~980: was 0 meant? (it is exactly the total of "
            "this year's months before it: the year-to-date total typed in a month with nothing)",
        ]
    ]
    assert check_series(spend, monthly(PAYMENTS)) == []
    # a figure near the total but not it, or an indicator without a YTD total: nothing to say
    assert check_series(spend, monthly(with_month(PAYMENTS, 3, 1731))) == []
    assert check_series(ind(Unit.CURRENCY_K), monthly(with_month(PAYMENTS, 3, 1730))) == []


@pytest.mark.parametrize(
    "values",
    [
        # a small count: 5 = 3 + 0 + 2 is an ordinary month as often as not
        with_month([3, 0, 2, 0, 4, 1, 6, 0, 2, 3, 5, 1], 3, 5),
        # one month before: equal to it is a repeat (the runs' business), not a year to date
        with_month(PAYMENTS, 1, 420),
    ],
)
def test_a_month_that_happens_to_be_the_total_is_not_queried(values: list[float]) -> None:
    assert check_series(ind(Unit.COUNT, ytd=YtdMethod.SUM), monthly(values)) == []


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


# --- runs ----------------------------------------------------------------------------------------


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
