"""Year-end forecasts: what an officer checks — the projected year end, its range, its reason."""

from __future__ import annotations

import random
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.rate.forecast import Forecast, YearFigures, year_end
from kpixl.register.model import Frequency, Indicator, Kind, Polarity, Unit, YtdMethod
from tests.public_series import UK_DRIVERS_KSI

SEASON = [1.0, 1.04, 0.96, 1.0, 0.84, 1.0, 1.08, 1.04, 0.6, 1.1, 1.0, 1.4]  # Dec dip, Mar peak


def ind(ytd: YtdMethod, unit: Unit = Unit.COUNT, **kw: object) -> Indicator:
    kind = Kind.KPI if "target" in kw else Kind.ACTIVITY
    return Indicator("X1", "x", "Area", kind, unit=unit, ytd=ytd, **kw)  # type: ignore[arg-type]


def year(values: list[float | None], known: int | None = None) -> YearFigures:
    cut = [v if known is None or i < known else None for i, v in enumerate(values)]
    return YearFigures(tuple(cut))


def test_no_forecast_without_a_ytd_too_early_or_once_the_year_is_over() -> None:
    flat = [100.0] * 12
    assert year_end(ind(YtdMethod.NONE), year(flat, 6)) is None
    assert year_end(ind(YtdMethod.SUM), year(flat, 2)) is None  # before month 3
    assert year_end(ind(YtdMethod.SUM), year(flat, 3)) is not None  # from month 3
    assert year_end(ind(YtdMethod.SUM), year(flat)) is None  # March is in: nothing to forecast


def test_a_steady_count_runs_on_at_its_rate_with_a_range_around_it() -> None:
    values = [90.0, 110.0, 100.0, 95.0, 105.0, 100.0] + [None] * 6
    made = year_end(ind(YtdMethod.SUM), YearFigures(tuple(values)))
    assert made is not None
    assert made.value == pytest.approx(1200, rel=0.01)
    assert made.low < 1200 < made.high and made.high - made.low < 200
    assert made.years == 0 and made.rule == "the year so far"
    assert "6 months known" in made.how() and "no earlier years are known" in made.how()


def test_earlier_years_give_the_months_to_come_their_season() -> None:
    """September: the December dip and the March peak still to come are in the forecast."""
    history = [year([100 * (1.05**y) * s for s in SEASON]) for y in range(3)]
    actual = [115.76 * s for s in SEASON]
    made = year_end(ind(YtdMethod.SUM), year(actual, 6), history)
    assert made is not None
    assert made.value == pytest.approx(sum(actual), rel=1e-6)
    assert made.years == 3 and "seasons" in made.rule
    plain = year_end(ind(YtdMethod.SUM), year(actual, 6))
    assert plain is not None and plain.value < made.value  # without them, March's peak is missed


def test_an_earlier_year_with_a_month_or_two_missing_still_gives_its_seasons() -> None:
    """A return never sent, a month a published series left out: the year is filled in from
    the months beside it and still counts; a year with three months missing does not."""
    history = [[100 * (1.05**y) * s for s in SEASON] for y in range(3)]
    holed: list[list[float | None]] = [list(h) for h in history]
    holed[0][4], holed[1][8], holed[2][1], holed[2][10] = None, None, None, None
    actual = [115.76 * s for s in SEASON]
    made = year_end(ind(YtdMethod.SUM), year(actual, 6), [year(h) for h in holed])
    assert made is not None and made.years == 3 and "seasons" in made.rule
    assert made.value == pytest.approx(sum(actual), rel=0.01)
    holed[2][5] = None  # three missing: that year is not used
    made = year_end(ind(YtdMethod.SUM), year(actual, 6), [year(h) for h in holed])
    assert made is not None and made.years == 2


