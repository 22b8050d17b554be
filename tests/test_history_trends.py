"""The Trends sheet from the history store: three past years recorded by `kpixl build`, then
September's dashboard charts the 36 months to September, each financial year a line of its
own, so the line breaks at each year end (issue 17, item 4)."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart.line_chart import LineChart
from openpyxl.chart.series import Series
from openpyxl.utils.cell import range_boundaries
from openpyxl.workbook.workbook import Workbook

from kpixl.cli.main import main
from kpixl.periods import Period
from tests.conftest import write_book, write_register

NAMES = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


def answered(month: Period) -> float:
    """AA01's value in a month: a rise of a point a year, a tenth of a point a month."""
    fy = month.year - (month.month < 4)
    return round(0.8 + 0.01 * (fy - 2021) + 0.001 * ((month.month - 4) % 12), 3)


def _return(path: Path, months: list[Period]) -> Path:
    rows = [["Ref", "Indicator description", *(m.label for m in months)],
            ["AA01", "Calls answered", *(answered(m) for m in months)]]  # fmt: skip
    return write_book(path, {"KPIs": rows})


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """The test register, a store holding FY 2021/22 to 2023/24 as `kpixl build` recorded
    them, and this year's return, April to September 2024."""
    tmp = tmp_path_factory.mktemp("trends")
    register = write_register(tmp / "register.xlsx")
    store = f"sqlite:///{tmp / 'history.sqlite3'}"
    for year in (2021, 2022, 2023):
        months = [Period(year, 4).shift(n) for n in range(12)]
        returns = _return(tmp / f"alpha_{year}.xlsx", months)
        code = main(["build", str(returns), "--register", str(register), "--period",
                     f"{year + 1}-03", "-o", str(tmp / f"out{year}"), "--store", store])  # fmt: skip
        assert code in (0, 1)
    this_year = _return(tmp / "alpha_2024.xlsx", [Period(2024, 4).shift(n) for n in range(6)])
    return register, store, this_year


def _cells(wb: Workbook, ref: str) -> list[object]:
    """The values of a chart's reference: `'Chart data'!$C$5:$AL$5`."""
    sheet, cells = re.fullmatch(r"'?(.+?)'?!(.+)", ref).groups()  # type: ignore[union-attr]
    low_col, low_row, high_col, high_row = range_boundaries(cells.replace("$", ""))
    found = wb[sheet].iter_rows(low_row, high_row, low_col, high_col, values_only=True)
    return [value for row in found for value in row]


def _categories(series: Series) -> str:
    """Where a line's categories are: openpyxl refers to them as numbers or as text."""
    found = series.cat.numRef or series.cat.strRef
    return str(found.f)


def _aa01(dashboard: Path) -> tuple[Workbook, LineChart]:
    wb = openpyxl.load_workbook(dashboard)
    charts = wb["Trends"]._charts
    (chart,) = [c for c in charts if "AA01" in str(c.title.tx.rich.p[0].r[0].t)]
    return wb, chart


def _build(register: Path, returns: Path, out: Path, *store: str) -> Path:
    code = main(["build", str(returns), "--register", str(register), "--period", "2024-09",
                 "-o", str(out), *store])  # fmt: skip
    assert code in (0, 1)
    (dashboard,) = out.glob("*.xlsx")
    return dashboard


def test_trends_chart_36_months_from_the_store_broken_at_each_year(
    recorded: tuple[Path, str, Path], tmp_path: Path
) -> None:
    register, store, this_year = recorded
    wb, chart = _aa01(_build(register, this_year, tmp_path / "out", "--store", store))
    months = [Period(2021, 10).shift(n) for n in range(36)]
    (labels,) = {_categories(s) for s in chart.series}  # every line on the same 36 months
    assert _cells(wb, labels) == [m.label for m in months]  # Oct-21 ... Sep-24
    lines = {_cells(wb, s.tx.strRef.f)[0]: _cells(wb, s.val.numRef.f) for s in chart.series}
    assert list(lines) == ["Value", "Target", "Floor", "2021/22", "2022/23", "2023/24"]
    years = {"Value": (Period(2024, 4), Period(2024, 9)), "2021/22": (months[0], Period(2022, 3)),
             "2022/23": (Period(2022, 4), Period(2023, 3)),
             "2023/24": (Period(2023, 4), Period(2024, 3))}  # fmt: skip
    for name, (first, last) in years.items():  # each year its values, blank (a gap) elsewhere
        assert lines[name] == [answered(m) if first <= m <= last else None for m in months], name
    assert lines["Target"] == [0.9 if m >= Period(2024, 4) else None for m in months]
    assert chart.display_blanks == "gap"
    # the earlier years' lines add nothing to the legend: Value, Target and Floor, as ever
    assert chart.legend is not None
    assert sorted(e.idx for e in chart.legend.legendEntry if e.delete) == [3, 4, 5]
    note = wb["Trends"]["A2"].value
    assert "the 36 months to Sep-24" in note


def test_trends_chart_without_a_store_is_this_year_only(
    recorded: tuple[Path, str, Path], tmp_path: Path
) -> None:
    register, _, this_year = recorded
    wb, chart = _aa01(_build(register, this_year, tmp_path / "out", "--no-store"))
    (labels,) = {_categories(s) for s in chart.series}
    assert _cells(wb, labels) == NAMES
    assert [_cells(wb, s.tx.strRef.f)[0] for s in chart.series] == ["Value", "Target", "Floor"]
    assert "36 months" not in wb["Trends"]["A2"].value
    assert not chart.legend.legendEntry  # type: ignore[union-attr]
