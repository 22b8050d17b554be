"""The register's fast path (kpixl/register_rows.py) gives exactly what the plain rules give.

Rows are generated with the cells people actually type: blanks, whitespace, numbers stored as
text, `n/a`, percent signs, enum words in any case, unknown words, TRUE/FALSE, dates, huge and
non-finite numbers. For every row the fast path must either give the very Indicator the rules
make (same values, same types) or step aside (None) exactly when the rules find a problem; and
a whole Indicators sheet must give the same indicators, in the same order, with the same issues.
"""

from __future__ import annotations

import datetime as dt
import gc
import math
import pickle
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.errors import RegisterError
from kpixl.read.workbook import Sheet
from kpixl.register.load import (
    INDICATORS,
    _bad_ref,
    _Collector,
    _indicator,
    _indicators,
    _Row,
    _table,
    has_value,
    load_register,
)
from kpixl.register.model import (
    INDICATOR_FIELDS,
    AlertOn,
    Frequency,
    Indicator,
    Kind,
    Polarity,
    RagBasis,
    Register,
    ServiceArea,
    Settings,
    Unit,
    YtdMethod,
    indicator_from_values,
)
from kpixl.register.rows import COLUMNS, FastRows
from kpixl.values import is_blank

AREAS = {name: ServiceArea(name) for name in ("Alpha", "Beta Team")}

ODD = st.sampled_from(
    ["", " ", "  \t", "n/a", "N/A", "-", "na", "nil return", "TRUE", "0", "-0", "x", "?"]
)
NUMBERS = st.one_of(
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 1, 2, 5.0, 85.0, -0.25, 1e16, 3.5, 6.0, 24.0, 25.0]),
    st.sampled_from([float("nan"), float("inf"), True, False, dt.date(2024, 4, 1)]),
    st.floats(-200, 200, allow_nan=False).map(lambda x: round(x, 2)),
    st.integers(-5, 30),
)
NUMBER_TEXT = st.sampled_from(
    ["85%", " 85 % ", "0.9", " 0.85 ", "1,234", "12", "-3", "£1,200", "150%", "5", "2.5", "1e3"]
)
WORDS = {
    "kind": ["KPI", "kpi", " Kpi ", "Activity", "ACTIVITY", "activities", "Target"],
    "unit": ["percent", "PERCENT", "Count", "currency k", "Currency_K", "seconds", "number", "%"],
    "frequency": ["monthly", "Quarterly", " QUARTERLY", "annual"],
    "ytd": ["ratio", "Mean", "SUM", "latest", "none", "None", "average"],
    "polarity": ["higher", "Lower", "LOWER ", "up", "Higher"],
    "alert_on": ["ytd", "YTD", "latest", "Latest", "month"],
    "rag_basis": ["displayed", "Exact", "EXACT", "rounded"],
    "service_area": ["Alpha", "alpha", " ALPHA ", "Beta Team", "beta team", "Gamma", "Beta"],
    "ref": ["AA01", "aa01", " AA02 ", "BB01", "101", "R-7"],
}
# What a good row may hold: enum words above (and blank), and these.
FRACTIONS = ["", 0.0, -0.0, 0.25, 0.5, 0.8, 0.9, 1.0, 1, "85%", " 0.9 ", "n/a", "-", 1.01, -1.5]
GOOD = {
    "ref": [f"R{i}" for i in range(12)] + [7.0, 12],
    "description": ["Calls answered", " Rent collected ", 2024.0],
    "target": FRACTIONS[3:],
    "order": ["", 1.0, 2, -3.5, "4", "n/a", 1e3],
    "decimals": ["", 0, 1.0, 2, "3", "n/a"],
    "periods_shown": ["", 1, 4.0, 12, "6", "n/a"],
    "footnote": ["", "a note", " padded ", "n/a", 5.0],
}
GOOD |= {
    "kind": ["KPI", "kpi", " Kpi ", "Activity", "ACTIVITY"],
    "service_area": ["Alpha", "alpha", " ALPHA ", "Beta Team", "beta team"],
    "upper": ["", "", "", 0.95, "95%", 1, 0.45, 0.5],
    "lower": ["", "", "", 0.1, 0.5, "n/a"],
}
for _name in ("floor", "prev_year", "min", "max"):
    GOOD[_name] = FRACTIONS