def test_a_ratio_projects_numerators_and_denominators_apart() -> None:
    dens = [200.0, 210.0, 190.0, 205.0, 195.0, 200.0]
    nums = [d * 0.9 for d in dens]
    this = YearFigures(
        tuple([0.9] * 6 + [None] * 6), tuple(nums + [None] * 6), tuple(dens + [None] * 6)
    )
    made = year_end(ind(YtdMethod.RATIO, Unit.PERCENT, target=0.85, floor=0.8), this)
    assert made is not None and made.method == "ratio"
    assert made.value == pytest.approx(0.9)
    assert made.low <= 0.9 <= made.high


def test_a_rate_without_numerators_is_projected_as_a_mean() -> None:
    this = year([0.8, 0.82, 0.84, 0.86, 0.88, 0.9], None)
    this = YearFigures(this.values + (None,) * 6)
    made = year_end(ind(YtdMethod.RATIO, Unit.PERCENT, target=0.85, floor=0.8), this)
    assert made is not None and made.method == "mean"
    assert 0.8 < made.value < 0.9


def test_a_snapshot_is_forecast_from_its_latest_figure() -> None:
    this = YearFigures((500.0, 520.0, 540.0, 560.0) + (None,) * 8)
    made = year_end(ind(YtdMethod.LATEST), this)
    assert made is not None and made.value == 560.0 and made.method == "latest"


def _walk(seed: int) -> list[YearFigures]:
    """Four years of a stock that moves by chance (3% a month, either way): no seasons."""
    rng, level, years = random.Random(seed), 1000.0, []
    for _ in range(4):
        months = []
        for _ in range(12):
            level *= rng.gauss(1, 0.03)
            months.append(float(round(level)))
        years.append(YearFigures(tuple(months)))
    return years


def test_a_snapshot_that_moves_by_chance_runs_on_from_its_latest_figure() -> None:
    """Its 'seasons' missed a third less on average over three earlier years, but in one of
    them they missed more: chance, not a season, so the forecast is September's figure."""
    *history, this = _walk(2)
    made = year_end(ind(YtdMethod.LATEST), year(list(this.values), 6), history)
    assert made is not None and made.rule == "the year so far"
    assert made.value == this.values[5]


def test_a_snapshot_with_a_season_every_year_takes_it() -> None:
    """A stock that rises a third from September to March every year (school places, say)."""
    shape = [1.0] * 6 + [1.05, 1.1, 1.15, 1.2, 1.25, 1.33]
    history = [year([100.0 * (1 + y / 20) * s for s in shape]) for y in range(3)]
    this = year([115.0] * 6 + [None] * 6)
    made = year_end(ind(YtdMethod.LATEST), this, history)
    assert made is not None and made.rule == "the year so far with the seasons of earlier years"
    assert made.value == pytest.approx(115 * 1.33, rel=0.03)


def test_a_quarterly_indicator_is_forecast_from_its_first_quarter() -> None:
    quarterly = Indicator("Q1", "q", "Area", Kind.ACTIVITY, frequency=Frequency.QUARTERLY,
                          unit=Unit.COUNT, ytd=YtdMethod.SUM)  # fmt: skip
    made = year_end(quarterly, YearFigures((300.0, None, None, None)))
    assert made is not None and made.value == pytest.approx(1200) and made.known == 1
    assert "1 quarter known" in made.how("quarter")


SMALL = [8.0, 12, 10, 14, 6, 10, 12, 8, 10, 11, 9, 10]  # a small count: 120 a year, give or take


def test_a_small_counts_few_months_are_steadied_by_last_years_level() -> None:
    """June of a count of ~10 a month that opened the year at 15: three months of a small
    count say less than three whole years that each came to 120, so the year end is drawn
    towards last year's 10 a month — but not all the way."""
    history = [year(SMALL[i:] + SMALL[:i]) for i in (0, 4, 8)]  # 120 each, months shuffled
    this = year([16.0, 14, 15] + [None] * 9)
    made = year_end(ind(YtdMethod.SUM), this, history)
    carried = 45 + 9 * 15  # the three months carried on
    assert made is not None and 45 + 9 * 10 < made.value < 45 + 9 * 12 < carried


