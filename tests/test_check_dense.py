"""Rows of plain numbers kept together (kpixl.check.dense) and indicators cleared together
(kpixl.check.screen) give exactly what the rules give cell by cell and indicator by indicator."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpixl.check import dense, screen
from kpixl.check.plausibility import check_series
from kpixl.check.validate import Figures, Validator, plain_values
from kpixl.issues import Issue
from kpixl.periods import Period
from kpixl.rate.scoring import score
from kpixl.read.observations import Block, Column, Field, ReturnFile, Row
from kpixl.register.model import (
    Frequency,
    Indicator,
    Kind,
    Register,
    ServiceArea,
    Settings,
    Unit,
    YtdMethod,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONTHS = [Period(2024, 4).shift(i) for i in range(12)]

indicator = st.builds(
    lambda n, unit, quarterly, bounds, ytd: Indicator(
        f"X{n:02d}", f"Indicator {n}", f"Area {n % 3}", Kind.KPI,
        Frequency.QUARTERLY if quarterly else Frequency.MONTHLY, unit,
        target=0.9 if unit is Unit.PERCENT else 100.0, floor=None,
        ytd=ytd if unit is Unit.PERCENT or ytd is not YtdMethod.MEAN else YtdMethod.SUM,
        min=bounds[0], max=bounds[1],
    ),
    st.integers(0, 7),
    st.sampled_from([Unit.PERCENT, Unit.COUNT, Unit.NUMBER, Unit.CURRENCY_K]),
    st.sampled_from([False, False, False, True]),
    st.sampled_from([(None, None), (0.0, 1.0), (0.0, 5000.0), (-1e15, 1e15), (2.0, 3.0)]),
    st.sampled_from([YtdMethod.MEAN, YtdMethod.SUM, YtdMethod.NONE, YtdMethod.RATIO]),
)  # fmt: skip


def register_of(inds: list[Indicator]) -> Register:
    unique = {i.ref: i for i in inds}
    areas = {f"Area {n}": ServiceArea(f"Area {n}") for n in range(4)}
    return Register(Path("register.xlsx"), unique, areas, Settings())


# a cell: mostly ordinary numbers, sometimes anything a return may hold
ordinary = st.sampled_from([0.85, 0.9, 0.95, 120.0, 130.0, 125.0, 1000.0, 2.5])
odd = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, 1.5, 50.0, 100.0, 101.0, -3.0, 1e16, math.nan, math.inf, 0.01]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["n/a", "-", "85%", "12", "abc", "", True, 7]),
)
cell = st.one_of(ordinary, ordinary, ordinary, odd)
row = st.tuples(
    st.sampled_from([f"X{n:02d}" for n in range(9)] + ["x01 ", "ZZ"]),
    st.lists(cell, min_size=12, max_size=12),
    st.sampled_from([False, False, False, False, True]),
)


def return_file(
    name: str, rows: list[tuple[str, list[object], bool]], months: list[Period]
) -> ReturnFile:
    columns = tuple(Column(chr(ord("C") + i), p, Field.VALUE) for i, p in enumerate(months))
    block = Block(name, "KPIs", "A", columns, [])
    for n, (ref, cells, missing) in enumerate(rows):
        given = tuple(None if c == "" else c for c in cells[: len(months)])
        block.rows.append(
            Row(ref, n + 1, months[-1], given, (2,) if missing and len(months) > 2 else ())
        )
    result = ReturnFile(Path(name))
    result.blocks.append(block)
    return result


files = st.lists(st.lists(row, max_size=8), min_size=1, max_size=3)
month_sets = st.sampled_from([MONTHS, MONTHS[:6], MONTHS[3:9], MONTHS[:1], [MONTHS[0], MONTHS[0]]])


def both_ways(reg: Register, returns: list[ReturnFile]) -> tuple[Validator, Validator]:
    """Validated by blocks (rows kept together where they may) and one observation at a time."""
    by_blocks, one_by_one = Validator(reg), Validator(reg)
    for rf in returns:
        by_blocks.add(rf)
        one_by_one.add(ReturnFile(rf.path, observations=rf.observations))
    return by_blocks, one_by_one


def normalised(figures: Figures) -> dict[str, object]:
    """Every figure with its value and cell, and the rest of what validation kept."""
    figures.gather()
    kept = {
        (ref, what, period): (figure.value, figure.obs, figure.source)
        for ref, tables in figures.by_ref.items()
        for what, table in tables.items()
        for period, figure in table.items()
    }
    return {
        "kept": kept,
        "marked_na": figures.marked_na,
        "rejected": figures.rejected,
        "notes": figures.notes,
        "areas_seen": figures.areas_seen,
    }


@FAST
@given(st.lists(indicator, min_size=1, max_size=8), files, month_sets)
def test_rows_kept_together_give_what_every_cell_checked_alone_gives(
    inds: list[Indicator],
    contents: list[list[tuple[str, list[object], bool]]],
    months: list[Period],
) -> None:
    reg = register_of(inds)
    returns = [return_file(f"r{n}.xlsx", rows, months) for n, rows in enumerate(contents)]
    by_blocks, one_by_one = both_ways(reg, returns)
    assert by_blocks.issues == one_by_one.issues
    assert normalised(by_blocks.figures) == normalised(one_by_one.figures)


@FAST
@given(st.lists(indicator, min_size=1, max_size=8), files, month_sets, st.sampled_from(MONTHS))
def test_indicators_cleared_together_raise_what_rating_each_raises(
    inds: list[Indicator],
    contents: list[list[tuple[str, list[object], bool]]],
    months: list[Period],
    period: Period,
) -> None:
    reg = register_of(inds)
    returns = [return_file(f"r{n}.xlsx", rows, months) for n, rows in enumerate(contents)]
    with_screen, without = Validator(reg), Validator(reg)
    for rf in returns:
        with_screen.add(rf)
        without.add(rf)
    rows_a, _, issues_a = score(reg, with_screen.figures, period)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screen, "parts", lambda *_: [lambda: _none_quiet(reg)])
        rows_b, _, issues_b = score(reg, without.figures, period)
    assert _keyed(issues_a) == _keyed(issues_b)
    assert rows_a() == rows_b()


@FAST
@given(st.lists(indicator, min_size=1, max_size=8), files, month_sets, st.sampled_from(MONTHS))
def test_the_screen_in_parts_is_the_screen_whole(
    inds: list[Indicator],
    contents: list[list[tuple[str, list[object], bool]]],
    months: list[Period],
    period: Period,
) -> None:
    """Screened in parts (while the first parts' indicators are judged), the indicators cleared,
    left to judge (in register order) and their levels are those of the screen in one."""
    reg = register_of(inds)
    validator = Validator(reg)
    for n, rows in enumerate(contents):
        validator.add(return_file(f"r{n}.xlsx", rows, months))
    whole = screen.screen(reg, validator.figures, period)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screen, "PART_ROWS", 1)
        for count in (2, 3, len(inds)):
            parts = [part() for part in screen.parts(reg, validator.figures, period, count)]
            assert len(parts) == min(count, len(reg.indicators))
            assert set().union(*(p.quiet for p in parts)) == whole.quiet
            assert [i.ref for p in parts for i in p.todo] == [i.ref for i in whole.todo]
            levels = {ref: repr(lv) for p in parts for ref, lv in p.levels.items()}
            assert levels == {ref: repr(lv) for ref, lv in whole.levels.items()}
    assert {i.ref for i in whole.todo} == set(reg.indicators) - whole.quiet


def test_each_part_measures_the_levels_of_its_own_indicators() -> None:
    """Six counts, screened in three parts: the two with a figure typed ten times over are left
    to judge, each with its own level, in the part it falls in."""
    steady = [4510.0, 4480.0, 4530.0, 4495.0, 4520.0, 4470.0, 4530.0, 4505.0, 4490.0, 4525.0]
    steady += [4500.0, 4515.0]  # floats, as a workbook gives them
    slipped = {"X01": 4, "X04": 9}  # the month typed ten times over
    inds = [Indicator(f"X0{n}", "T", "Area 1", Kind.ACTIVITY, unit=Unit.COUNT) for n in range(6)]
    reg = register_of(inds)
    rows: list[tuple[str, list[object], bool]] = []
    for ind in inds:
        values: list[object] = list(steady)
        if ind.ref in slipped:
            values[slipped[ind.ref]] = steady[slipped[ind.ref]] * 10
        rows.append((ind.ref, values, False))
    validator = Validator(reg)
    validator.add(return_file("a.xlsx", rows, MONTHS))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(screen, "PART_ROWS", 1)
        parts = [part() for part in screen.parts(reg, validator.figures, MONTHS[-1], 3)]
    assert [[i.ref for i in p.todo] for p in parts] == [["X01"], [], ["X04"]]
    assert [sorted(p.levels) for p in parts] == [["X01"], [], ["X04"]]
    for ref, month in slipped.items():
        (level,) = [p.levels[ref] for p in parts if ref in p.levels]
        assert level.values[month] == steady[month] * 10


def _none_quiet(reg: Register) -> screen.Screened:
    """A screen that clears nothing: every indicator rated one by one."""
    return screen.Screened(set(), {}, list(reg.indicators.values()))


def _keyed(issues: list[Issue]) -> list[tuple[str, ...]]:
    return [(i.code, i.ref, i.period, i.cell, i.message) for i in issues]


def test_a_month_that_conflicts_with_an_earlier_return_is_reported_whichever_way_kept() -> None:
    ind = Indicator("X01", "Test", "Area 1", Kind.KPI, unit=Unit.COUNT, ytd=YtdMethod.SUM)
    reg = register_of([ind])
    first = return_file("a.xlsx", [("X01", [1.0, True, *[5.0] * 10], False)], MONTHS)  # one by one
    second = return_file("b.xlsx", [("X01", [2.0, *[5.0] * 11], False)], MONTHS)  # plain
    validator = Validator(reg)
    validator.add(first)
    validator.add(second)
    conflicts = [i for i in validator.issues if i.code == "conflicting-value"]
    assert [(i.file, i.cell) for i in conflicts] == [("b.xlsx", "C2")]
    assert "is 2 here but 1 in a.xlsx" in conflicts[0].message


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list(Unit)),
    st.booleans(),
    st.one_of(st.none(), st.floats(-1e16, 1e16)),
    st.one_of(st.none(), st.floats(-1e16, 1e16)),
)
def test_the_plain_ranges_of_all_indicators_at_once_are_each_ones(
    unit: Unit, quarterly: bool, low: float | None, high: float | None
) -> None:
    frequency = Frequency.QUARTERLY if quarterly else Frequency.MONTHLY
    ind = Indicator("X01", "T", "A", Kind.KPI, frequency, unit, min=low, max=high)
    lows, highs, points = dense._ranges(register_of([ind]))
    expected_low, expected_high, expected_points = plain_values(ind)
    assert (lows[0], highs[0]) == (expected_low, expected_high)
    assert bool(points[0]) == (expected_points and not quarterly)


series_values = st.lists(
    st.one_of(
        st.sampled_from([0.0, 1.0, 2.0, 3.0, 100.0, 0.5, 0.85, 0.9, 0.7, 50.0, 49.0, 5.0, 1000.0]),
        st.floats(-1e6, 1e6),
        st.floats(0.6, 1.0),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(list(Unit)), series_values, st.sampled_from(list(YtdMethod)))
def test_a_series_the_screen_clears_has_no_plausibility_warning(
    unit: Unit, values: list[float], ytd: YtdMethod
) -> None:
    import numpy as np

    ind = Indicator("X01", "T", "A", Kind.KPI, unit=unit, ytd=ytd)
    summed = np.array([ytd is YtdMethod.SUM])
    clear = screen._ordinary(np.array([values]), [unit], summed)[0]
    if clear:
        assert check_series(ind, list(zip(MONTHS, values, strict=False))) == []


def test_plain_rows_are_kept_together_and_their_indicators_cleared_together() -> None:
    inds = [Indicator(f"X0{n}", "T", "Area 1", Kind.KPI, unit=Unit.PERCENT) for n in range(3)]
    reg = register_of(inds)
    wobble = [0.0, 0.01, -0.01, 0.02, 0.0, -0.02, 0.01, 0.0, 0.02, -0.01, 0.01, 0.0]
    rows = [(f"X0{n}", [round(0.85 + n / 100 + w, 2) for w in wobble], False) for n in range(3)]
    validator = Validator(reg)
    validator.add(return_file("a.xlsx", rows, MONTHS))
    kept = validator.figures.dense
    assert kept is not None and all(kept.has(f"X0{n}") for n in range(3))
    assert validator.figures.by_ref == {}  # not one Figure made yet
    assert screen.quiet(reg, validator.figures, MONTHS[-1]) == {"X00", "X01", "X02"}
    figure = validator.figures.get(Field.VALUE, "X01", MONTHS[2])
    assert figure is not None and (figure.value, figure.source) == (0.85, "a.xlsx!KPIs!E3")


def test_a_table_naming_more_months_than_are_kept_as_numbers_is_checked_one_by_one() -> None:
    """The numbers are kept indicator x month: a header naming thousands of months (a hostile
    return may) must not make that table huge, and its figures are still checked and kept."""
    ind = Indicator("X01", "Test", "Area 1", Kind.KPI, unit=Unit.COUNT, ytd=YtdMethod.SUM)
    reg = register_of([ind])
    many = [Period(2000, 1).shift(i) for i in range(dense.MAX_PERIODS + 1)]
    wide = return_file("wide.xlsx", [("X01", [5.0] * len(many), False)], many)
    by_blocks, one_by_one = both_ways(
        reg, [return_file("a.xlsx", [("X01", [5.0] * 12, False)], MONTHS), wide]
    )
    kept = by_blocks.figures.dense
    assert (
        kept is not None and len(kept.periods) == 12 and kept.values.shape[1] <= dense.MAX_PERIODS
    )
    assert by_blocks.issues == one_by_one.issues
    assert normalised(by_blocks.figures) == normalised(one_by_one.figures)
    assert len(by_blocks.figures.of("X01", Field.VALUE)) == len(set(MONTHS) | set(many))


def _slipped(values: list[float], kind: str, at: int, percent: bool) -> list[float]:
    """A typing slip typed into month `at` (or a run from it)."""
    out = list(values)
    v = out[at]
    if kind == "scale":
        out[at] = v / 10 if percent else v * 1000
    elif kind == "swap":
        text = str(round(v * 100) if percent else int(v))
        if len(text) > 1 and text[1] != "0":
            number = float(text[1] + text[0] + text[2:])
            out[at] = number / 100 if percent else number
    elif kind == "sign":
        out[at] = -v
    elif kind == "ytd":
        out[at] = sum(out[: at + 1])
    elif kind in ("copy", "drag") and at + 2 < len(out):
        for k in (1, 2):
            out[at + k] = v + (k if kind == "drag" else 0)
    return out


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([Unit.PERCENT, Unit.COUNT, Unit.CURRENCY_K, Unit.NUMBER]),
    st.floats(0.3, 0.95),
    st.integers(20, 90_000),
    st.lists(st.floats(-0.08, 0.08), min_size=6, max_size=12),
    st.sampled_from(["none", "scale", "swap", "sign", "ytd", "copy", "drag"]),
    st.integers(0, 11),
    st.sampled_from([YtdMethod.SUM, YtdMethod.MEAN]),
)
def test_the_screen_never_clears_a_typed_slip_the_rules_warn_about(
    unit: Unit,
    rate: float,
    count: int,
    wobbles: list[float],
    kind: str,
    at: int,
    ytd: YtdMethod,
) -> None:
    import numpy as np

    percent = unit is Unit.PERCENT
    clean = [round(rate + w / 4, 2) if percent else float(round(count * (1 + w))) for w in wobbles]
    values = _slipped(clean, kind, min(at, len(clean) - 1), percent)
    ind = Indicator("X01", "T", "A", Kind.KPI, unit=unit, ytd=ytd)
    summed = np.array([ytd is YtdMethod.SUM])
    clear = screen._ordinary(np.array([values]), [unit], summed)[0]
    if clear:
        assert check_series(ind, list(zip(MONTHS, values, strict=False))) == []
