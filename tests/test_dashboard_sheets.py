"""What each sheet of the dashboard shows, checked with openpyxl as a user would in Excel."""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import range_boundaries

from kpixl.dashboard import styles, write_dashboard
from kpixl.dashboard.validation import link_target
from kpixl.issues import Issue, IssueCode, Report, Severity
from kpixl.periods import Period
from kpixl.register.model import Register
from kpixl.results import DATA_COLUMNS, Results
from tests.dashboard_helpers import (
    DASHBOARD,
    FINANCE,
    FORMULA_LIKE,
    HR,
    KPI_HEADERS_AFTER,
    MARKETING,
    PERIOD,
    SERIES,
    book,
    out,
    results,
    row_of,
    rules_over,
    values,
)

__all__ = ["book", "out", "results"]  # the fixtures, shared in tests/dashboard_helpers.py


def test_sheets_in_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [
        "Guidance", "Summary", "Finance", "Marketing & Resident Experience",
        "HR and Organisational Devt", "Trends", "Commentary", "Validation", "Data", "Chart data",
    ]  # fmt: skip
    assert book["Chart data"].sheet_state == "hidden"
    assert all(book[n].sheet_state == "visible" for n in book.sheetnames[:-1])


def test_guidance(book: openpyxl.Workbook) -> None:
    texts = [cell for row in values(book["Guidance"]) for cell in row if cell]
    assert texts[:4] == [
        "Performance Dashboard for the Chief Executive's Department",
        "Financial Year 2024/25",
        "Results up to March 2025",
        "Produced by Kent Analytics",
    ]
    assert ["GREEN", "Target has been achieved"] in values(book["Guidance"])
    assert any(str(t).startswith("*Floor Standards are the minimum") for t in texts)
    assert "Activity Indicators" in texts


def test_summary(book: openpyxl.Workbook) -> None:
    rows = [r for r in values(book["Summary"]) if r]
    assert rows == [
        ["Key Performance Indicator Summary"],
        [FINANCE, "Latest RAG", "YTD RAG"],
        ["FN06: Description of FN06", "RED", "N/A"],
        ["FN07: Description of FN07", "GREEN", "AMBER"],
        [MARKETING, "Latest RAG", "YTD RAG"],
        ["CS01: Callers who rate advisors good", "AMBER", "GREEN"],
        ["CS07: Description of CS07", "RED", "RED"],
        [HR, "Latest RAG", "YTD RAG"],
        ["HR09: Description of HR09", "GREEN", "GREEN"],
    ]
    assert set(rules_over(book["Summary"], "C4")) == {"GREEN", "AMBER", "RED"}


def test_service_area_header_block(book: openpyxl.Workbook) -> None:
    rows = values(book["Finance"])
    assert rows[0] == ["Chief Executive's Department"]
    assert rows[2][0::2][:2] == ["Service Area", "Director (interim)"]
    assert [c for c in rows[2] if c] == ["Service Area", "Director (interim)", "Cabinet Member"]
    assert [c for c in rows[3] if c] == [FINANCE, "John Betts", "Brian Collins"]


