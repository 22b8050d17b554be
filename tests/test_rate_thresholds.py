"""Next year's thresholds suggested from past years: the values and the evidence (issue 18)."""

from __future__ import annotations

import pytest

from kpixl.rate.forecast import YearFigures
from kpixl.rate.thresholds import suggest
from kpixl.register.model import AlertOn, Indicator, Kind, Polarity, Unit, YtdMethod

SEASON = [1.0, 1.04, 0.96, 1.0, 0.84, 1.0, 1.08, 1.04, 0.6, 1.1, 1.0, 1.4]


def activity(alert_on: AlertOn, ytd: YtdMethod = YtdMethod.SUM) -> Indicator:
    return Indicator("A1", "calls", "Area", Kind.ACTIVITY, unit=Unit.COUNT, ytd=ytd,
                     upper=1300.0, lower=700.0, alert_on=alert_on)  # fmt: skip


def years(levels: list[float]) -> list[YearFigures]:
    return [YearFigures(tuple(level * s for s in SEASON)) for level in levels]


def test_nothing_is_suggested_without_a_year_nearly_whole() -> None:
    part = YearFigures((100.0, 100.0, None, None, None, *([100.0] * 7)))  # three months missing
    assert suggest(activity(AlertOn.LATEST), [part]) is None


def test_a_year_with_a_month_missing_still_counts() -> None:
    """A return never sent: the years, each a month short, suggest what the whole years do."""
    whole = years([1000, 1100, 1210])
    holed = [
        YearFigures(tuple(None if i == gone else v for i, v in enumerate(y.values)))
        for y, gone in zip(whole, (1, 5, 9), strict=True)
    ]
    for alert_on in (AlertOn.LATEST, AlertOn.YTD):
        made, full = suggest(activity(alert_on), holed), suggest(activity(alert_on), whole)
        assert made is not None and full is not None and made.years == full.years == 3
        assert made.upper == pytest.approx(full.upper, rel=0.05)
        assert made.lower == pytest.approx(full.lower, rel=0.05)


def test_a_monthly_range_follows_the_trend_and_holds_most_months() -> None:
    made = suggest(activity(AlertOn.LATEST), years([1000, 1100, 1210]))
    assert made is not None and made.upper is not None and made.lower is not None
    # last year's typical month (1,210), moved on by half the 10% a year trend: ~1,270
    assert made.lower < 1270 < made.upper
    assert made.lower == pytest.approx(1270 * 0.84, rel=0.05)  # December's dip sets the low end
    assert 0.5 <= (made.held or 0) <= 0.95 and made.basis == "months inside, tried on past years"
    assert made.years == 3 and "trend" in made.method


def test_a_year_end_range_for_an_activity_alerting_on_its_ytd() -> None:
    made = suggest(activity(AlertOn.YTD), years([1000, 1050, 1100]))
    assert made is not None and made.upper is not None and made.lower is not None
    total = 1100 * sum(SEASON)
    assert made.lower < total * 1.02 < made.upper  # ~2.5% a year, half of it expected
    assert made.basis == "year ends inside, tried on past years"


@pytest.mark.parametrize(("polarity", "target", "floor"), [
    (Polarity.HIGHER, 0.92, 0.85), (Polarity.LOWER, 0.85, 0.92),
])  # fmt: skip
def test_a_kpi_target_is_the_best_recent_year_and_its_floor_the_worst(
    polarity: Polarity, target: float, floor: float
) -> None:
    ind = Indicator("K1", "on time", "Area", Kind.KPI, unit=Unit.PERCENT, ytd=YtdMethod.MEAN,
                    polarity=polarity, target=0.9, floor=0.8)  # fmt: skip
    past = [YearFigures(tuple([r] * 12)) for r in (0.88, 0.85, 0.92)]
    made = suggest(ind, past)
    assert made is not None
    assert made.target == pytest.approx(target) and made.floor == pytest.approx(floor)
    share = 1 / 3  # the 0.92 year's months meet the higher target; the 0.85 year's the lower
    assert made.held == pytest.approx(share) and made.basis == "past months GREEN"


