"""Reading returns: tables anywhere, both layouts, every period-header form, formulas without values."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpixl.periods import Period, parse_header
from kpixl.read.returns import Field, read_return
from tests.conftest import write_book


@pytest.mark.parametrize(
    "header",
    ["Dec-24", "Dec 2024", "December 2024", "2024-12", "dec-24", "Dec-2024", "12/2024",
     dt.datetime(2024, 12, 1), dt.date(2024, 12, 31)],
)  # fmt: skip
def test_period_headers(header: object) -> None:
    assert parse_header(header) == Period(2024, 12)


@pytest.mark.parametrize("header", ["YTD", "Year to date", "Prev. Year", "Ref", "", None, 2024])
def test_non_period_headers(header: object) -> None:
    assert parse_header(header) is None


def obs_table(path: Path) -> list[tuple[str, str, str, object, str, str]]:
    result = read_return(path)
    return [
        (o.ref, str(o.period), o.field.value, o.raw, o.sheet, o.cell) for o in result.observations
    ]


def test_wide_tables_anywhere_several_per_sheet(tmp_path: Path) -> None:
    rows = [
        ["Ref", "Indicator description", "Feb-25", dt.datetime(2025, 3, 1), "Month RAG", "YTD", "Target", "Prev. Year", "Commentary"],
        ["AA01", "Calls answered", 0.91, 0.92, "GREEN", 0.9, 0.9, 0.85, "Good month"],
        [],
        ["Activity Indicators"],
        ["Ref", "Indicator description", "February 2025", "March 2025", "Year to date"],
        ["AA04", "Calls received", 1000, 1100, 12000],
    ]  # fmt: skip
    path = write_book(tmp_path / "wide.xlsx", {"KPIs": rows}, start="C4")
    assert obs_table(path) == [
        ("AA01", "2025-02", "value", 0.91, "KPIs", "E5"),
        ("AA01", "2025-03", "value", 0.92, "KPIs", "F5"),
        ("AA01", "2025-03", "ytd", 0.9, "KPIs", "H5"),
        ("AA01", "2025-03", "target", 0.9, "KPIs", "I5"),
        ("AA01", "2025-03", "prev_year", 0.85, "KPIs", "J5"),
        ("AA01", "2025-03", "commentary", "Good month", "KPIs", "K5"),
        ("AA04", "2025-02", "value", 1000, "KPIs", "E9"),
        ("AA04", "2025-03", "value", 1100, "KPIs", "F9"),
        ("AA04", "2025-03", "ytd", 12000, "KPIs", "G9"),
    ]


def test_numerator_and_denominator_sheets(tmp_path: Path) -> None:
    table = lambda a, b: [["Ref", "Apr-24", "May-24"], ["AA01", a, b]]  # noqa: E731
    path = write_book(tmp_path / "n.xlsx", {"Data": table(0.9, 0.8), "Numerators": table(9, 8),
                                             "Denominators": table(10, 10)})  # fmt: skip
    fields = [(o.field, o.raw) for o in read_return(path).observations]
    assert fields == [
        (Field.VALUE, 0.9), (Field.VALUE, 0.8), (Field.NUMERATOR, 9), (Field.NUMERATOR, 8),
        (Field.DENOMINATOR, 10), (Field.DENOMINATOR, 10),
    ]  # fmt: skip


def test_template_layout(tmp_path: Path) -> None:
    rows = [
        ["Service area", "Alpha"], ["Period", "2025-03"], ["Prepared by", "A. Person"],
        ["Date prepared", dt.datetime(2025, 4, 3)], [],
        ["Ref", "Indicator", "Value", "Numerator", "Denominator", "YTD", "Prev. Year", "Commentary"],
        ["AA01", "Calls answered", 0.9, 90, 100, None, None, "Fine"],
    ]  # fmt: skip
    path = write_book(tmp_path / "t.xlsx", {"Return": rows})
    assert obs_table(path) == [
        ("AA01", "2025-03", "value", 0.9, "Return", "C7"),
        ("AA01", "2025-03", "numerator", 90, "Return", "D7"),
        ("AA01", "2025-03", "denominator", 100, "Return", "E7"),
        ("AA01", "2025-03", "commentary", "Fine", "Return", "H7"),
    ]


def test_template_with_bad_period(tmp_path: Path) -> None:
    rows = [["Period", "March"], [], ["Ref", "Value"], ["AA01", 0.9]]
    result = read_return(write_book(tmp_path / "t.xlsx", {"Return": rows}))
    assert [(i.code.value, i.cell) for i in result.issues] == [
        ("bad-period", "B1"),
        ("no-table", ""),
    ]


def test_tidy_layout_reads_a_data_sheet(tmp_path: Path) -> None:
    rows = [["ref", "period", "value", "ytd", "month_rag"], ["AA01", "2025-02", 0.9, 0.9, "GREEN"],
            ["AA01", "2025-03", 0.8, 0.85, "AMBER"]]  # fmt: skip
    got = obs_table(write_book(tmp_path / "d.xlsx", {"Data": rows}))
    assert [(g[0], g[1], g[2], g[3]) for g in got] == [
        ("AA01", "2025-02", "value", 0.9), ("AA01", "2025-02", "ytd", 0.9),
        ("AA01", "2025-03", "value", 0.8), ("AA01", "2025-03", "ytd", 0.85),
    ]  # fmt: skip


def test_formula_without_cached_value_is_seen(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "f.xlsx", {"KPIs": [["Ref", "Mar-25"], ["AA01", "=B3*2"], ["AA02", 0.5]]}
    )
    obs = read_return(path).observations
    assert [(o.ref, o.raw, o.formula_without_value) for o in obs] == [
        ("AA01", None, True), ("AA02", 0.5, False),
    ]  # fmt: skip


def test_duplicate_ref_in_a_table(tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "d.xlsx", {"KPIs": [["Ref", "Mar-25"], ["AA01", 0.9], ["aa01 ", 0.8]]}
    )
    result = read_return(path)
    assert [(i.code.value, i.cell) for i in result.issues] == [("duplicate-ref", "A3")]
    assert len(result.observations) == 1


@pytest.mark.parametrize(
    ("content", "code", "expected"),
    [
        (b"", "empty-file", "empty"),
        (b"ref,value\nAA01,0.9\n", "not-a-workbook", "CSV"),
        (b"PK\x03\x04broken", "file-unreadable", "damaged"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + "EncryptedPackage".encode("utf-16-le")
            + b"\0" * 600,
            "password-protected",
            "password-protected",
        ),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, content: bytes, code: str, expected: str) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    result = read_return(path)
    assert [i.code.value for i in result.issues] == [code]
    assert expected in result.issues[0].message


def test_no_table(tmp_path: Path) -> None:
    result = read_return(write_book(tmp_path / "x.xlsx", {"Notes": [["Hello"], ["World"]]}))
    assert [i.code.value for i in result.issues] == ["no-table"]


def test_sheet_far_too_large_is_refused_before_calamine(tmp_path: Path) -> None:
    """calamine 0.9 aborts the process on a sheet reaching XFD1048576; we must not ask it."""
    path = write_book(tmp_path / "big.xlsx", {"KPIs": [["Ref", "Mar-25"], ["AA01", 0.9]]})
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    result = read_return(path)
    assert [i.code.value for i in result.issues] == ["sheet-too-large"]
    assert "XFD1048576" in result.issues[0].message


def test_inputs_are_never_modified(tmp_path: Path) -> None:
    path = write_book(tmp_path / "w.xlsx", {"KPIs": [["Ref", "Mar-25"], ["AA01", 0.9]]})
    before = path.read_bytes(), path.stat().st_mtime_ns
    read_return(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_ods_and_xlsm_are_read(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Mar-25"])
    ws.append(["AA01", 0.9])
    wb.save(tmp_path / "w.xlsm")
    assert [o.raw for o in read_return(tmp_path / "w.xlsm").observations] == [0.9]
