"""Typing slips queried: a month's scale, swapped digits, a lost minus sign, the YTD in a month."""

from __future__ import annotations

import pytest

from kpixl.check.plausibility import check_series
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

# FN07b of the samples: a noisy count (Dec-24 is 7,087)
FN07B = [8120, 8935, 8402, 9310, 7986, 8754, 9105, 7657, 7087, 10420, 7607, 10347]
VARIANCE = [-560, -418, -699, -545, -709, -520, -467, -696, -476, -574, -538, -661]
PERCENT = [0.93, 0.92, 0.94, 0.93, 0.91, 0.92, 0.93, 0.92, 0.94, 0.93, 0.92, 0.93]


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
