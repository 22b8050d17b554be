"""Plausibility warnings: drag-fills, flat runs, outliers and near-zero drops."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kpixl.check.plausibility import Finding, check_series
from kpixl.issues import IssueCode
from kpixl.periods import Period
from kpixl.register.model import Frequency, Indicator, Kind, Unit

FAST = settings(max_examples=200, deadline=None)
DRAG, FLAT, OUT, NEAR = (
    IssueCode.DRAG_FILL,
    IssueCode.FLAT_RUN,
    IssueCode.OUTLIER,
    IssueCode.NEAR_ZERO,
)
APR24 = Period(2024, 4)


def ind(unit: Unit = Unit.COUNT, **kw: Any) -> Indicator:
    return Indicator(
        ref="X01", description="Test", service_area="Test", kind=Kind.ACTIVITY, unit=unit, **kw
    )


def monthly(
    values: Sequence[float], start: Period = APR24, step: int = 1
) -> list[tuple[Period, float]]:
    return [(start.shift(i * step), v) for i, v in enumerate(values)]


def flat(findings: list[Finding]) -> list[list[str]]:
    """Findings as a reader would list them: code and period label."""
    return [[f.code.value, f.period.label] for f in findings]


# --- drag-fill --------------------------------------------------------------------------------


def test_cs08_drag_fill_message() -> None:
    series = monthly([32114, 26436, 26437, 26438, 26439], start=Period(2024, 11))
    (finding,) = check_series(ind(), series)
    assert flat([finding]) == [["drag-fill", "Mar-25"]]
    assert finding.message == (
        "values rise by exactly 1 each month for Dec-24 to Mar-25 (26,436 → 26,439): "
        "this looks like an Excel drag-fill; check the real figures"
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([10, 11, 12, 13], [["drag-fill", "Jul-24"]]),
        ([10, 11, 12], []),  # two steps only
        ([10, 11, 12, 14, 15], []),
        ([10, 11, 12, 13, 14, 15], [["drag-fill", "Sep-24"]]),  # one finding per run
        ([1, 2, 3, 4, 9, 20, 21, 22, 23], [["drag-fill", "Jul-24"], ["drag-fill", "Dec-24"]]),
        ([13, 12, 11, 10], []),  # falling is not a +1 fill
        ([0.5, 1.5, 2.5, 3.5], [["drag-fill", "Jul-24"]]),
        ([10, 12, 14, 16], []),
    ],
)
def test_drag_fill(values: list[float], expected: list[list[str]]) -> None:
    assert flat(check_series(ind(), monthly(values))) == expected


def test_drag_fill_broken_by_a_gap() -> None:
    series = [(APR24, 10.0), (APR24.shift(1), 11.0), (APR24.shift(3), 12.0), (APR24.shift(4), 13.0)]
    assert check_series(ind(), series) == []


def test_drag_fill_quarterly_steps_are_quarters() -> None:
    quarterly = ind(frequency=Frequency.QUARTERLY)
    (finding,) = check_series(quarterly, monthly([5, 6, 7, 8], start=Period(2024, 6), step=3))
    assert flat([finding]) == [["drag-fill", "Mar-25"]]
    assert "each quarter for Jun-24 to Mar-25" in finding.message


@pytest.mark.parametrize("unit", [Unit.COUNT, Unit.CURRENCY_K, Unit.SECONDS, Unit.NUMBER])
def test_drag_fill_applies_to_every_non_percent_unit(unit: Unit) -> None:
    assert flat(check_series(ind(unit), monthly([1, 2, 3, 4]))) == [["drag-fill", "Jul-24"]]


def test_no_drag_fill_for_percent() -> None:
    assert check_series(ind(Unit.PERCENT), monthly([1, 2, 3, 4])) == []


# --- flat run ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "values", "frequency", "expected"),
    [
        (Unit.COUNT, [7, 7, 7], Frequency.MONTHLY, [["flat-run", "Jun-24"]]),
        (Unit.COUNT, [7, 7], Frequency.MONTHLY, []),
        (Unit.COUNT, [7, 7, 8, 8], Frequency.MONTHLY, []),
        (Unit.COUNT, [7, 7, 7, 7, 7], Frequency.MONTHLY, [["flat-run", "Aug-24"]]),
        (Unit.CURRENCY_K, [442, 442, 442], Frequency.MONTHLY, [["flat-run", "Jun-24"]]),
        (Unit.COUNT, [0, 0, 0], Frequency.MONTHLY, [["flat-run", "Jun-24"]]),
        (Unit.COUNT, [0, 0, 0], Frequency.QUARTERLY, []),  # nothing happened this quarter
        (Unit.COUNT, [3, 3, 3], Frequency.QUARTERLY, [["flat-run", "Dec-24"]]),
        (Unit.SECONDS, [30, 30, 30], Frequency.MONTHLY, []),
        (Unit.NUMBER, [30, 30, 30], Frequency.MONTHLY, []),
        (Unit.PERCENT, [0.9, 0.9, 0.9], Frequency.MONTHLY, []),
    ],
)
def test_flat_run(
    unit: Unit, values: list[float], frequency: Frequency, expected: list[list[str]]
) -> None:
    step = 3 if frequency is Frequency.QUARTERLY else 1
    start = Period(2024, 6) if step == 3 else APR24
    got = check_series(ind(unit, frequency=frequency), monthly(values, start=start, step=step))
    assert flat(got) == expected


def test_flat_run_message() -> None:
    (finding,) = check_series(ind(), monthly([1234, 1234, 1234], start=Period(2025, 1)))
    assert finding.message.startswith("the value is 1,234 in every month from Jan-25 to Mar-25")


# --- outliers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "values", "expected"),
    [
        (Unit.COUNT, [100, 104, 98, 101, 103, 400], [["outlier", "Sep-24"]]),
        (Unit.COUNT, [100, 104, 98, 101, 400], []),  # fewer than six values
        (Unit.NUMBER, [100, 100, 100, 100, 100, 400], []),  # MAD of the others is 0
        (Unit.COUNT, [100, 104, 98, 101, 103, 110], []),
        (Unit.PERCENT, [0.42, 0.40, 0.44, 0.41, 0.43, 0.86], [["outlier", "Sep-24"]]),
        (Unit.PERCENT, [0.42, 0.40, 0.86, 0.44, 0.41, 0.43], [["outlier", "Jun-24"]]),
    ],
)
def test_outlier(unit: Unit, values: list[float], expected: list[list[str]]) -> None:
    assert flat(check_series(ind(unit), monthly(values))) == expected


def test_outlier_message_formats_for_the_unit() -> None:
    (pct,) = check_series(ind(Unit.PERCENT), monthly([0.42, 0.40, 0.44, 0.41, 0.43, 0.86]))
    assert pct.message.startswith("Sep-24 is 86%, far outside this indicator's other values")
    assert "(median 42%)" in pct.message
    (half,) = check_series(ind(Unit.PERCENT), monthly([0.42, 0.40, 0.44, 0.41, 0.43, 0.945]))
    assert half.message.startswith("Sep-24 is 95%,")  # as Excel shows it, not 94%
    (count,) = check_series(ind(), monthly([1000, 1040, 980, 1010, 1030, 40000]))
    assert count.message.startswith("Sep-24 is 40,000,")
    assert "(median 1,010)" in count.message


# --- near-zero --------------------------------------------------------------------------------


def test_pi01b_near_zero() -> None:
    series = monthly([442, 423, 18, 266, 367], start=Period(2024, 11))
    (finding,) = check_series(ind(Unit.CURRENCY_K), series)
    assert flat([finding]) == [["near-zero", "Jan-25"]]
    assert finding.message.startswith("Jan-25 is 18, under a tenth of the usual level")
    assert "median of the other months 395" in finding.message


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([100, 100, 9, 100], [["near-zero", "Jun-24"]]),
        ([100, 100, 10, 100], []),  # exactly a tenth
        ([40, 40, 3, 40], []),  # usual level under 50
        ([50, 50, 4, 50], [["near-zero", "Jun-24"]]),
        ([100, 2, 100], []),  # too few other values to know the usual level
        ([100, 104, 98, 0, 103, 101], [["near-zero", "Jul-24"]]),  # near-zero, not outlier
    ],
)
def test_near_zero(values: list[float], expected: list[list[str]]) -> None:
    assert flat(check_series(ind(), monthly(values))) == expected


def test_no_near_zero_for_percent() -> None:
    # 0% rent outstanding (PI01 Jan-25) is good news, not a missing figure.
    assert check_series(ind(Unit.PERCENT), monthly([0.60, 0.60, 0.0, 0.60])) == []


def test_findings_are_in_period_order() -> None:
    values = [100, 101, 102, 103, 500, 500, 500, 0, 500, 500, 500]
    got = flat(check_series(ind(), monthly(values)))
    assert got == [
        ["drag-fill", "Jul-24"],
        ["flat-run", "Oct-24"],
        ["near-zero", "Nov-24"],
        ["flat-run", "Feb-25"],
    ]


def test_empty_and_short_series() -> None:
    assert check_series(ind(), []) == []
    assert check_series(ind(), monthly([5])) == []


# --- properties -------------------------------------------------------------------------------


@FAST
@given(st.integers(-10_000, 1_000_000), st.integers(4, 24))
def test_plus_one_series_is_a_drag_fill(start: int, length: int) -> None:
    series = monthly([float(start + i) for i in range(length)])
    codes = [f.code for f in check_series(ind(), series)]
    assert codes.count(DRAG) == 1


@FAST
@given(
    st.integers(1, 1_000_000), st.integers(3, 24), st.sampled_from([Unit.COUNT, Unit.CURRENCY_K])
)
def test_constant_count_series_is_a_flat_run(value: int, length: int, unit: Unit) -> None:
    codes = [f.code for f in check_series(ind(unit), monthly([float(value)] * length))]
    assert codes == [FLAT]


@FAST
@given(
    st.integers(0, 100_000),
    st.lists(st.integers(-5_000, 5_000).filter(bool), unique=True, min_size=1, max_size=23),
    st.sampled_from([Unit.COUNT, Unit.CURRENCY_K, Unit.SECONDS, Unit.NUMBER]),
)
def test_no_repeated_steps_or_values_gives_neither(
    start: int, steps: list[int], unit: Unit
) -> None:
    values = list(accumulate(steps, initial=start))
    assume(len(set(values)) == len(values))
    codes = {f.code for f in check_series(ind(unit), monthly([float(v) for v in values]))}
    assert not codes & {DRAG, FLAT}


@FAST
@given(st.lists(st.floats(-1e6, 1e6), max_size=24), st.sampled_from(list(Unit)))
def test_findings_point_at_periods_of_the_series(values: list[float], unit: Unit) -> None:
    series = monthly(values)
    periods = {p for p, _ in series}
    for finding in check_series(ind(unit), series):
        assert finding.period in periods
        assert finding.message


@pytest.mark.parametrize(
    ("unit", "values"),
    [
        (Unit.PERCENT, [0.96, 0.97, 0.95, 0.96, 0.96, 0.97, 0.95, 0.96]),  # ICT02: steady, tiny MAD
        (Unit.COUNT, [27812, 27905, 26240, 25118, 23500, 22893, 22773, 22974]),  # a trend
    ],
)
def test_ordinary_wobbles_and_trends_are_not_outliers(unit: Unit, values: list[float]) -> None:
    findings = check_series(ind(unit), monthly(values))
    assert [f for f in findings if f.code is IssueCode.OUTLIER] == []