for _name in ("short_description", "table"):
    GOOD[_name] = GOOD["footnote"]


def odd_cell(name: str) -> st.SearchStrategy[object]:
    """What might be in a cell of this column: its own words, numbers, text and odd marks."""
    own = st.sampled_from(WORDS.get(name, ["Some text", "a note", " padded "]))
    return st.one_of(own, own, ODD, NUMBERS, NUMBER_TEXT)


def good_cell(name: str) -> st.SearchStrategy[object]:
    """A cell that the rules accept in most rows (a kind with no target, say, still fails)."""
    words = [w for w in WORDS.get(name, []) if w.strip().lower() not in {"activities", "target"}]
    return st.sampled_from(GOOD.get(name, ["", *words[:4]]))


@st.composite
def sheets(draw: st.DrawFn) -> list[list[object]]:
    """An Indicators sheet: some of the columns, in any order, and a few rows (some short),
    from all good to all odd."""
    names = draw(st.permutations(COLUMNS).map(lambda c: c[: len(c) // 2 + 3]))
    header: list[object] = list({"ref", "description", "service_area", "kind", *names})
    header = draw(st.permutations(header).map(list))
    header.insert(draw(st.integers(0, len(header))), draw(st.sampled_from(["", "notes"])))
    rows: list[list[object]] = [header]
    for _ in range(draw(st.integers(1, 8))):
        odd = draw(st.sampled_from([0, 0, 1, 3, 10]))  # in tenths of the row's cells
        row = [
            draw(odd_cell(str(n)) if draw(st.integers(0, 9)) < odd else good_cell(str(n)))
            for n in header
        ]
        rows.append(row[: draw(st.integers(len(row) - 2, len(row)))])
    return rows


def table_of(rows: list[list[object]]) -> Any:
    return _table(Sheet(INDICATORS, rows), INDICATORS, _Collector("register.xlsx"))


def by_the_rules(
    table: Any, areas: dict[str, ServiceArea], settings: Settings, out: _Collector
) -> dict[str, Indicator]:
    """The Indicators sheet read by the plain rules alone, row by row, as the loader read it
    before it read a column at a time (kept here as it was: the reference)."""
    found: list[Indicator] = []
    seen: dict[str, int] = {}
    for index, row in table.rows:
        r = _Row(table, index, row, out)
        if not r.ref or r.ref.upper() in seen:
            _bad_ref(r, seen)
            continue
        seen[r.ref.upper()] = index
        indicator = _indicator(r, areas, settings)
        if indicator is not None:
            found.append(indicator)
    area_order = {name: i for i, name in enumerate(areas)}
    found.sort(key=lambda i: (area_order.get(i.service_area, 0), i.order, i.row))
    return {i.ref: i for i in found}


def both_ways(rows: list[list[object]], settings: Settings | None = None) -> tuple[Any, list[Any]]:
    """The sheet's indicators read with the fast path, and with the rules alone; asserts that
    they are the same indicators, in the same order, with the same issues (returned)."""
    table, settings = table_of(rows), settings or Settings()
    fast_out, rules_out = _Collector("register.xlsx"), _Collector("register.xlsx")
    quick = _indicators(table, AREAS, settings, fast_out)
    ruled = by_the_rules(table, AREAS, settings, rules_out)
    assert list(quick) == list(ruled)
    assert [repr(i) for i in quick.values()] == [repr(i) for i in ruled.values()]
    assert fast_out.issues == rules_out.issues
    return quick, fast_out.issues


@settings(max_examples=400, deadline=None)
@given(sheets(), st.sampled_from(list(RagBasis)))
def test_fast_rows_give_what_the_rules_give(rows: list[list[object]], basis: RagBasis) -> None:
    table = table_of(rows)
    fast = FastRows(table.columns, AREAS, basis)
    indices, cells = [i for i, _ in table.rows], [row for _, row in table.rows]
    for _ in range(2):  # the second time every text's answer comes from the look-up
        refs = fast.refs(cells)
        made = fast.indicators(indices, cells, refs)
        for (index, row), ref, quick in zip(table.rows, refs, made, strict=True):
            out = _Collector("register.xlsx")
            r = _Row(table, index, row, out)
            assert ref == r.ref
            if not r.ref:
                continue
            ruled = _indicator(r, AREAS, Settings(rag_basis=basis))
            alone = fast.indicators([index], [row], [ref])[0]  # the row on its own
            if out.issues:
                assert quick is None and alone is None, (row, out.issues)
            else:
                assert quick == ruled
                assert repr(quick) == repr(ruled) == repr(alone)  # same types: 1 and 1.0...


@settings(max_examples=200, deadline=None)
@given(sheets(), st.sampled_from(list(RagBasis)))
def test_a_whole_sheet_gives_the_same_indicators_and_issues(
    rows: list[list[object]], basis: RagBasis
) -> None:
    both_ways(rows, Settings(rag_basis=basis))


def loaded(path: Path) -> tuple[str, object]:
    """What loading a register gives: its repr, or the error's message and issues."""
    try:
        register = load_register(path)
    except RegisterError as exc:
        return str(exc), exc.issues
    return repr(register), list(register.indicators)


@settings(max_examples=40, deadline=None)
@given(
    sheets(), st.lists(st.sampled_from(["Alpha", "Beta Team", "alpha", "Gamma", ""]), max_size=4)
)
def test_a_register_file_loads_as_by_the_rules(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[object]], more_areas: list[str]
) -> None:
    """The whole file: indicators, service areas, settings, and every issue in order."""
    path = tmp_path_factory.mktemp("reg") / "register.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Indicators")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, float) and not math.isfinite(value):
                continue  # a workbook holds no NaN or infinity
            sheet.write_string(r, c, value) if isinstance(value, str) else sheet.write(r, c, value)
    areas = book.add_worksheet("Service areas")
    for r, name in enumerate(["service_area", "Alpha", "Beta Team", *more_areas]):
        areas.write_string(r, 0, name)
    book.add_worksheet("Settings").write_row(0, 0, ["rag_basis", "exact"])
    book.close()
    quick = loaded(path)
    with mock.patch("kpixl.register.load._indicators", by_the_rules):
        assert loaded(path) == quick


