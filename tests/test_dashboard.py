"""The dashboard workbook, checked with openpyxl as a user would check it in Excel."""

from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import dashboard_filename, styles, write_dashboard
from kpixl.dashboard.names import sheet_name, unique_sheet_names
from kpixl.dashboard.validation import link_target
from kpixl.errors import OutputError, UsageError
from kpixl.issues import Issue, IssueCode, Report, Severity
from kpixl.periods import Period
from kpixl.rate.rating import direction, rag
from kpixl.register.model import (
    AlertOn,
    Frequency,
    Indicator,
    Kind,
    Register,
    ServiceArea,
    Settings,
    Unit,
    YtdMethod,
)
from kpixl.results import DATA_COLUMNS, Commentary, Results

DASHBOARD = "CED-DCED"
PERIOD = Period(2025, 3)
FINANCE, MARKETING = "Finance", "Marketing and Resident Experience"
HR = "Human Resources and Organisational Development"
FORMULA_LIKE = '=HYPERLINK("http://x","click")'
KPI_HEADERS_AFTER = [
    "Month RAG", "YTD", "YTD RAG", "Target", "Floor", "Prev. Year", "Since last month",
]  # fmt: skip


def _kpi(ref: str, area: str, target: float, floor: float, **kw: Any) -> Indicator:
    return Indicator(ref, f"Description of {ref}", area, Kind.KPI, target=target, floor=floor, **kw)


def _activity(ref: str, area: str, **kw: Any) -> Indicator:
    kw.setdefault("unit", Unit.COUNT)
    return Indicator(ref, f"Description of {ref}", area, Kind.ACTIVITY, **kw)


INDICATORS = [
    _kpi("FN06", FINANCE, 0.70, 0.65, ytd=YtdMethod.NONE, prev_year=0.73),
    _kpi("FN07", FINANCE, 0.85, 0.80, ytd=YtdMethod.MEAN, prev_year=0.81, footnote="*FN07 note"),
    _activity("FN07b", FINANCE, ytd=YtdMethod.SUM, prev_year=98834),
    _kpi("CS01", MARKETING, 0.97, 0.90, short_description="Callers who rate advisors good"),
    _kpi("CS07", MARKETING, 0.85, 0.80, frequency=Frequency.QUARTERLY),
    _activity("CS08", MARKETING, ytd=YtdMethod.SUM, upper=460000, lower=383000),
    _activity("CS13", MARKETING, unit=Unit.SECONDS, ytd=YtdMethod.MEAN, upper=120, lower=30),
    _kpi("HR09", HR, 0.97, 0.95, decimals=1),
    _kpi("OT01", "Other area", 0.5, 0.4),
]


def _register() -> Register:
    def area(name: str, dashboard: str = DASHBOARD, **kw: Any) -> ServiceArea:
        return ServiceArea(name, dashboard=dashboard, **kw)

    areas = [
        area(
            FINANCE,
            department="Chief Executive's Department",
            lead_title="Director (interim)",
            lead_name="John Betts",
            cabinet_member="Brian Collins",
        ),
        area(
            MARKETING,
            department="Deputy Chief Executive's Department",
            lead_title="Head of Service",
            lead_name="Christina Starte",
        ),
        area(HR, lead_name="Paul Royel"),
        area("Other area", dashboard="Other"),
    ]
    settings = Settings(
        organisation="Kent Analytics",
        titles={DASHBOARD: "Performance Dashboard for the Chief Executive's Department"},
    )
    return Register(
        Path("register.xlsx"),
        {i.ref: i for i in INDICATORS},
        {a.name: a for a in areas},
        settings,
    )


# Each indicator's values over FY 2024/25 (quarterly: Jun, Sep, Dec, Mar); None: not given.
SERIES: dict[str, list[float | None]] = {
    "FN06": [0.60, 0.62, 0.58, 0.55, 0.50, 0.45, 0.44, 0.42, 0.41, 0.31, 0.50, 0.34],
    "FN07": [0.82, 0.85, 0.88, 0.80, 0.84, 0.86, 0.85, 0.83, 0.86, None, 0.78, 0.87],
    "CS01": [0.97, 0.97, 0.97, 0.96, 0.97, 0.96, 0.97, 0.96, 0.97, 0.96, 0.97, 0.95],
    "CS07": [0.66, 0.71, 0.71, 0.70],
    "HR09": [0.98] * 12,
    "FN07b": [7000.0 + 100 * n for n in range(12)],
    "CS08": [30000.0 + 10 * n for n in range(12)],
    "CS13": [40.0 + n for n in range(12)],
    "OT01": [0.5] * 12,
}