def test_a_kpi_rated_month_by_month_takes_its_years_typical_months() -> None:
    """FN06 and PI01 have no YTD: their years are judged by their median month, not a crash."""
    ind = Indicator("K2", "rent outstanding", "Area", Kind.KPI, unit=Unit.PERCENT,
                    ytd=YtdMethod.NONE, polarity=Polarity.LOWER, target=0.05, floor=0.1)  # fmt: skip
    past = [YearFigures((0.04,) * 6 + (0.09,) * 6), YearFigures((0.03,) * 7 + (0.08,) * 5)]
    made = suggest(ind, past)
    assert made is not None
    assert made.target == pytest.approx(0.03) and made.floor == pytest.approx(0.065)
    assert "typical months" in made.method


def test_a_monthly_range_allows_for_a_level_that_moves_from_year_to_year() -> None:
    """Months steady within each year, but a level that moved by a fifth from one year to the
    next: the months' own band (±1%) would miss next year's whichever way it moves; the range
    allows for a move as large as the years have shown."""
    flat = [YearFigures(tuple(level * (1 + 0.002 * (i % 3)) for i in range(12)))
            for level in (1000.0, 1200.0, 1000.0)]  # fmt: skip
    made = suggest(activity(AlertOn.LATEST), flat)
    assert made is not None and made.upper is not None and made.lower is not None
    assert made.lower < 1000 and made.upper > 1200
    assert made.upper - made.lower < 700  # not everything: a fifth either way, about


def test_a_kpi_with_one_year_says_its_floor_is_one_spread_short_of_that_year() -> None:
    """One year has no best and worst: the target is its year end and the floor one standard
    deviation of its months short of it, and the method says so (not "the best of the last 1
    year end(s)")."""
    ind = Indicator("K3", "answered", "Area", Kind.KPI, unit=Unit.PERCENT, ytd=YtdMethod.MEAN,
                    polarity=Polarity.LOWER, target=0.1, floor=0.2)  # fmt: skip
    made = suggest(ind, [YearFigures((0.1, 0.2) * 6)])
    assert made is not None and made.years == 1
    assert made.target == pytest.approx(0.15) and made.floor == pytest.approx(0.2)
    assert made.method == (
        "target: last year's year end; floor: one standard deviation of the months short of it"
    )
    three = suggest(ind, [YearFigures((0.1, 0.2) * 6)] * 2 + [YearFigures((0.12,) * 12)])
    assert three is not None
    assert three.method == "target: the best of the last 3 year ends; floor: the worst"


def test_an_activity_with_one_year_says_its_range_was_tried_on_nothing_else() -> None:
    """With one year there is no trend, no move of the level and no other year to try the
    range on: the method and evidence say so, and a year-end range claims no share held."""
    one = years([1000])
    monthly = suggest(activity(AlertOn.LATEST), one)
    assert monthly is not None and monthly.years == 1
    assert "no trend" in monthly.method and "widened" not in monthly.method
    assert monthly.basis == "one year only: its own months inside"
    assert 0.7 <= (monthly.held or 0) <= 0.9  # four in five of its own months, about
    year_end = suggest(activity(AlertOn.YTD), one)
    assert year_end is not None and year_end.held is None
    assert year_end.basis == "one year only: no other year to try it on"
    total = 1000 * sum(SEASON)
    assert year_end.lower == pytest.approx(total * 0.9) and year_end.upper == pytest.approx(
        total * 1.1
    )


def test_a_variance_below_nothing_gets_a_range_below_nothing() -> None:
    """A budget variance, an overspend every month (about -600, the months scattered by a
    tenth): its suggested monthly range runs from further below nothing to nearer it, about
    its level, and its year-end range likewise (both were turned inside out, the lower end
    above the upper, and the year end's lower end raised to nothing)."""
    scatter = [1.0, 1.1, 0.9, 1.05, 0.95, 1.0, 1.12, 0.88, 1.0, 1.08, 0.92, 1.0]
    past = [YearFigures(tuple(level * s for s in scatter)) for level in (-580.0, -600.0, -590.0)]
    monthly = suggest(activity(AlertOn.LATEST), past)
    assert monthly is not None and monthly.lower is not None and monthly.upper is not None
    assert -750 < monthly.lower < -600 < -590 < monthly.upper < -450
    yearly = suggest(activity(AlertOn.YTD), past)
    assert yearly is not None and yearly.lower is not None and yearly.upper is not None
    assert yearly.lower < 12 * -590 < yearly.upper < 0