def test_common_rows_take_the_fast_path() -> None:
    rows: list[list[object]] = [
        ["ref", "description", "service_area", "kind", "unit", "target", "floor", "ytd"],
        ["AA01", "Calls answered", "Alpha", "KPI", "percent", 0.9, 0.8, "mean"],
        ["AA02", "Calls received", "beta team", "activity", "Count", "", "", "SUM"],
        ["AA03", "Waiting time", "Alpha", "KPI", "seconds", "20", 30.0, ""],
    ]
    table = table_of(rows)
    fast = FastRows(table.columns, AREAS, RagBasis.DISPLAYED)
    cells = [row for _, row in table.rows]
    made = fast.indicators([i for i, _ in table.rows], cells, fast.refs(cells))
    assert [m.ref if m else None for m in made] == ["AA01", "AA02", "AA03"]
    a1, a2, a3 = (m for m in made if m)
    assert (a1.unit, a1.target, a1.floor, a1.min, a1.max) == (Unit.PERCENT, 0.9, 0.8, 0.0, 1.0)
    assert (a2.kind, a2.service_area, a2.ytd.value, a2.row) == (
        Kind.ACTIVITY,
        "Beta Team",
        "sum",
        3,
    )
    assert (a3.target, a3.floor, a3.polarity.value, a3.ytd.value) == (20.0, 30.0, "lower", "mean")