def test_a_level_that_moves_from_year_to_year_is_not_held_back() -> None:
    """The same small count, but each year half as big again as the one before: last year's
    level says little about this year's, so this year's months decide."""
    history = [year([v * 1.5**y for v in SMALL]) for y in range(3)]
    level = 10 * 1.5**3
    this = year([level * 1.1, level * 0.9, level] + [None] * 9)
    made = year_end(ind(YtdMethod.SUM), this, history)
    assert made is not None
    assert made.value == pytest.approx(12 * level, rel=0.04)


def _rest(made: Forecast | None, known: list[float]) -> float:
    """What a forecast projects for the months to come."""
    assert made is not None
    return made.value - sum(known)


def test_with_earlier_years_every_month_so_far_counts_but_an_odd_one_counts_less() -> None:
    """September of the small count: a month of 20 among months of about 11 is a small
    count's chance, not a one-off, and says the level may be higher — it moves the months to
    come a little (a median or a trimmed mean would ignore it); a month of 200 moves them no
    more than a plausible high month does."""
    history = [year(SMALL[i:] + SMALL[:i]) for i in (0, 4, 8)]
    steady = [10.0, 12, 14, 9, 11, 14]
    high = [10.0, 12, 20, 9, 11, 14]
    wild = [10.0, 12, 200, 9, 11, 14]
    rest = {
        name: _rest(year_end(ind(YtdMethod.SUM), year(months + [None] * 6), history), months)
        for name, months in (("steady", steady), ("high", high), ("wild", wild))
    }
    assert rest["steady"] < rest["high"] < rest["steady"] * 1.05
    assert rest["wild"] < rest["steady"] * 1.1


def test_a_season_is_the_years_average_where_they_all_show_it() -> None:
    """Lumpy spending, its months a quarter either side of 100 from year to year, whose March
    came to 230, 140 and 150 in three years: in such a series all three are March's year-end
    spend, so the months to come carry their average (shrunk a little for the noise), not the
    middle year's 150 — about 15 more than three years of 150 would give (no more with the
    middle year's alone)."""
    turn = (1, 0, -1)
    months = [[100 * (1 + 0.25 * turn[(m + y) % 3]) for m in range(11)] for y in range(3)]
    this = [100.0, 95, 105, 100, 98, 102]

    def rest(march: tuple[float, float, float]) -> float:
        history = [year([*ms, m]) for ms, m in zip(months, march, strict=True)]
        return _rest(year_end(ind(YtdMethod.SUM), year(this + [None] * 6), history), this)

    assert rest((230.0, 140.0, 150.0)) > rest((150.0, 150.0, 150.0)) + 10


def test_a_one_month_shock_in_an_earlier_year_makes_no_season() -> None:
    """A count steady at 100 but for one earlier year's August at 30: August is no dip."""
    history = [year([100.0] * 12), year([100.0] * 4 + [30.0] + [100.0] * 7), year([100.0] * 12)]
    made = year_end(ind(YtdMethod.SUM), year([100.0] * 3 + [None] * 9), history)
    assert made is not None and made.value == pytest.approx(1200, rel=0.005)


@pytest.mark.parametrize("known", [3, 6, 9])
def test_with_no_earlier_year_the_range_holds_most_year_ends(known: int) -> None:
    """Four hundred years of a count of about 100 a month (spread 10), forecast with nothing
    but the year so far: the range is meant to hold the year end four times in five; for such
    a plain series it may hold more (it also allows for a season not yet seen), never fewer."""
    rng = random.Random(known)
    held = 0
    for _ in range(400):
        months = [rng.gauss(100, 10) for _ in range(12)]
        made = year_end(ind(YtdMethod.SUM), year(months, known))
        assert made is not None
        held += made.low <= sum(months) <= made.high
    assert 0.8 <= held / 400 <= 0.98


