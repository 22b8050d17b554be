"""The dashboard as a file: its name, sheet names, bytes, safe writing, printing, reading back."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from kpixl.dashboard import dashboard_filename, write_dashboard
from kpixl.dashboard.names import sheet_name, unique_sheet_names
from kpixl.errors import OutputError, UsageError
from kpixl.results import Results
from tests.dashboard_helpers import DASHBOARD, HR, PERIOD, SAMPLES, book, out, results

__all__ = ["book", "out", "results"]  # the fixtures, shared in tests/dashboard_helpers.py


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


def test_zip_members_carry_the_period_stamp_only(out: Path) -> None:
    with zipfile.ZipFile(out) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2025, 4, 1, 0, 0, 0)}
        assert {i.create_system for i in zf.infolist()} == {0}  # the same on every system


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