EDGE_HEADER = ["ref", "description", "service_area", "kind", "unit", "target", "floor"]
EDGE_HEADER += ["polarity", "upper", "lower", "decimals", "periods_shown", "min", "ytd", "order"]
ORDERS: list[object] = ["", 3.0, 1e16, float("inf"), -2, "7", float("nan"), -1e15]
EDGES: list[list[object]] = [
    # unit, target, floor, polarity, upper, lower, decimals, periods_shown, min, ytd
    ["percent", 0.9, 0.8, "", 0.5, 0.5, 6, 24, -1.0, ""],
    ["percent", 0.9, 0.8, "", 0.45, 0.5, "", "", "", ""],  # upper below lower
    ["percent", 0.9, 0.8, "", 0.5, "", "", "", "", ""],  # upper without lower
    ["percent", 1.01, 0.8, "", "", "", "", "", "", ""],  # 101 per cent as a fraction
    ["percent", "101%", 0.8, "", "", "", "", "", -1.01, ""],
    ["percent", 0.9, 0.8, "", "", "", 7, 25, "", ""],  # too many decimals, periods
    ["percent", 0.9, 0.8, "", "", "", 2.5, 0, "", ""],
    ["percent", 0.9, 0.8, "", "", "", 0.0, 1.0, "", ""],
    ["percent", 0.9, 0.8, "lower", "", "", "", "", "", ""],  # polarity against the thresholds
    ["percent", 0.8, 0.9, "Lower", "", "", "", "", "", ""],
    ["percent", 0.8, 0.8, "higher", "", "", "", "", "", ""],  # equal: any polarity will do
    ["percent", 0.8, 0.8, "LOWER", "", "", "", "", "", ""],
    ["percent", "n/a", "", "", "", "", "", "", "", ""],  # a KPI target of n/a is a target
    ["percent", "", "", "", "", "", "", "", "", ""],  # a KPI with no target
    ["count", 120, 100.0, "", 1e15, -1e15, "", "", "", "Latest"],
    ["count", 1e16, 100.0, "", "", "", "", "", "", ""],  # too large to be a real figure
    ["count", float("nan"), 100.0, "", "", "", "", "", "", ""],
    ["", 0.5, "50%", "", "", "", "", "", "", ""],  # percent by default for a KPI
]


def test_edges_of_every_rule() -> None:
    rows: list[list[object]] = [EDGE_HEADER]
    for i, edge in enumerate(EDGES):
        order = ORDERS[i % len(ORDERS)]
        rows.append([f"E{i}", "Edge", "Alpha", "KPI", *edge, order])
        rows.append([f"A{i}", "Edge", "Beta Team", "Activity", *edge, order])
    quick, _ = both_ways(rows)
    assert {"E0", "E2", "E1"} & set(quick) == {"E0"} and "E13" not in quick
    assert "A2" not in quick and "A3" not in quick and quick["A7"].order == -1e15


def test_equal_values_of_other_types_are_not_confused() -> None:
    """1, 1.0 and TRUE are one key to a dict, and 0.0 and -0.0 too, but not one cell."""
    header: list[object] = ["ref", "description", "service_area", "kind", "unit", "target"]
    header += ["order", "footnote", "decimals", "upper", "lower"]
    odd: list[object] = [1, True, 1.0, "1", False, 0, 0.0, -0.0, "TRUE", 2, 2.0]
    rows: list[list[object]] = [header]
    for i, value in enumerate(odd * 2):
        rows.append([f"R{i}", "Calls", "Alpha", "KPI", "count", 5, value, value, value, "", ""])
        rows.append([f"S{i}", "Calls", "Alpha", "KPI", "percent", 0.5, 1, "", "", value, value])
    quick, issues = both_ways(rows)
    assert quick["R0"].footnote == "1" and quick["R0"].decimals == 1
    assert "R1" not in quick  # TRUE is not a number: reported by the rules
    assert any(i.cell == "G4" and "TRUE/FALSE" in i.message for i in issues)


@given(st.lists(st.one_of(ODD, NUMBERS, NUMBER_TEXT, st.none()), max_size=6))
def test_has_value_is_the_rule(row: list[object]) -> None:
    assert has_value(row) == any(not is_blank(v) and v != "" for v in row)


@given(st.lists(st.one_of(st.text(max_size=5), NUMBERS, st.none()), min_size=24, max_size=24))
def test_indicator_from_values_is_the_constructor(values: list[Any]) -> None:
    assert len(INDICATOR_FIELDS) == 24
    assert not hasattr(Indicator, "__post_init__")  # which indicator_from_values would skip
    made, built = indicator_from_values(tuple(values)), Indicator(*values)
    assert repr(made) == repr(built)  # repr, not ==: a NaN is not equal to itself
    assert list(made.__dict__) == list(INDICATOR_FIELDS)
    assert repr(pickle.loads(pickle.dumps(built))) == repr(built)