def test_a_range_is_never_finer_than_the_dashboard_shows_nor_above_100_percent() -> None:
    """Six months at 99.8%, shown as whole percents: the range is at least half a point either
    side (what the dashboard shows as 99% to 100% is all one can say), and stops at 100%."""
    kpi = ind(YtdMethod.MEAN, Unit.PERCENT, target=0.99, floor=0.95, decimals=0)
    made = year_end(kpi, year([0.998] * 6 + [None] * 6))
    assert made is not None and made.value == pytest.approx(0.998)
    assert made.low == pytest.approx(0.993) and made.high == 1.0
    tenths = ind(YtdMethod.SUM, Unit.COUNT, decimals=1)
    made = year_end(tenths, year([5.0] * 6 + [None] * 6))
    assert made is not None and made.high - made.low == pytest.approx(0.1)


def test_a_one_month_shock_does_not_move_the_months_to_come() -> None:
    values = [100.0, 102.0, 98.0, 101.0, 8.0, 99.0] + [None] * 6  # a slip or strike in August
    made = year_end(ind(YtdMethod.SUM), YearFigures(tuple(values)))
    assert made is not None
    assert made.value == pytest.approx(508 + 6 * 100, rel=0.02)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(10, 10_000), min_size=3, max_size=11),
    st.floats(0.1, 50),
)
def test_a_total_forecast_scales_with_the_figures(values: list[float], scale: float) -> None:
    pad = [None] * (12 - len(values))
    made = year_end(ind(YtdMethod.SUM), YearFigures((*values, *pad)))
    scaled = year_end(ind(YtdMethod.SUM), YearFigures((*(v * scale for v in values), *pad)))
    assert made is not None and scaled is not None
    assert scaled.value == pytest.approx(made.value * scale, rel=1e-9)
    assert made.low <= made.value <= made.high
    assert made.value >= sum(values)  # a count never falls back


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(-1e15, 1e15), st.sampled_from([0.0, -0.0, 1e-300, 5e-324, 1e15])),
        min_size=3,
        max_size=11,
    )
)
def test_any_figures_a_return_can_hold_give_a_forecast_or_none(values: list[float]) -> None:
    """Figures as extreme as the reader lets through (up to 10^15, next to nothing, signs
    mixed): a forecast within its range, or none — never an error (a stray of a level next to
    nothing once overflowed)."""
    pad = [None] * (12 - len(values))
    made = year_end(ind(YtdMethod.SUM, Unit.NUMBER), YearFigures((*values, *pad)))
    assert made is None or made.low <= made.value <= made.high


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 0.99), st.integers(3, 11))
def test_a_rate_that_never_moves_is_forecast_where_it_is(rate: float, known: int) -> None:
    this = YearFigures(tuple([rate] * known + [None] * (12 - known)))
    made = year_end(ind(YtdMethod.MEAN, Unit.PERCENT, target=0.5, floor=0.4,
                        polarity=Polarity.HIGHER), this)  # fmt: skip
    assert isinstance(made, Forecast) and made.value == pytest.approx(rate)


@pytest.mark.parametrize("times", [2.0, 0.5])
def test_a_level_that_stands_apart_from_the_earlier_years_is_this_years_own(
    times: float,
) -> None:
    """Calls steady at ~1,000 a month for three years, then from April twice as many (a new
    duty) or half (a service moved away): June's forecast runs on at this year's level, not
    one drawn back towards the earlier years', and its range is this year's months' own."""
    rng = random.Random(3)
    history = [year([1000 * rng.gauss(1, 0.05) for _ in range(12)]) for _ in range(3)]
    this = [1000 * times * rng.gauss(1, 0.05) for _ in range(12)]
    made = year_end(ind(YtdMethod.SUM), year(this, 3), history)
    assert made is not None and "standing apart" in made.rule
    assert made.value == pytest.approx(sum(this[:3]) * 4, rel=0.05)
    assert made.low < sum(this) < made.high


