"""RAG, YTD, alerts and direction: boundary tables per rule and Hypothesis properties."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.rate.rating import (
    Alert,
    Direction,
    Rag,
    Ytd,
    alert,
    compute_ytd,
    direction,
    rag,
    same_when_displayed,
)
from kpixl.register.model import (
    Frequency,
    Indicator,
    Kind,
    Polarity,
    RagBasis,
    Unit,
    YtdMethod,
    displayed,
)
from kpixl.values import round_half_away

FAST = settings(max_examples=200, deadline=None)
HIGHER, LOWER = Polarity.HIGHER, Polarity.LOWER
DISPLAYED, EXACT = RagBasis.DISPLAYED, RagBasis.EXACT
PCT, COUNT, NUMBER = Unit.PERCENT, Unit.COUNT, Unit.NUMBER


def kpi(
    target: float | None = 0.9,
    floor: float | None = 0.8,
    polarity: Polarity = HIGHER,
    unit: Unit = PCT,
    decimals: int = 0,
    **kw: Any,
) -> Indicator:
    return Indicator(
        ref="T01",
        description="Test KPI",
        service_area="Test",
        kind=Kind.KPI,
        unit=unit,
        decimals=decimals,
        polarity=polarity,
        target=target,
        floor=floor,
        **kw,
    )


def activity(
    upper: float | None = 100.0, lower: float | None = 50.0, unit: Unit = COUNT, **kw: Any
) -> Indicator:
    return Indicator(
        ref="A01",
        description="Test activity",
        service_area="Test",
        kind=Kind.ACTIVITY,
        unit=unit,
        upper=upper,
        lower=lower,
        **kw,
    )


# --- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "places", "expected"),
    [
        (0.5, 0, 1.0),
        (-0.5, 0, -1.0),
        (1.5, 0, 2.0),
        (2.5, 0, 3.0),  # Python's round gives 2
        (-2.5, 0, -3.0),
        (0.945, 2, 0.95),  # 0.945 is 0.94499999… as a double
        (1.005, 2, 1.01),
        (-1.005, 2, -1.01),
        (0.9949, 3, 0.995),
        (0.99449, 3, 0.994),
        (-0.4, 0, 0.0),
        (26436.4, 0, 26436.0),
        (1e20, 2, 1e20),
        (1e305, 5, 1e305),  # scaled past the largest float: nothing to round, no overflow
        (-1.7e308, 2, -1.7e308),
        (1234.5, -1, 1230.0),
    ],
)
def test_round_half_away(x: float, places: int, expected: float) -> None:
    assert round_half_away(x, places) == expected


def test_round_half_away_never_gives_negative_zero() -> None:
    assert str(round_half_away(-0.4, 0)) == "0.0"


@pytest.mark.parametrize(
    ("value", "unit", "decimals", "expected"),
    [
        (0.945, PCT, 0, 0.95),
        (0.944, PCT, 0, 0.94),
        (0.9949, PCT, 1, 0.995),
        (0.9944, PCT, 1, 0.994),
        (0.047, PCT, 1, 0.047),
        (26436.4, COUNT, 0, 26436.0),
        (26436.5, COUNT, 0, 26437.0),
        (12.345, Unit.CURRENCY_K, 2, 12.35),
        (-5.5, NUMBER, 0, -6.0),
        (-0.005, PCT, 0, -0.01),
    ],
)
def test_displayed(value: float, unit: Unit, decimals: int, expected: float) -> None:
    assert displayed(value, unit, decimals) == expected


# --- RAG --------------------------------------------------------------------------------------

G, A, R = Rag.GREEN, Rag.AMBER, Rag.RED


@pytest.mark.parametrize(
    ("value", "ind", "basis", "expected"),
    [
        # higher: target 90%, floor 80%
        (0.90, kpi(), DISPLAYED, G),
        (0.91, kpi(), DISPLAYED, G),
        (0.89, kpi(), DISPLAYED, A),
        (0.80, kpi(), DISPLAYED, A),
        (0.79, kpi(), DISPLAYED, R),
        (0.0, kpi(), DISPLAYED, R),
        (0.8999, kpi(), EXACT, A),
        (0.8999, kpi(), DISPLAYED, G),  # shown as 90%
        (0.895, kpi(), DISPLAYED, G),  # shown as 90%
        (0.8949, kpi(), DISPLAYED, A),  # shown as 89%
        (0.7999, kpi(), EXACT, R),
        (0.795, kpi(), DISPLAYED, A),  # shown as 80%
        (0.7949, kpi(), DISPLAYED, R),
        # lower: target 5%, floor 10% (PI01)
        (0.05, kpi(0.05, 0.10, LOWER), DISPLAYED, G),
        (0.0, kpi(0.05, 0.10, LOWER), DISPLAYED, G),
        (0.06, kpi(0.05, 0.10, LOWER), DISPLAYED, A),
        (0.10, kpi(0.05, 0.10, LOWER), DISPLAYED, A),
        (0.11, kpi(0.05, 0.10, LOWER), DISPLAYED, R),
        (0.0501, kpi(0.05, 0.10, LOWER), EXACT, A),
        (0.0501, kpi(0.05, 0.10, LOWER), DISPLAYED, G),  # shown as 5%
        (0.1049, kpi(0.05, 0.10, LOWER), DISPLAYED, A),  # shown as 10%
        (0.105, kpi(0.05, 0.10, LOWER), DISPLAYED, R),  # shown as 11%
        # two bands: no floor
        (0.90, kpi(0.9, None), DISPLAYED, G),
        (0.89, kpi(0.9, None), DISPLAYED, R),
        (0.05, kpi(0.05, None, LOWER), DISPLAYED, G),
        (0.06, kpi(0.05, None, LOWER), DISPLAYED, R),
        # halves go up, on the decimal value
        (0.945, kpi(0.95, 0.90), DISPLAYED, G),
        (0.945, kpi(0.95, 0.90), EXACT, A),
        (0.9949, kpi(0.995, 0.98, decimals=1), DISPLAYED, G),
        (0.9949, kpi(0.995, 0.98, decimals=1), EXACT, A),
        (0.9944, kpi(0.995, 0.98, decimals=1), DISPLAYED, A),
        # negative values: a "% reduction" target of 10%, floor 0%
        (-0.004, kpi(0.10, 0.0), DISPLAYED, A),  # shown as 0%
        (-0.005, kpi(0.10, 0.0), DISPLAYED, R),  # shown as -1% (away from zero)
        (-0.004, kpi(0.10, 0.0), EXACT, R),
        # negative numbers, both polarities
        (-5.0, kpi(0.0, -5.0, unit=NUMBER), DISPLAYED, A),
        (-5.4, kpi(0.0, -5.0, unit=NUMBER), DISPLAYED, A),
        (-5.5, kpi(0.0, -5.0, unit=NUMBER), DISPLAYED, R),
        (-0.4, kpi(0.0, -5.0, unit=NUMBER), DISPLAYED, G),
        (-0.4, kpi(0.0, -5.0, unit=NUMBER), EXACT, A),
        (-3.0, kpi(-3.0, 0.0, LOWER, unit=NUMBER), DISPLAYED, G),
        (-2.5, kpi(-3.0, 0.0, LOWER, unit=NUMBER), DISPLAYED, G),  # shown as -3
        (-2.5, kpi(-3.0, 0.0, LOWER, unit=NUMBER), EXACT, A),
        (0.5, kpi(-3.0, 0.0, LOWER, unit=NUMBER), DISPLAYED, R),
    ],
)
def test_rag_boundaries(value: float, ind: Indicator, basis: RagBasis, expected: Rag) -> None:
    assert rag(value, ind, basis) is expected


def test_rag_basis_defaults_to_the_indicator() -> None:
    assert rag(0.945, kpi(0.95, 0.90)) is G
    assert rag(0.945, kpi(0.95, 0.90, rag_basis=EXACT)) is A


@pytest.mark.parametrize(
    ("value", "ind"),
    [
        (None, kpi()),
        (float("nan"), kpi()),
        (0.9, kpi(target=None)),
        (60.0, activity()),
    ],
)
def test_rag_none(value: float | None, ind: Indicator) -> None:
    assert rag(value, ind) is None


# --- YTD --------------------------------------------------------------------------------------


def ytd_ind(method: YtdMethod, **kw: Any) -> Indicator:
    return kpi(ytd=method, **kw)


@pytest.mark.parametrize(
    ("method", "values", "expected"),
    [
        (YtdMethod.MEAN, [0.5, None, 0.7, 0.9], Ytd(0.7, YtdMethod.MEAN)),
        (YtdMethod.SUM, [10.0, 20.0, None, 5.0], Ytd(35.0, YtdMethod.SUM)),
        (YtdMethod.LATEST, [56604.0, 63455.0, 72913.0, None], Ytd(72913.0, YtdMethod.LATEST)),
        (YtdMethod.NONE, [0.41, 0.31], Ytd(None, YtdMethod.NONE)),
        (YtdMethod.MEAN, [None, None], Ytd(None, YtdMethod.MEAN)),
        (YtdMethod.SUM, [], Ytd(None, YtdMethod.SUM)),
        (YtdMethod.RATIO, [None], Ytd(None, YtdMethod.RATIO)),
    ],
)
def test_ytd_methods(method: YtdMethod, values: list[float | None], expected: Ytd) -> None:
    got = compute_ytd(ytd_ind(method), values)
    assert got.method is expected.method
    assert got.fell_back is expected.fell_back
    if expected.value is None:
        assert got.value is None
    else:
        assert got.value == pytest.approx(expected.value)


def test_ytd_ratio_differs_from_mean() -> None:
    # CS07: 66%, 71%, 71%, 70% average 69.5% (shown 70%) but the cases give 344/500 = 69%.
    ind = ytd_ind(YtdMethod.RATIO)
    values = [0.66, 0.71, 0.71, 0.70]
    got = compute_ytd(ind, values, [132.0, 71.0, 71.0, 70.0], [200.0, 100.0, 100.0, 100.0])
    assert (got.method, got.fell_back) == (YtdMethod.RATIO, False)
    assert got.value == pytest.approx(0.688)
    assert displayed(got.value or 0, PCT, 0) == 0.69
    mean = compute_ytd(ytd_ind(YtdMethod.MEAN), values)
    assert displayed(mean.value or 0, PCT, 0) == 0.70


def test_ytd_ratio_ignores_months_without_a_value() -> None:
    got = compute_ytd(ytd_ind(YtdMethod.RATIO), [0.5, None], [1.0, None], [2.0, None])
    assert got == Ytd(0.5, YtdMethod.RATIO)


@pytest.mark.parametrize(
    ("numerators", "denominators"),
    [
        (None, None),
        ([3.0, 4.0], None),
        ([3.0, None], [4.0, 8.0]),
        ([3.0, 4.0], [4.0, None]),
        ([3.0], [4.0]),  # shorter than the values
        ([0.0, 0.0], [0.0, 0.0]),  # nothing to divide by
    ],
)
def test_ytd_ratio_falls_back_to_mean(
    numerators: list[float | None] | None, denominators: list[float | None] | None
) -> None:
    got = compute_ytd(ytd_ind(YtdMethod.RATIO), [0.75, 0.5], numerators, denominators)
    assert got == Ytd(0.625, YtdMethod.MEAN, fell_back=True)


# --- alerts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ind", "expected"),
    [
        (100.0, activity(), Alert.YES),
        (100.4, activity(), Alert.YES),  # shown as 100
        (100.5, activity(), Alert.ABOVE),  # shown as 101
        (101.0, activity(), Alert.ABOVE),
        (50.0, activity(), Alert.YES),
        (49.5, activity(), Alert.YES),  # shown as 50
        (49.4, activity(), Alert.BELOW),
        (75.0, activity(), Alert.YES),
        (86707.0, activity(75000.0, 60000.0), Alert.ABOVE),  # HR13
        (0.9004, activity(0.9, 0.5, unit=PCT), Alert.YES),  # shown as 90%
        (0.905, activity(0.9, 0.5, unit=PCT), Alert.ABOVE),
        (None, activity(), None),
        (60.0, activity(upper=None), None),
        (60.0, activity(lower=None), None),
    ],
)
def test_alert(value: float | None, ind: Indicator, expected: Alert | None) -> None:
    assert alert(value, ind) is expected


# --- direction --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "previous", "ind", "expected"),
    [
        (0.91, 0.90, kpi(), Direction.BETTER),
        (0.89, 0.90, kpi(), Direction.WORSE),
        (0.9004, 0.8996, kpi(), Direction.SAME),  # both shown as 90%
        (0.03, 0.05, kpi(0.05, 0.10, LOWER), Direction.BETTER),
        (0.07, 0.05, kpi(0.05, 0.10, LOWER), Direction.WORSE),
        (0.047, 0.0474, kpi(0.05, 0.10, LOWER, decimals=1), Direction.SAME),
        (120.0, 100.0, activity(), Direction.BETTER),  # activities default to higher
        (120.0, 100.0, activity(polarity=LOWER), Direction.WORSE),
        (None, 0.9, kpi(), None),
        (0.9, None, kpi(), None),
    ],
)
def test_direction(
    current: float | None, previous: float | None, ind: Indicator, expected: Direction | None
) -> None:
    assert direction(current, previous, ind) is expected


@pytest.mark.parametrize(
    ("a", "b", "ind", "expected"),
    [
        (0.688, 0.69, kpi(), True),
        (0.695, 0.69, kpi(), False),
        (383505.0, 383505.4, activity(), True),
        (383505.0, 383505.5, activity(), False),
    ],
)
def test_same_when_displayed(a: float, b: float, ind: Indicator, expected: bool) -> None:
    assert same_when_displayed(a, b, ind) is expected


# --- properties -------------------------------------------------------------------------------

values = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
units = st.sampled_from(list(Unit))
decimals = st.integers(min_value=0, max_value=3)
bases = st.sampled_from(list(RagBasis))
ORDER = {R: 0, A: 1, G: 2}


@st.composite
def kpis(draw: st.DrawFn) -> Indicator:
    """A KPI whose floor (if any) lies on the worse side of its target."""
    pol = draw(st.sampled_from(list(Polarity)))
    target = draw(values)
    floor = draw(st.none() | values)
    if floor is not None and (floor > target if pol is HIGHER else floor < target):
        target, floor = floor, target
    return kpi(target, floor, pol, draw(units), draw(decimals), rag_basis=draw(bases))


@FAST
@given(kpis(), values)
def test_every_kpi_value_gets_exactly_one_rating(ind: Indicator, value: float) -> None:
    got = rag(value, ind)
    assert isinstance(got, Rag)
    if ind.floor is None:
        assert got is not A


@FAST
@given(kpis(), values, values)
def test_rating_is_monotonic_in_the_value(ind: Indicator, a: float, b: float) -> None:
    low, high = sorted((a, b))
    r_low, r_high = rag(low, ind), rag(high, ind)
    assert r_low is not None and r_high is not None
    if ind.polarity is HIGHER:
        assert ORDER[r_low] <= ORDER[r_high]
    else:
        assert ORDER[r_low] >= ORDER[r_high]


@FAST
@given(kpis(), values, bases)
def test_mirroring_mirrors_the_rating(ind: Indicator, value: float, basis: RagBasis) -> None:
    assert ind.target is not None
    flipped = kpi(
        -ind.target,
        None if ind.floor is None else -ind.floor,
        LOWER if ind.polarity is HIGHER else HIGHER,
        ind.unit,
        ind.decimals,
    )
    assert rag(-value, flipped, basis) is rag(value, ind, basis)


@FAST
@given(values, st.integers(min_value=0, max_value=6))
def test_round_half_away_agrees_with_decimal(x: float, places: int) -> None:
    got = round_half_away(x, places)
    exact = Decimal(repr(x))
    expected = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert got == float(expected)
    # And it is a rounding: within half a unit of the last place, ties away from zero.
    diff = abs(Decimal(repr(got)) - exact)
    half = Decimal(5).scaleb(-places - 1)
    assert diff <= half
    if diff == half:
        assert abs(Decimal(repr(got))) > abs(exact)


@FAST
@given(values, units, decimals)
def test_displayed_is_symmetric(value: float, unit: Unit, places: int) -> None:
    assert displayed(-value, unit, places) == -displayed(value, unit, places)


def test_quarterly_indicator_ytd_uses_only_the_values_given() -> None:
    ind = kpi(ytd=YtdMethod.MEAN, frequency=Frequency.QUARTERLY)
    got = compute_ytd(ind, [0.6, 0.8])
    assert got.method is YtdMethod.MEAN
    assert got.value == pytest.approx(0.7)