def test_monthly_kpi_table(book: openpyxl.Workbook) -> None:
    ws = book["Finance"]
    header = row_of(ws, "Ref")
    assert values(ws)[header - 2] == ["Key Performance Indicators"]
    periods = ["Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    assert values(ws)[header - 1] == ["Ref", "Indicator description", *periods, *KPI_HEADERS_AFTER]
    fn07 = values(ws)[row_of(ws, "FN07") - 1]
    assert fn07 == [
        "FN07", "Description of FN07", 0.86, None, 0.78, 0.87,
        "GREEN", pytest.approx(0.84), "AMBER", 0.85, 0.8, 0.81, "\u25b2 better",
    ]  # fmt: skip
    row = row_of(ws, "FN07")
    assert ws.cell(row, 3).number_format == "0%"
    assert ws.cell(row, 8).number_format == "0%"  # YTD in the indicator's format
    assert ws.cell(row, 10).number_format == "0%"  # Target too
    assert isinstance(ws.cell(row, 3).value, float)


def test_no_ytd_shows_na(book: openpyxl.Workbook) -> None:
    ws = book["Finance"]
    fn06 = values(ws)[row_of(ws, "FN06") - 1]
    assert fn06[6:9] == ["RED", "N/A", "N/A"]


def test_decimals_give_the_format(book: openpyxl.Workbook) -> None:
    ws = book["HR and Organisational Devt"]
    assert ws.cell(row_of(ws, "HR09"), 3).number_format == "0.0%"


def test_rag_cells_have_conditional_formats(book: openpyxl.Workbook) -> None:
    ws = book["Finance"]
    row = row_of(ws, "FN07")
    expected = {"GREEN": styles.GREEN_FILL, "AMBER": styles.AMBER_FILL, "RED": styles.RED_FILL}
    assert rules_over(ws, f"G{row}") == expected  # Month RAG
    assert rules_over(ws, f"I{row}") == expected  # YTD RAG
    assert rules_over(ws, f"H{row}") == {}  # YTD is a figure
    assert ws.cell(row, 7).fill.fill_type is None  # coloured by the rule, never statically


def test_footnote_and_commentary_under_table(book: openpyxl.Workbook) -> None:
    ws = book["Finance"]
    texts = [r[0] for r in values(ws) if r and isinstance(r[0], str)]
    assert "*FN07 note" in texts
    assert f"FN07 – {FORMULA_LIKE}" in texts
    assert "FN06 – +1" in texts
    assert "FN07 – Older comment" not in texts  # another period's


def test_quarterly_table(book: openpyxl.Workbook) -> None:
    ws = book["Marketing & Resident Experience"]
    headings = [r[0] for r in values(ws) if r and str(r[0]).startswith("Key Performance")]
    assert headings == [
        "Key Performance Indicators - Monthly",
        "Key Performance Indicators - Quarterly",
    ]
    second = row_of(ws, "Ref", row_of(ws, "Ref"))
    quarters = ["Jun-24", "Sep-24", "Dec-24", "Mar-25"]
    assert values(ws)[second - 1] == [
        "Ref", "Indicator description", *quarters, "Qtr RAG", *KPI_HEADERS_AFTER[1:-1],
        "Since last quarter",
    ]  # fmt: skip
    assert values(ws)[second][:7] == ["CS07", "Description of CS07", 0.66, 0.71, 0.71, 0.7, "RED"]
    assert "CS07 – -2" in [r[0] for r in values(ws) if r]


def test_activity_tables(book: openpyxl.Workbook) -> None:
    finance = book["Finance"]
    header = values(finance)[row_of(finance, "Ref", row_of(finance, "FN07")) - 1]
    months = ["Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    assert header == ["Ref", "Indicator description", *months, "YTD", "Previous Year YTD"]
    ws = book["Marketing & Resident Experience"]
    header_row = row_of(ws, "Ref", row_of(ws, "CS07"))
    assert values(ws)[header_row - 1] == [
        "Ref", "Indicator description", *months, "YTD", "In expected range?", "Upper", "Lower",
        "Previous Year YTD",
    ]  # fmt: skip
    cs08 = row_of(ws, "CS08")
    assert values(ws)[cs08 - 1][2:10] == [
        30080, 30090, 30100, 30110, 360660, "Below", 460000, 383000,
    ]  # fmt: skip
    assert ws.cell(cs08, 3).number_format == "#,##0"
    assert ws.cell(row_of(ws, "CS13"), 3).number_format == "0"
    assert set(rules_over(ws, f"H{cs08}")) == {"Yes", "Above", "Below"}


def test_commentary_sheet_keeps_text_as_text(book: openpyxl.Workbook, out: Path) -> None:
    ws = book["Commentary"]
    rows = values(ws)
    assert rows[0] == ["Service area", "Ref", "Period", "Commentary", "Source"]
    assert [r[1:4] for r in rows[1:]] == [
        ["FN06", "Mar-25", "+1"],
        ["FN07", "Feb-25", "Older comment"],
        ["FN07", "Mar-25", FORMULA_LIKE],
        ["CS07", "Mar-25", "-2"],
        ["CS08", "Mar-25", "@SUM(A1)"],
    ]
    for row in range(2, 7):
        assert ws.cell(row, 4).data_type == "s"
    with zipfile.ZipFile(out) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)


def test_validation_sheet(book: openpyxl.Workbook) -> None:
    ws = book["Validation"]
    rows = values(ws)
    assert rows[1] == ["Errors", 1]
    assert rows[2] == ["Warnings", 1]
    assert rows[4] == [
        "Severity",
        "Code",
        "File",
        "Sheet",
        "Cell",
        "Indicator",
        "Period",
        "Message",
    ]
    assert rows[5][:7] == [
        "error", "not-numeric", "returns/finance.xlsx", "Finance data", "C7", "FN07", "Mar-25",
    ]  # fmt: skip
    assert rows[6][:2] == ["warning", "drag-fill"]
    link = ws.cell(6, 5).hyperlink
    assert link is not None
    # Stored as Excel stores a link into another workbook: the file, and the cell as location.
    assert f"{link.target}#{link.location}" == "../returns/finance.xlsx#'Finance data'!C7"
    assert ws.cell(7, 5).hyperlink is None


@pytest.mark.parametrize(
    ("file", "sheet", "cell", "expected"),
    [
        ("returns/finance.xlsx", "Finance data", "C7", "../returns/finance.xlsx#'Finance data'!C7"),
        ("out/mine.xlsx", "O'Neil", "B2", "mine.xlsx#'O''Neil'!B2"),
        ("returns/finance.xlsx", "Data", "", "../returns/finance.xlsx#'Data'!A1"),
        ("returns/finance.xlsx", "", "", "../returns/finance.xlsx"),
        ("", "Data", "C7", ""),
        (
            "re#turns 100%/fin ance.xlsx",
            "Data",
            "C7",
            "../re%23turns%20100%25/fin%20ance.xlsx#'Data'!C7",
        ),
        ("returns/Fin\x1b]8;;x\x07.xlsx", "", "", "../returns/Fin%1B%5D8%3B%3Bx%07.xlsx"),
    ],
)
def test_link_targets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, sheet: str, cell: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    issue = Issue(Severity.ERROR, IssueCode.NOT_NUMERIC, "m", file=file, sheet=sheet, cell=cell)
    path, location = link_target(issue, tmp_path / "out")
    assert (f"{path}#{location}" if location else path) == expected
    absolute = Issue(Severity.ERROR, IssueCode.NOT_NUMERIC, "m", file=str(tmp_path / "r.xlsx"))
    assert link_target(absolute, Path("out")) == ("../r.xlsx", "")


def test_data_sheet(book: openpyxl.Workbook, results: Results) -> None:
    ws = book["Data"]
    rows = values(ws)
    assert tuple(rows[0]) == DATA_COLUMNS
    mine = results.data[results.data["service_area"] != "Other area"]
    assert len(rows) - 1 == len(mine)
    first = dict(zip(DATA_COLUMNS, rows[1], strict=False))
    assert first["ref"] == "FN06" and first["period"] == "2024-04"
    assert isinstance(first["value"], float) and first["ytd"] is None
    assert ws.auto_filter.ref == f"A1:U{len(rows)}"  # ref … source, forecast … forecast_rag
    assert ws.freeze_panes == "A2"
    assert set(rules_over(ws, "G2")) == {"GREEN", "AMBER", "RED"}  # month_rag
    assert set(rules_over(ws, "J2")) == {"Yes", "Above", "Below"}  # alert
    # figures in their indicator's format; a plain table, so blanks are left unwritten
    value = ws.cell(2, DATA_COLUMNS.index("value") + 1)
    assert value.number_format == styles.number_format(results.register.indicators["FN06"])
    assert value.font.name == styles.FONT_NAME and value.border.left is None
    assert ws.cell(2, DATA_COLUMNS.index("upper") + 1).has_style is False


def test_data_sheet_text_is_never_a_formula(results: Results, tmp_path: Path) -> None:
    tricky = '=HYPERLINK("http://x","click")'
    data = results.data.copy()
    data.loc[0, "source"] = tricky
    out = write_dashboard(dataclasses.replace(results, data=data), DASHBOARD, tmp_path / "d.xlsx")
    cell = openpyxl.load_workbook(out)["Data"].cell(2, DATA_COLUMNS.index("source") + 1)
    assert cell.value == tricky and cell.data_type == "s"


def test_ref_header_only_in_tables_that_read_back(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip().lower() == "ref":
                    assert ws.title not in {"Guidance", "Summary", "Validation"}
                    assert ws.title in {"Data", "Commentary"} or ws.cell(cell.row, 2).value == (
                        "Indicator description"
                    )


def test_early_in_the_year_shows_only_this_years_months(results: Results, tmp_path: Path) -> None:
    may = Period(2024, 5)
    data = results.data[results.data["period"] <= str(may)]
    early = Results(results.register, may, data.copy(), Report(), [])
    book = openpyxl.load_workbook(write_dashboard(early, DASHBOARD, tmp_path / "may.xlsx"))
    ws = book["Finance"]
    assert values(ws)[row_of(ws, "Ref") - 1][:5] == [
        "Ref", "Indicator description", "Apr-24", "May-24", "Month RAG",
    ]  # fmt: skip
    marketing = book["Marketing & Resident Experience"]
    quarterly = row_of(marketing, "Ref", row_of(marketing, "Ref"))
    assert values(marketing)[quarterly - 1][:3] == ["Ref", "Indicator description", "Qtr RAG"]
    assert values(marketing)[quarterly][2] == "N/A"  # no quarter has ended yet
    assert values(book["Validation"])[1:3] == [["Errors", 0], ["Warnings", 0]]


def test_missing_values_as_nan_are_empty_cells(results: Results, tmp_path: Path) -> None:
    data = results.data.copy()
    data["value"] = pd.to_numeric(data["value"])  # None becomes NaN
    nan = Results(results.register, PERIOD, data, results.report, [])
    book = openpyxl.load_workbook(write_dashboard(nan, DASHBOARD, tmp_path / "nan.xlsx"))
    ws = book["Finance"]
    assert ws.cell(row_of(ws, "FN07"), 4).value is None  # Jan-25


def _chart_title(chart: Any) -> str:
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def _cells(book: openpyxl.Workbook, ref: str) -> list[Any]:
    """The values a chart reference like `'Chart data'!$C$3:$N$3` points at."""
    sheet, _, cells = ref.rpartition("!")
    ws = book[sheet.strip("'")]
    min_col, min_row, max_col, max_row = range_boundaries(cells.replace("$", ""))
    rows = ws.iter_rows(min_row, max_row, min_col, max_col, values_only=True)
    return [value for row in rows for value in row]


def test_trends_chart_per_kpi(book: openpyxl.Workbook) -> None:
    ws = book["Trends"]
    charts = ws._charts
    assert [_chart_title(c) for c in charts] == [
        "FN06: Description of FN06", "FN07: Description of FN07",
        "CS01: Callers who rate advisors good", "CS07: Description of CS07",
        "HR09: Description of HR09",
    ]  # fmt: skip
    fn07 = charts[1]
    lines = {_cells(book, s.tx.strRef.f)[0]: _cells(book, s.val.numRef.f) for s in fn07.series}
    assert lines == {"Value": SERIES["FN07"], "Target": [0.85] * 12, "Floor": [0.8] * 12}
    months = _cells(book, fn07.series[0].cat.numRef.f)
    assert months == ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan",
                      "Feb", "Mar"]  # fmt: skip
    cs07 = charts[3]
    assert _cells(book, cs07.series[0].cat.numRef.f) == ["Jun-24", "Sep-24", "Dec-24", "Mar-25"]
    assert _cells(book, cs07.series[0].val.numRef.f) == SERIES["CS07"]
    # Target and floor dashed, so the lines read apart without colour.
    assert [s.spPr.ln.prstDash for s in fn07.series] == ["solid", "dash", "dash"]
    assert fn07.y_axis.numFmt.formatCode == "0%"
    # A rate's axis: up to 100%, from the 10% step below its lowest figure (FN07: 78%).
    assert (fn07.y_axis.scaling.min, fn07.y_axis.scaling.max) == (0.7, 1.0)


def test_trends_grid(book: openpyxl.Workbook) -> None:
    anchors = [(c.anchor._from.col, c.anchor._from.row) for c in book["Trends"]._charts]
    assert anchors == [(0, 3), (6, 3), (12, 3), (0, 16), (6, 16)]


def test_trends_without_kpis(results: Results, tmp_path: Path) -> None:
    register = results.register
    only = {r: i for r, i in register.indicators.items() if not i.is_kpi}
    bare = Register(register.path, only, register.service_areas, register.settings)
    book = openpyxl.load_workbook(
        write_dashboard(
            Results(bare, PERIOD, results.data, Report(), []), DASHBOARD, tmp_path / "bare.xlsx"
        )
    )
    assert book["Trends"]._charts == []
    assert "no Key Performance Indicators" in str(book["Trends"]["A4"].value)


def test_direction_of_travel_arrow_and_word(book: openpyxl.Workbook) -> None:
    ws = book["Finance"]
    last = len(KPI_HEADERS_AFTER) + 6
    assert ws.cell(row_of(ws, "FN06"), last).value == "\u25bc worse"  # 34% after 50%
    assert ws.cell(row_of(ws, "FN07"), last).value == "\u25b2 better"  # 87% after 78%
    hr = book["HR and Organisational Devt"]
    assert hr.cell(row_of(hr, "HR09"), last).value == "\u25ba same"


@pytest.mark.parametrize("description", [None, "Fish & chips <served> – “quick”\r\nsame day"])
def test_trend_charts_are_the_xml_openpyxl_makes(results: Results, description: str | None) -> None:
    """Charts drawn once per shape and reused give each KPI exactly the chart XML openpyxl
    makes for it alone: its own title, rows, format and axis range."""
    from openpyxl import Workbook
    from openpyxl.xml.functions import tostring

    from kpixl.dashboard import trends
    from kpixl.dashboard.view import DashboardView

    if description is not None:
        ind = results.register.indicators["FN06"]
        changed = dataclasses.replace(ind, description=description, short_description="")
        indicators = results.register.indicators | {"FN06": changed}
        register = dataclasses.replace(results.register, indicators=indicators)
        results = dataclasses.replace(results, register=register, data=results.data)
        shown = [i for i in register.indicators_of(changed.service_area) if i.ref == "FN06"]
        assert description in trends.chart_title(shown[0])
    view = DashboardView(results, DASHBOARD)
    wb = Workbook()
    data = wb.create_sheet(trends.CHART_DATA_SHEET)
    kpis = trends.trend_kpis(view)
    blocks = trends.write_chart_data(data, view, kpis)
    palette = styles.palette_of(wb)
    fast = trends.TrendCharts(data, palette)
    assert len(kpis) > 3
    for ind, block in zip(kpis, blocks, strict=True):
        expected = tostring(trends.trend_chart(ind, data, block, palette)._write())
        assert tostring(fast.chart(ind, block)._write()) == expected, ind.ref