def test_a_rate_that_stands_apart_from_the_earlier_years_is_this_years_own() -> None:
    """A KPI at ~80% for three years that a new system took to ~95% from April: September's
    forecast is ~95%, not pulled back towards 80%."""
    rng = random.Random(5)
    kpi = ind(YtdMethod.MEAN, Unit.PERCENT, target=0.9, floor=0.85)
    history = [year([0.8 + rng.gauss(0, 0.01) for _ in range(12)]) for _ in range(3)]
    this = [0.95 + rng.gauss(0, 0.01) for _ in range(6)]
    made = year_end(kpi, year([*this, *[None] * 6]), history)
    assert made is not None and "standing apart" in made.rule
    assert made.value == pytest.approx(0.95, abs=0.01)


def test_an_ordinary_year_is_not_taken_for_a_new_level() -> None:
    """Months that stray as the earlier years' did, about a level that moved as those years'
    levels moved, keep the earlier years' level and seasons."""
    rng = random.Random(8)
    years = [[1000 * 1.03**y * s * rng.gauss(1, 0.04) for s in SEASON] for y in range(4)]
    made = year_end(ind(YtdMethod.SUM), year(years[-1], 6), [year(y) for y in years[:-1]])
    assert made is not None
    assert made.rule == "the year so far with the seasons and level of earlier years"


def test_a_level_that_changed_within_the_year_runs_on_from_the_change() -> None:
    """Calls steady at ~1,000 a month for three years and this April to June, twice as many
    from July: September's forecast runs on at ~2,000 a month; with only August known (two
    months since the change, which could be two one-offs) it does not yet."""
    rng = random.Random(2)
    history = [year([1000 * rng.gauss(1, 0.05) for _ in range(12)]) for _ in range(3)]
    this = [1000 * (2 if m >= 3 else 1) * rng.gauss(1, 0.05) for m in range(12)]
    made = year_end(ind(YtdMethod.SUM), year(this, 6), history)
    assert made is not None and made.rule.startswith("the months since this year's level changed")
    since = sum(this[3:6]) / 3  # July to September, about 2,000
    assert made.value == pytest.approx(sum(this[:6]) + 6 * since, rel=0.02)
    assert made.low < sum(this) < made.high
    early = year_end(ind(YtdMethod.SUM), year(this, 5), history)
    assert early is not None and "changed" not in early.rule


def test_two_one_offs_at_the_end_are_not_taken_for_a_change() -> None:
    """August and September at half the usual (two one-offs in a row): not a new level."""
    rng = random.Random(6)
    history = [year([1000 * rng.gauss(1, 0.05) for _ in range(12)]) for _ in range(3)]
    this = [1000 * rng.gauss(1, 0.05) * (0.5 if m in (4, 5) else 1) for m in range(12)]
    made = year_end(ind(YtdMethod.SUM), year(this, 6), history)
    assert made is not None
    assert made.rule == "the year so far with the seasons and level of earlier years"


def test_with_no_earlier_year_the_months_count_alike_and_a_far_one_only_so_far() -> None:
    """The first year kpixl holds. June's forecast runs three ordinary months on at their mean
    (their median would leave two of them out: on real published series that missed a tenth
    more at month 3). September's, with July at half the usual (a strike), runs on at about the
    usual level: July counts only one and a half usual strays below it, as Huber's estimate
    counts a far month (the mean would be 920)."""

    def known(months: list[float]) -> YearFigures:
        return year(months + [0.0] * (12 - len(months)), len(months))

    june = year_end(ind(YtdMethod.SUM), known([1000, 1060, 970]))
    assert june is not None and june.value == pytest.approx(3030 + 9 * 1010)
    september = year_end(ind(YtdMethod.SUM), known([1000, 1040, 980, 500, 1010, 990]))
    assert september is not None
    assert 5520 + 6 * 975 < september.value < 5520 + 6 * 1000
    # a budget variance, below nothing every month, the same (its median would be -560)
    variance = year_end(ind(YtdMethod.SUM, Unit.NUMBER), known([-560, -418, -699]))
    assert variance is not None and variance.value == pytest.approx(-1677 + 9 * -559)


