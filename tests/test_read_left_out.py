"""Nothing in a return is dropped without a word (issue 19): a spacer row does not end a table,
a row with figures but no ref is told, Excel error cells are read as the errors they are, and
a column heading meant as a month is read or told."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.periods import LAST_YEAR, Period, header_problem, parse_header
from kpixl.read import returns
from kpixl.read.returns import read_return, read_sheets
from kpixl.read.workbook import Sheet, read_workbook
from tests.conftest import write_book

HEADER = ["Ref", "Indicator description", "Jan-25", "Feb-25", "Mar-25"]


def figures(path: Path) -> dict[tuple[str, str], object]:
    """(ref, period) -> value, of every value the reader kept."""
    return {(o.ref, str(o.period)): o.raw for o in read_return(path).observations}


def codes(path: Path) -> list[tuple[str, str, str]]:
    return [(i.code.value, i.severity.value, i.cell) for i in read_return(path).issues]


def test_a_spacer_row_inside_a_table_does_not_end_it(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        HEADER,
        ["AA01", "Calls", 0.9, 0.91, 0.92],
        [None] * 5,  # a spacer between sections
        ["Beta services"],  # a section heading: no figures, nothing to tell
        ["BB01", "Audits", 0.95, 0.96, 0.97],
        ["BB02", "Cases", 70, 71, 72],
        [None] * 5,
        ["Source: the finance system, run on 3 April"],  # a note under the table
        ["* provisional", None, 1, 2, 3],  # figures under the table, past its refs
    ]
    path = write_book(tmp_path / "spaced.xlsx", {"KPIs": rows})
    read = figures(path)
    assert read[("BB02", "2025-03")] == 72
    assert read[("BB01", "2025-01")] == 0.95
    assert {ref for ref, _ in read} == {"AA01", "BB01", "BB02"}
    assert codes(path) == []


def test_a_row_with_figures_but_no_ref_is_told_at_its_ref_cell(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        HEADER,
        ["AA01", "Calls", 0.9, 0.91, 0.92],
        [None, "Total", 10, 11, 12],
        [None, "Only commentary here"],  # no figure: nothing lost, nothing told
        [None] * 5,
        ["BB01", "Audits", 0.95, 0.96, 0.97],
    ]
    path = write_book(tmp_path / "total.xlsx", {"KPIs": rows}, start="B2")
    [issue] = read_return(path).issues
    assert (issue.code.value, issue.severity.value, issue.cell) == ("missing-ref", "warning", "B4")
    assert issue.message == (
        "row 4 gives 3 figures (D4, E4, F4) but it has no Ref, so they are not read: type the "
        "indicator's ref in B4, or delete the row if it is a total or a note"
    )
    assert ("BB01", "2025-03") in figures(path)


def error_cells(path: Path, cells: dict[str, str]) -> None:
    """Put Excel error values in cells, as Excel saves a formula's error (t="e")."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    assert ws is not None
    for cell, text in cells.items():
        ws[cell] = text
        ws[cell].data_type = "e"
    wb.save(path)


def test_excel_error_cells_are_read_as_their_error_not_as_blanks(tmp_path: Path) -> None:
    rows: list[list[Any]] = [HEADER, ["AA01", "Calls", 0.9, 0.91, 0.92], ["AA02", "Rent", 1, 2, 3]]
    path = write_book(tmp_path / "errors.xlsx", {"KPIs": rows})
    error_cells(path, {"D2": "#DIV/0!", "E3": "#N/A", "A4": "#REF!"})
    wb = openpyxl.load_workbook(path)
    wb.active["C4"] = 5  # type: ignore[index]
    wb.save(path)
    sheet = read_workbook(path).sheets[0]
    assert (sheet.rows[1][3], sheet.rows[2][4], sheet.rows[3][0]) == ("#DIV/0!", "#N/A", "#REF!")
    read = figures(path)
    assert read[("AA01", "2025-02")] == "#DIV/0!"  # validation tells it (error-value)
    [issue] = read_return(path).issues  # the row whose ref shows #REF! is not a ref
    assert (issue.code.value, issue.cell) == ("missing-ref", "A4")
    assert "but its Ref is #REF!, so they are not read" in issue.message


def test_a_formula_error_saved_by_excel_is_found_beside_its_formula(tmp_path: Path) -> None:
    path = write_book(tmp_path / "f.xlsx", {"KPIs": [HEADER, ["AA01", "Calls", 1, 2, 3]]})
    # the cell as Excel writes it: the formula and its cached error
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet].replace(
        b'<c r="E2" t="n"><v>3</v></c>', b'<c r="E2" t="e"><f>C2/0</f><v>#DIV/0!</v></c>'
    )
    assert b"#DIV/0!" in parts[sheet]
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    assert figures(path)[("AA01", "2025-03")] == "#DIV/0!"


@pytest.mark.parametrize(
    ("heading", "month"),
    [
        ("Mar\u201125", "2025-03"),  # non-breaking hyphen
        ("Mar\u201325", "2025-03"),  # en dash
        ("Mar\u2212 25", "2025-03"),  # minus sign
        ("Mar\u00a02025", "2025-03"),  # non-breaking space
        ("Mar-25 (provisional)", "2025-03"),
        ("Mar-25 [p]", "2025-03"),
        ("Mar-25*", "2025-03"),
        ("Febuary 2025", "2025-02"),  # one letter left out, no other month as close
        ("Feburary 2025", "2025-02"),  # two swapped
        ("Setpember 2024", "2024-09"),
        ("Decmber 2024", "2024-12"),
        ("31/03/2025", "2025-03"),  # day first (UK), the day says so
        ("03/31/2025", "2025-03"),  # month first, the day says so
        ("03/03/2025", "2025-03"),  # either way
        (dt.datetime(2025, 3, 1), "2025-03"),
    ],
)
def test_headings_a_person_reads_as_a_month(heading: object, month: str) -> None:
    assert str(parse_header(heading)) == month
    assert header_problem(heading) is None


