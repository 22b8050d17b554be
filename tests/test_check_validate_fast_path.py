"""Validation's shortcut for plain number cells gives exactly what every rule, one by one, gives."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.check.validate import _Checker
from kpixl.issues import IssueCode
from kpixl.periods import Period
from kpixl.read.returns import Field, Observation
from kpixl.register.model import Frequency, Indicator, Kind, Register, Settings, Unit

FAST = settings(max_examples=300, deadline=None)

bound = st.one_of(st.none(), st.sampled_from([-1e16, -5.0, 0.0, 0.5, 1.0, 100.0, 2e15]))
raw = st.one_of(
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 1.5, 50.0, 100.0, 100.5, -3.0, 1e15, 2e15, -1e16]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-5, 200),
    st.sampled_from(["85%", "n/a", "12", "abc", ""]),
)
observation = st.tuples(
    st.sampled_from(["X01", "x01 ", "Y99"]),
    st.integers(0, 5),
    st.sampled_from([Field.VALUE, Field.VALUE, Field.VALUE, Field.YTD, Field.TARGET]),
    raw,
    st.booleans(),
    st.sampled_from(["a.xlsx", "b.xlsx"]),
)


def register(unit: Unit, quarterly: bool, low: float | None, high: float | None) -> Register:
    frequency = Frequency.QUARTERLY if quarterly else Frequency.MONTHLY
    ind = Indicator(
        "X01", "Test", "Area", Kind.KPI, frequency, unit, target=0.9, floor=0.8, min=low, max=high
    )
    return Register(Path("register.xlsx"), {"X01": ind}, {}, Settings())


@FAST
@given(
    st.sampled_from([Unit.PERCENT, Unit.COUNT]),
    st.booleans(),
    bound,
    bound,
    st.lists(observation, max_size=20),
)
def test_plain_number_shortcut_keeps_and_reports_what_every_rule_does(
    unit: Unit,
    quarterly: bool,
    low: float | None,
    high: float | None,
    rows: list[tuple[str, int, Field, object, bool, str]],
) -> None:
    fast, plain = both_ways(register(unit, quarterly, low, high), rows)
    assert fast.figures == plain.figures
    assert fast.issues == plain.issues


EDGES = [0.0, 1.0, 1.0000001, 99.9999, 100.0, 100.0000001, 1e15, 1.0000001e15, -1e15]


@pytest.mark.parametrize("unit", [Unit.PERCENT, Unit.COUNT])
@pytest.mark.parametrize("quarterly", [False, True])
@pytest.mark.parametrize("bounds", [(None, None), (0.0, 1.0), (1.0, 100.0), (-1e15, 1e15)])
def test_shortcut_at_the_edges_of_each_rule(
    unit: Unit, quarterly: bool, bounds: tuple[float | None, float | None]
) -> None:
    rows = [("X01", m, Field.VALUE, sign * v, False, "a.xlsx") for m in range(6)
            for v in EDGES for sign in (1, -1)]  # fmt: skip
    fast, plain = both_ways(register(unit, quarterly, *bounds), rows)
    assert fast.figures == plain.figures
    assert fast.issues == plain.issues


def both_ways(
    reg: Register, rows: Sequence[tuple[str, int, Field, object, bool, str]]
) -> tuple[_Checker, _Checker]:
    """The rows checked by `check` (with its shortcut) and by `check_plainly` alone."""
    fast, plain = _Checker(reg), _Checker(reg)
    for n, (ref, month, what, value, missing, file) in enumerate(rows):
        obs = Observation(
            ref, Period(2024, 4).shift(month), what, value, file, "KPIs", f"C{n + 2}", missing
        )
        fast.check(obs)
        ind = reg.find(ref)
        if ind is None:
            plain._unknown_ref(obs)
        else:
            plain.figures.areas_seen.add(ind.service_area)
            plain.check_plainly(obs, ind)
    return fast, plain


def test_a_plain_percent_typed_as_points_is_still_reported() -> None:
    checker = _Checker(register(Unit.PERCENT, False, None, None))
    checker.check(Observation("X01", Period(2025, 3), Field.VALUE, 85.0, "a.xlsx", "KPIs", "C2"))
    assert [i.code for i in checker.issues] == [IssueCode.PERCENT_POINTS]
    kept = checker.figures.get(Field.VALUE, "X01", Period(2025, 3))
    assert kept is not None and kept.value == 0.85