def _series(ind: Indicator) -> Iterator[tuple[Period, float | None]]:
    months = PERIOD.fy_months()
    periods = [p for p in months if p.is_quarter_end()] if ind.is_quarterly else months
    return zip(periods, SERIES[ind.ref], strict=True)


def _rows(ind: Indicator) -> Iterator[dict[str, Any]]:
    seen: list[float] = []
    previous: float | None = None
    for period, value in _series(ind):
        seen += [] if value is None else [value]
        ytd = None if ind.ytd is YtdMethod.NONE or not seen else sum(seen)
        if ytd is not None and ind.ytd is not YtdMethod.SUM:
            ytd /= len(seen)
        alert = None
        if ind.has_range and ytd is not None:
            alert = (
                "Above" if ytd > (ind.upper or 0) else "Below" if ytd < (ind.lower or 0) else "Yes"
            )
        rags = (rag(value, ind), rag(ytd, ind))
        yield {
            "ref": ind.ref, "description": ind.description, "service_area": ind.service_area,
            "kind": ind.kind.value, "period": str(period), "value": value,
            "month_rag": rags[0].value if rags[0] else None,
            "ytd": ytd, "ytd_rag": rags[1].value if rags[1] else None, "alert": alert,
            "target": ind.target, "floor": ind.floor, "upper": ind.upper, "lower": ind.lower,
            "prev_year": ind.prev_year, "direction": _direction(value, previous, ind),
            "source": f"r.xlsx!Data!C{period.month}",
        }  # fmt: skip
        previous = value if value is not None else previous


def _direction(value: float | None, previous: float | None, ind: Indicator) -> str | None:
    found = direction(value, previous, ind) if ind.is_kpi else None
    return None if found is None else str(found)