def test_register_pickles_to_an_equal_register(register_path: Path) -> None:
    register = load_register(register_path)
    assert register.find("aa01") is not None  # fills the look-up caches, which are not sent
    back = pickle.loads(pickle.dumps(register))
    assert isinstance(back, Register)
    assert back == register
    assert list(back.indicators) == list(register.indicators)
    assert [repr(i) for i in back.indicators.values()] == [
        repr(i) for i in register.indicators.values()
    ]
    assert back.find(" aa01 ") == register.indicators["AA01"]
    assert back.indicators_of("Alpha") == register.indicators_of("Alpha")


ENUMS = {"kind": Kind, "frequency": Frequency, "unit": Unit, "polarity": Polarity}
ENUMS |= {"ytd": YtdMethod, "alert_on": AlertOn, "rag_basis": RagBasis}
ODD_NUMBERS = [None, 0.0, -0.0, 1, 1.0, True, -1.5, 1e15, float("nan"), float("inf")]
# Text as an Indicator holds it, with strings that are equal but not the same object.
ODD_TEXT = ["", "Calls answered", " ".join(["Calls", "answered"]), "Ünïcode £", " x ", "x" * 300]


@st.composite
def odd_indicators(draw: st.DrawFn) -> list[Indicator]:
    """Indicators with every enum member and odd values in every field (types mixed too)."""
    made: list[Indicator] = []
    for n in range(draw(st.integers(0, 12))):
        values: dict[str, object] = {}
        for name in INDICATOR_FIELDS:
            if name in ENUMS:
                values[name] = draw(st.sampled_from(list(ENUMS[name])))
            else:
                values[name] = draw(st.sampled_from([*ODD_NUMBERS, *ODD_TEXT]))
        values["ref"] = f"R{n}"  # the register's key
        made.append(Indicator(**values))  # type: ignore[arg-type]
    return made


def shapes(register: Register) -> list[tuple[str, list[str], list[type], str]]:
    """What must come back: each indicator's key, field order, field types and values (repr:
    -0.0, 1 and 1.0, NaN all show)."""
    return [
        (key, list(vars(i)), [type(v) for v in vars(i).values()], repr(i))
        for key, i in register.indicators.items()
    ]


@settings(max_examples=300, deadline=None)
@given(odd_indicators(), st.sampled_from(list(RagBasis)))
def test_a_register_of_odd_values_pickles_back_the_same(
    indicators: list[Indicator], basis: RagBasis
) -> None:
    areas = {"Alpha": ServiceArea("Alpha", recipients=("a@b.c",), order=-0.0)}
    register = Register(
        Path("reg.xlsx"), {i.ref: i for i in indicators}, areas, Settings(rag_basis=basis)
    )
    for protocol in (2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(register, protocol))
        assert shapes(back) == shapes(register)
        assert (back.path, back.service_areas, back.settings) == (
            register.path,
            register.service_areas,
            register.settings,
        )
        for name, enum in ENUMS.items():  # the very members, not equal strings
            assert all(type(getattr(i, name)) is enum for i in back.indicators.values())
        assert [i.ref for i in back.indicators.values()] == list(back.indicators)


def test_an_empty_register_pickles_back_empty() -> None:
    register = Register(Path("reg.xlsx"), {}, {}, Settings())
    back = pickle.loads(pickle.dumps(register))
    assert back == register and back.indicators == {} and back.find("x") is None


def test_a_pickled_register_shares_its_repeated_values(register_path: Path) -> None:
    """An area's name or an enum member is sent once however many indicators have it (the
    area's own row may send the name once more), so the register pickles smaller than its
    indicators one by one."""
    register = load_register(register_path)
    data = pickle.dumps(register)
    in_alpha = [i for i in register.indicators.values() if i.service_area == "Alpha"]
    assert len(in_alpha) > 2 and data.count(b"Alpha") <= 2
    assert data.count(b"percent") == 1 and data.count(b"Activity") == 1
    one_by_one = sum(len(pickle.dumps(i)) for i in register.indicators.values())
    assert len(data) < one_by_one


def test_loading_leaves_the_garbage_collector_as_it_was(
    register_path: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    try:
        for enabled in (True, False):
            gc.enable() if enabled else gc.disable()
            load_register(register_path)
            with pytest.raises(RegisterError):
                load_register(bad)
            pickle.loads(pickle.dumps(load_register(register_path)))
            assert gc.isenabled() is enabled
    finally:
        gc.enable()