@pytest.mark.parametrize(
    ("heading", "why"),
    [
        ("13/2025", "there is no month 13"),
        ("2025-13", "there is no month 13"),
        ("01/03/2025", "it could be 1 March 2025 or 3 January 2025"),
        (
            "Q4 2025",
            "a quarter, but not of a financial year: write it as Q4 2024/25, or head "
            "the column with the quarter's last month",
        ),
        ("Mar-2125", f"the year 2125 is not between 1980 and {LAST_YEAR}"),
        ("1925-03", f"the year 1925 is not between 1980 and {LAST_YEAR}"),
        (dt.datetime(1925, 3, 1), f"the year 1925 is not between 1980 and {LAST_YEAR}"),
        ("Jnu 2025", "'jnu' is not clearly a month"),  # June or January?
        (45717.0, "a date stored as a plain number: format the cell as a date (mmm-yy)"),
    ],
)
def test_headings_meant_as_a_month_that_are_not_one_say_why(heading: object, why: str) -> None:
    assert parse_header(heading) is None
    assert header_problem(heading) == why


@pytest.mark.parametrize(
    "heading",
    ["Indicator description", "YTD", "Prev. Year", "Month RAG", "Target", "2024/25", "2025",
     "Value 2024", "Total 2024", "0.5", "Notes", 12.0, None],
)  # fmt: skip
def test_other_headings_are_neither_months_nor_told(heading: object) -> None:
    assert parse_header(heading) is None
    assert header_problem(heading) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789/-. qQ()marjunecfbyglsptovd\u2013\u00a0", max_size=16))
def test_reading_a_heading_never_fails(text: str) -> None:
    period = parse_header(text)
    assert period is None or 1980 <= period.year <= LAST_YEAR
    assert period is None or header_problem(text) is None


def test_a_bad_heading_is_an_error_when_its_column_holds_figures(tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["Ref", "Indicator description", "Jan-25", "Febuary 2025", "13/2025", "Q4 2025"],
        ["AA01", "Calls", 0.9, 0.91, 0.92, None],
    ]
    path = write_book(tmp_path / "headings.xlsx", {"KPIs": rows})
    assert figures(path) == {("AA01", "2025-01"): 0.9, ("AA01", "2025-02"): 0.91}
    issues = read_return(path).issues
    assert [(i.code.value, i.severity.value, i.cell) for i in issues] == [
        ("bad-period", "error", "E1"),
        ("bad-period", "warning", "F1"),
    ]
    assert issues[0].message == (
        "the column heading '13/2025' is not a month kpixl can read (there is no month 13), so "
        "its 1 figure (E2) is not read: write the month as Mar-25 or 2025-03"
    )
    assert "the column is empty, so nothing is lost" in issues[1].message


def test_a_month_after_this_month_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(returns, "this_month", lambda: Period(2025, 3))
    rows: list[list[Any]] = [
        ["Ref", "Indicator description", "Jan-25", "Feb-29", "Mar-25", "Apr-25"],
        ["AA01", "Calls", 0.9, 0.91, 0.92, None],  # Apr-25 is still to come, and empty
        ["AA02", "Rent", 1, 2, 3, None],
    ]
    path = write_book(tmp_path / "typo.xlsx", {"KPIs": rows})
    read = figures(path)
    assert sorted({p for _, p in read}) == ["2025-01", "2025-03"]
    [issue] = read_return(path).issues
    assert (issue.code.value, issue.severity.value, issue.cell) == ("bad-period", "error", "D1")
    assert issue.message == (
        "the column heading 'Feb-29' is after this month (Mar-25), so its 2 figures (D2, D3) are "
        "not read: a mistyped year? correct it"
    )


def test_a_template_period_after_this_month_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(returns, "this_month", lambda: Period(2025, 3))
    rows: list[list[Any]] = [
        ["Period", "Dec-99"],
        [],
        ["Ref", "Indicator", "Value"],
        ["AA01", "Calls", 0.9],
    ]
    path = write_book(tmp_path / "template.xlsx", {"Return": rows})
    assert figures(path) == {}
    first = read_return(path).issues[0]
    assert (first.code.value, first.cell) == ("bad-period", "B1")
    assert first.message == (
        "the Period 'Dec-99' is after this month (Mar-25), a mistyped year?: write it as "
        "YYYY-MM, e.g. 2025-03"
    )


def test_a_ref_that_is_a_formula_with_no_saved_result_is_told() -> None:
    rows: list[list[Any]] = [HEADER, ["AA01", "Calls", 0.9, 0.91, 0.92], ["", "Rent", 1, 2, 3]]
    read = read_sheets([Sheet("KPIs", rows, {(2, 0)})], "r.xlsx")
    [issue] = read.issues
    assert (issue.code.value, issue.cell) == ("missing-ref", "A3")
    assert "but its Ref is a formula with no saved result, so they are not read" in issue.message
    assert [row.ref for block in read.blocks for row in block.rows] == ["AA01"]