def _source_workbook(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Finance data"
    ws["A1"], ws["C7"] = "Ref", "eighty"
    wb.save(path)


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Results:
    monkeypatch.chdir(tmp_path)
    _source_workbook(tmp_path / "returns" / "finance.xlsx")
    rows = [row for ind in INDICATORS for row in _rows(ind)]
    data = pd.DataFrame(rows, columns=list(DATA_COLUMNS)).astype(object)
    data = data.where(pd.notna(data), None)
    report = Report()
    report.add(Issue(Severity.WARNING, IssueCode.DRAG_FILL, "Looks drag-filled.", ref="CS08"))
    report.add(
        Issue(
            Severity.ERROR,
            IssueCode.NOT_NUMERIC,
            "Type a number, not 'eighty'.",
            file="returns/finance.xlsx",
            sheet="Finance data",
            cell="C7",
            ref="FN07",
            period="2025-03",
        )
    )
    commentary = [
        Commentary(FINANCE, "FN07", PERIOD, FORMULA_LIKE, "finance.xlsx!Data!L7"),
        Commentary(FINANCE, "FN07", Period(2025, 2), "Older comment", "finance.xlsx!Data!L7"),
        Commentary(FINANCE, "FN06", PERIOD, "+1", "finance.xlsx!Data!L6"),
        Commentary(MARKETING, "CS07", PERIOD, "-2", "mkt.xlsx!Data!L9"),
        Commentary(MARKETING, "CS08", PERIOD, "@SUM(A1)", "mkt.xlsx!Data!L10"),
        Commentary("Other area", "OT01", PERIOD, "Not for this dashboard", "o.xlsx!A!L1"),
    ]
    return Results(_register(), PERIOD, data, report, commentary)


@pytest.fixture
def out(results: Results, tmp_path: Path) -> Path:
    target = tmp_path / "out" / dashboard_filename(DASHBOARD, PERIOD)
    target.parent.mkdir()
    return write_dashboard(results, DASHBOARD, target)


@pytest.fixture
def book(out: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(out)


def values(ws: Worksheet) -> list[list[Any]]:
    """The sheet as rows of values, trailing empty cells dropped, empty rows kept."""
    rows = []
    for row in ws.iter_rows(values_only=True):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(cells)
    return rows


def row_of(ws: Worksheet, first: str, after: int = 0) -> int:
    """The 1-based number of the first row (after row `after`) whose column A reads `first`."""
    for number, row in enumerate(values(ws), start=1):
        if number > after and row and row[0] == first:
            return number
    raise AssertionError(f"no row starting {first!r} in {ws.title}")


def rules_over(ws: Worksheet, coordinate: str) -> dict[str, str]:
    """Conditional-format words covering a cell -> the fill colour each gives it."""
    found = {}
    for cf in ws.conditional_formatting:
        if coordinate in cf.sqref:
            for rule in cf.rules:
                assert rule.type == "cellIs" and rule.operator == "equal"
                found[rule.formula[0].strip('"')] = rule.dxf.fill.fgColor.rgb[-6:]
    return found


def test_file_name() -> None:
    assert dashboard_filename("CED-DCED", PERIOD) == "CED-DCED_2025-03.xlsx"
    assert dashboard_filename("Children's / Young: People", PERIOD) == (
        "Childrens_Young_People_2025-03.xlsx"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (HR, "HR and Organisational Devt"),
        ("Finance", "Finance"),
        ("Governance, Law & Democracy", "Governance, Law & Democracy"),
        ("Data [raw]: a/b*c?", "Data -raw-- a-b-c-"),
        ("x" * 40, "x" * 31),
    ],
)
def test_sheet_names_are_short_and_legal(name: str, expected: str) -> None:
    assert sheet_name(name) == expected


def test_sheet_names_are_unique() -> None:
    assert unique_sheet_names(["Summary", "Finance", "FINANCE"]) == [
        "Summary (2)",
        "Finance",
        "FINANCE (2)",
    ]


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


def test_zip_members_carry_the_period_stamp_only(out: Path) -> None:
    with zipfile.ZipFile(out) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2025, 4, 1, 0, 0, 0)}
        assert {i.create_system for i in zf.infolist()} == {0}  # the same on every system