def test_with_no_earlier_year_a_change_within_the_year_is_seen_too() -> None:
    """The first year kpixl holds: calls at ~1,000 a month from April to June and ~2,000 from
    July. September's forecast runs on from July, the stray measured on this year's own
    month-to-month changes (the change is one change among them, not their median) — in most
    such years: six months say little about how far months stray. A steady year is not taken
    for a changed one."""
    seen = 0
    for seed in range(10):
        rng = random.Random(seed)
        this = [1000 * (2 if m >= 3 else 1) * rng.gauss(1, 0.05) for m in range(12)]
        made = year_end(ind(YtdMethod.SUM), year(this, 6))
        assert made is not None and made.low < sum(this) < made.high
        if made.rule == "the months since this year's level changed":
            seen += 1
            since = statistics.fmean(this[3:6])  # three months alike: about their mean
            assert made.value == pytest.approx(sum(this[:6]) + 6 * since, rel=0.02)
        steady = [1000 * rng.gauss(1, 0.05) for _ in range(12)]
        plain = year_end(ind(YtdMethod.SUM), year(steady, 6))
        assert plain is not None and plain.rule == "the year so far"
    assert seen >= 8


def test_a_real_series_is_forecast_closer_than_the_year_so_far_carried_on() -> None:
    """The fifteen whole financial years (April to March) of a real series with a strong
    winter peak. Each year from the fourth, forecast in September from its first six months
    and the three years before, misses its year end by about half as much as the year so far
    carried on (3.1% against 5.9%: April to September is the quieter half), and its range
    holds the year end in 11 years of 12. The first year under the 1983 seat-belt law (in force
    from that January) stands apart from the years before, and is forecast from its own level."""
    years = [UK_DRIVERS_KSI[i : i + 12] for i in range(3, len(UK_DRIVERS_KSI) - 11, 12)]
    missed, carried, held, rules = [], [], 0, []
    for y in range(3, len(years)):
        this, actual = years[y], sum(years[y])
        earlier = [year(list(e)) for e in years[y - 3 : y]]
        made = year_end(ind(YtdMethod.SUM), year(list(this), 6), earlier)
        assert made is not None
        rules.append(made.rule)
        missed.append(abs(made.value - actual) / actual)
        carried.append(abs(2 * sum(this[:6]) - actual) / actual)
        held += made.low <= actual <= made.high
    steadied = "the year so far with the seasons and level of earlier years"
    apart = (
        "the year so far with the seasons of earlier years, its level standing apart from theirs"
    )
    assert rules == [steadied] * 11 + [apart]  # FY 1983/84
    assert statistics.fmean(missed) < 0.6 * statistics.fmean(carried)
    assert held >= 10


def test_a_total_below_nothing_is_forecast_as_its_size() -> None:
    """A budget variance, an overspend of about 600 every month for three years, this year
    starting at about 680: June's forecast leans on those years as a count's would, the months
    to come at about 600 (it was the three months alone, 683, as if there were no earlier
    years), and its range stays below nothing."""
    rng = random.Random(3)
    history = [year([-600 * rng.gauss(1, 0.1) for _ in range(12)]) for _ in range(3)]
    this = [-700.0, -660.0, -690.0] + [-600.0] * 9
    made = year_end(ind(YtdMethod.SUM, Unit.NUMBER), year(this, 3), history)
    assert made is not None
    assert made.low < made.value < made.high < 0
    to_come = (made.value - sum(this[:3])) / 9
    assert -640 < to_come < -590
