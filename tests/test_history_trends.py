"""The Trends sheet from the history store: three past years recorded by `kpixl build`, then
September's dashboard charts the 36 months to September, each financial year a line of its
own, so the line breaks at each year end (issue 17, item 4)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
from lxml import html as lxml_html
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


def _percent(value: float) -> str:
    """As the dashboard shows a whole percent: half a point rounds up (82.5% is 83%)."""
    return f"{(Decimal(str(value)) * 100).quantize(Decimal(1), ROUND_HALF_UP)}%"


def test_the_web_pages_chart_also_shows_the_36_months(
    recorded: tuple[Path, str, Path], tmp_path: Path
) -> None:
    """`--html`: the same 36 months, each earlier year a line drawn like the value's but left
    out of the legend, and the table beside the chart giving every month's figure."""
    register, store, this_year = recorded
    page = tmp_path / "page.html"
    _build(register, this_year, tmp_path / "out", "--store", store, "--html", str(page))
    doc = lxml_html.parse(str(page)).getroot()
    months = [Period(2021, 10).shift(n) for n in range(36)]
    (table,) = [t for t in doc.iter("table")
                if t.findtext("caption") == "AA01 figures, the 36 months to Sep-24"]  # fmt: skip
    rows = [[" ".join(c.text_content().split()) for c in row] for row in table.iter("tr")]
    # a month per row, a year per column: each month beside the same month of other years
    assert rows[0] == ["Month", "2021/22", "2022/23", "2023/24", "2024/25", "Target", "Floor"]
    assert [row[0] for row in rows[1:]] == NAMES
    for row, month in zip(rows[1:], [Period(2024, 4).shift(n) for n in range(12)], strict=True):
        years = [month.shift(-12 * back) for back in (3, 2, 1, 0)]
        shown = [_percent(answered(m)) if months[0] <= m <= months[-1] else "no figure"
                 for m in years]  # fmt: skip
        levels = ["90%", "80%"] if month <= Period(2024, 9) else ["no figure"] * 2
        assert row[1:] == shown + levels, row
    (svg,) = [s for s in doc.iter("svg") if "AA01" in (s.findtext("title") or "")]
    legend = [" ".join(t.text_content().split()) for t in svg.find_class("legend")[0].iter("text")]
    assert legend == ["Value", "Target", "Floor"]
    assert len(svg.find_class("line-value")) == 4  # this year and three earlier, alike
    ticks = [t.text for t in svg.find_class("axis")[0].iter("text")]
    assert ticks == [m.label for m in months[::6]]  # every sixth month labelled
    note = " ".join(doc.get_element_by_id("trends").getparent().text_content().split())
    assert "the 36 months to Sep-24" in note