def test_ref_header_only_in_tables_that_read_back(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip().lower() == "ref":
                    assert ws.title not in {"Guidance", "Summary", "Validation"}
                    assert ws.title in {"Data", "Commentary"} or ws.cell(cell.row, 2).value == (
                        "Indicator description"
                    )


def test_workbook_properties_are_fixed(book: openpyxl.Workbook) -> None:
    assert book.properties.creator == "kpixl"
    assert book.properties.created is not None
    assert (book.properties.created.year, book.properties.created.month) == (2025, 4)


def test_same_results_give_identical_bytes(results: Results, out: Path) -> None:
    first = out.read_bytes()
    again = write_dashboard(results, DASHBOARD, out.with_name("again.xlsx"))
    assert again.read_bytes() == first
    write_dashboard(results, DASHBOARD, out)
    assert out.read_bytes() == first


def test_written_atomically(out: Path) -> None:
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_a_folder_in_the_way_is_a_clear_error(results: Results, tmp_path: Path) -> None:
    folder = tmp_path / "taken.xlsx"
    folder.mkdir()
    with pytest.raises(OutputError, match=re.escape(f"cannot write {folder}: it is a folder")):
        write_dashboard(results, DASHBOARD, folder)
    assert list(tmp_path.glob("*.tmp")) == [] and list(tmp_path.glob(".~*")) == []


def test_a_missing_folder_is_a_clear_error(results: Results, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "d.xlsx"
    with pytest.raises(OutputError, match=r"cannot write .*: the folder .* does not exist"):
        write_dashboard(results, DASHBOARD, target)


def test_unknown_dashboard(results: Results, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no dashboard 'Nope'"):
        write_dashboard(results, "Nope", tmp_path / "x.xlsx")


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


SAMPLES = Path(__file__).resolve().parent.parent / "samples"
COMPARED = ["value", "ytd", "month_rag", "ytd_rag", "alert", "prev_year"]


@pytest.mark.skipif(not (SAMPLES / "register.xlsx").exists(), reason="no samples")
def test_the_dashboard_reads_back_as_a_return(tmp_path: Path) -> None:
    from kpixl.pipeline import run

    register = SAMPLES / "register.xlsx"
    built = run([SAMPLES / "returns"], register)
    out = write_dashboard(built, DASHBOARD, tmp_path / dashboard_filename(DASHBOARD, PERIOD))
    again = run([out], register)
    assert again.period == built.period
    assert again.report.counts()["error"] == 0

    def table(results: Results, exact: bool) -> list[list[Any]]:
        frame = results.data[["ref", "period", *COMPARED]]
        rows = frame.to_numpy().tolist()

        # openpyxl writes 16 significant digits (Excel keeps 15), so the last bit may differ.
        def cell(v: Any) -> Any:
            if v is None or (isinstance(v, float) and pd.isna(v)):
                return None
            return pytest.approx(v, rel=1e-14) if isinstance(v, float) and not exact else v

        return [[cell(v) for v in row] for row in rows]

    assert table(again, exact=True) == table(built, exact=False)


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


def test_print_setup(book: openpyxl.Workbook) -> None:
    title = "Performance Dashboard for the Chief Executive's Department"
    for ws in book.worksheets:
        setup = ws.page_setup
        tall = 1 if ws.title == "Summary" else 0  # a short Summary prints on one page
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, tall)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert title in ws.oddHeader.left.text
        assert ws.oddFooter.right.text == "Page &P of &N"
        assert ws.oddFooter.left.text == "Produced by Kent Analytics"
    assert book["Finance"].print_title_rows == "$1:$4"
    assert book["Data"].print_title_rows == "$1:$1"
    assert book["Validation"].print_title_rows == "$5:$5"


def test_print_header_keeps_ampersands() -> None:
    from kpixl.dashboard.printing import header_text

    assert header_text("Governance, Law & Democracy") == "Governance, Law && Democracy"


def test_no_colour_or_font_literal_outside_styles() -> None:
    folder = Path(__file__).resolve().parent.parent / "kpixl" / "dashboard"
    literal = re.compile(r"[\"'](?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})[\"']|Arial|Calibri")
    offenders = [
        f"{path.name}: {match.group()}"
        for path in sorted(folder.glob("*.py"))
        if path.name != "styles.py"
        for match in literal.finditer(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


# --- Table layout from the register: blocks, periods shown, dropped YTD columns ---------------


def _changed(results: Results, **changes: dict[str, Any]) -> Results:
    """`results` with some indicators' register fields changed, e.g. FN07={"periods_shown": 6}."""
    register = results.register
    indicators = {
        ref: dataclasses.replace(ind, **changes.get(ref, {}))
        for ref, ind in register.indicators.items()
    }
    changed = Register(register.path, indicators, register.service_areas, register.settings)
    return Results(changed, PERIOD, results.data, results.report, results.commentary)


def _built(results: Results, path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(write_dashboard(results, DASHBOARD, path))


def _headers(ws: Worksheet) -> list[list[Any]]:
    return [row for row in values(ws) if row and row[0] == "Ref"]


def test_a_table_shows_the_most_periods_its_indicators_ask_for(
    results: Results, tmp_path: Path
) -> None:
    wider = _changed(
        results,
        FN07={"periods_shown": 6},  # FN06 blank: the setting's 4; the table shows 6
        CS07={"periods_shown": 2},  # quarterly: quarter ends
        CS13={"periods_shown": 1},  # CS08 blank: a periods_shown given wins over the setting
    )
    book = _built(wider, tmp_path / "wider.xlsx")
    finance = _headers(book["Finance"])
    months = ["Oct-24", "Nov-24", "Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    assert finance[0][:9] == ["Ref", "Indicator description", *months, "Month RAG"]
    assert finance[1][2:7] == ["Dec-24", "Jan-25", "Feb-25", "Mar-25", "YTD"]  # untouched
    fn06 = values(book["Finance"])[row_of(book["Finance"], "FN06") - 1]
    assert fn06[2:9] == [*SERIES["FN06"][-6:], "RED"]
    marketing = _headers(book["Marketing & Resident Experience"])
    assert marketing[1][2:5] == ["Dec-24", "Mar-25", "Qtr RAG"]
    assert marketing[2][2:4] == ["Mar-25", "YTD"]


def test_table_labels_split_an_area_into_blocks_each_on_its_own_page(
    results: Results, tmp_path: Path
) -> None:
    book = _built(_changed(results, FN07b={"table": "Activity"}), tmp_path / "blocks.xlsx")
    ws = book["Finance"]
    second = row_of(ws, "Activity Indicators")
    assert [b.id for b in ws.row_breaks.brk] == [second - 2]  # page ends after a blank row
    assert values(ws)[second - 3 : second - 1] == [[], []]
    assert ws.print_title_rows == "$1:$4"  # the service-area block heads the new page
    unchanged = _built(results, tmp_path / "one.xlsx")["Finance"]
    assert list(unchanged.row_breaks.brk) == []


def test_kpi_table_without_any_ytd_drops_the_ytd_columns(results: Results, tmp_path: Path) -> None:
    none = {"ytd": YtdMethod.NONE}
    ws = _built(_changed(results, FN07=none), tmp_path / "noytd.xlsx")["Finance"]
    months = ["Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    after = ["Month RAG", "Target", "Floor", "Prev. Year", "Since last month"]
    assert _headers(ws)[0] == ["Ref", "Indicator description", *months, *after]
    row = row_of(ws, "FN07")
    assert values(ws)[row - 1][6:10] == ["GREEN", 0.85, 0.8, 0.81]
    assert set(rules_over(ws, f"G{row}")) == {"GREEN", "AMBER", "RED"}
    assert rules_over(ws, f"H{row}") == {}  # Target is a figure, not a RAG


def test_activity_table_alerting_on_the_latest_month_drops_the_ytd_column(
    results: Results, tmp_path: Path
) -> None:
    latest = {"alert_on": AlertOn.LATEST}
    one = _built(_changed(results, CS08=latest), tmp_path / "one.xlsx")
    assert "YTD" in _headers(one["Marketing & Resident Experience"])[2]  # CS13 still needs it
    both = _built(_changed(results, CS08=latest, CS13=latest), tmp_path / "both.xlsx")
    ws = both["Marketing & Resident Experience"]
    months = ["Dec-24", "Jan-25", "Feb-25", "Mar-25"]
    assert _headers(ws)[2] == [
        "Ref", "Indicator description", *months, "In expected range?", "Upper", "Lower",
        "Previous Year",
    ]  # fmt: skip
    cs08 = row_of(ws, "CS08")
    assert set(rules_over(ws, f"G{cs08}")) == {"Yes", "Above", "Below"}  # after Mar-25
    assert values(ws)[cs08 - 1][6:8] == ["Below", 460000]


@pytest.fixture(scope="module")
def samples_book(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    from kpixl.pipeline import run

    built = run([SAMPLES / "returns"], SAMPLES / "register.xlsx")
    out = tmp_path_factory.mktemp("samples") / dashboard_filename(DASHBOARD, built.period)
    return openpyxl.load_workbook(write_dashboard(built, DASHBOARD, out))


FIVE_MONTHS = ["Nov-24", "Dec-24", "Jan-25", "Feb-25", "Mar-25"]
FOUR_MONTHS = FIVE_MONTHS[1:]


def _table(ws: Worksheet, header_row: int) -> list[list[Any]]:
    """A table's header and body rows (up to the blank row that ends it)."""
    rows = [*values(ws)[header_row - 1 :], []]
    return rows[: rows.index([])]


@pytest.mark.skipif(not (SAMPLES / "register.xlsx").exists(), reason="no samples")
def test_samples_infrastructure_prints_as_two_blocks_like_the_reference(
    samples_book: openpyxl.Workbook,
) -> None:
    ws = samples_book["Infrastructure"]
    headings = [r[0] for r in values(ws) if r and str(r[0]).endswith("Indicators")]
    assert headings == ["Key Performance Indicators", "Activity Indicators"] * 2
    tables = [_table(ws, n) for n, r in enumerate(values(ws), 1) if r and r[0] == "Ref"]
    assert [[row[0] for row in t[1:]] for t in tables] == [
        ["PI01"], ["PI01b", "PI03c"], ["PI05", "PI06", "PI07"], ["PI05b", "PI06b", "PI07b"],
    ]  # fmt: skip
    estates_kpi, estates_act, fm_kpi, fm_act = (t[0] for t in tables)
    assert estates_kpi == [
        "Ref", "Indicator description", *FIVE_MONTHS, "Month RAG", "Target", "Floor",
        "Prev. Year", "Since last month",
    ]  # fmt: skip
    assert tables[0][1][2:11] == [0.047, 0.025, 0.0, 0.022, 0.031, "GREEN", 0.05, 0.1, 0.23]
    assert estates_act == ["Ref", "Indicator description", *FIVE_MONTHS, "YTD",
                           "Previous Year YTD"]  # fmt: skip
    assert tables[1][1][2:9] == [442, 423, 18, 266, 367, 4728, 3115]
    assert fm_kpi == ["Ref", "Indicator description", *FOUR_MONTHS, *KPI_HEADERS_AFTER]
    assert fm_act == estates_act
    # The second block starts a printed page, under the repeated service-area block.
    fm_heading = row_of(ws, "Key Performance Indicators", row_of(ws, "PI03c"))
    assert [b.id for b in ws.row_breaks.brk] == [fm_heading - 2]
    assert ws.print_title_rows == "$1:$4"


@pytest.mark.skipif(not (SAMPLES / "register.xlsx").exists(), reason="no samples")
def test_samples_activity_tables_of_five_months_and_hr_without_ytd(
    samples_book: openpyxl.Workbook,
) -> None:
    mre = samples_book["Marketing & Resident Experience"]
    assert _headers(mre)[2] == [
        "Ref", "Indicator description", *FIVE_MONTHS, "YTD", "In expected range?", "Upper",
        "Lower", "Previous Year YTD",
    ]  # fmt: skip
    assert _headers(mre)[0][2:6] == FOUR_MONTHS  # the KPI table keeps four
    hr = samples_book["HR and Organisational Devt"]
    assert _headers(hr)[1] == [
        "Ref", "Indicator description", *FIVE_MONTHS, "In expected range?", "Upper", "Lower",
        "Previous Year",
    ]  # fmt: skip
    hr12 = row_of(hr, "HR12")
    assert values(hr)[hr12 - 1][2:11] == [70, 53, 52, 52, 49, "Below", 90, 80, 82]
    assert set(rules_over(hr, f"H{hr12}")) == {"Yes", "Above", "Below"}
    assert _headers(hr)[0][2:9] == [*FOUR_MONTHS, "Month RAG", "YTD", "YTD RAG"]
    for name in ("Finance", "Governance, Law & Democracy", "Technology"):
        assert [h[2:6] for h in _headers(samples_book[name])] == [FOUR_MONTHS] * 2, name


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


@pytest.mark.parametrize(
    "name",
    [
        "Customer Experience 📈 Team North",  # 33 characters, 34 UTF-16 units
        "A" * 30 + "📈",  # 31 characters, 32 units: one over Excel's limit
        "📈" * 20,
        "Finance\x1b]8;;x\x07 team",
    ],
)
def test_sheet_names_fit_excel_counting_utf16_units(name: str) -> None:
    from kpixl.dashboard.names import unique_sheet_names, units

    first, second = unique_sheet_names([name, name])
    for shown in (first, second):
        assert 0 < units(shown) <= 31
        assert "\ufffd" not in shown and not any(ord(c) < 32 for c in shown)
        shown.encode("utf-16-le")  # never half a surrogate pair
    assert first.lower() != second.lower() and second.endswith("(2)")


def test_a_long_title_is_shortened_to_fit_the_print_header(tmp_path: Path) -> None:
    from kpixl.dashboard.printing import MAX_HEADER_FOOTER, set_up_printing

    title = "Performance Dashboard for the Growth, Environment & Transport Directorate " * 5
    wb = openpyxl.Workbook()
    set_up_printing(wb.active, title, "Kent & Medway Analytics " * 12)
    wb.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    header, footer = str(ws.oddHeader), str(ws.oddFooter)
    assert len(header) <= MAX_HEADER_FOOTER and len(footer) <= MAX_HEADER_FOOTER
    assert "Performance Dashboard for the Growth, Environment && Transport" in header
    assert "…" in header and "Produced by Kent && Medway" in footer
    assert "&A" in header and "&P" in footer  # the sheet name and page numbers are kept
