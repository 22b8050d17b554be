"""Error cells in an .ods return are told as in an .xlsx (issue 19): LibreOffice saves a formula's
error (#DIV/0!, #N/A, Err:502 …) as an empty string, which calamine reads as a blank, so the
reader finds the error cells in content.xml and puts back the error each one shows."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from kpixl.read.ods import ods_extents
from kpixl.read.workbook import read_workbook
from tests.test_check_validate import wide

SOFFICE = shutil.which("soffice")


def with_errors(tmp_path: Path, formulas: dict[str, str], suffix: str = "ods") -> Path:
    """The return of tests/test_check_validate.py's `wide` (the table from B2: AA01 on row 3,
    Mar-25 in column O) with these cells' formulas, saved by LibreOffice as `suffix`."""
    xlsx = wide(tmp_path, name="alpha.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    for cell, formula in formulas.items():
        wb["KPIs"][cell] = formula
    wb.save(xlsx)
    made = to_ods(xlsx, suffix)
    xlsx.unlink()
    return made


def to_ods(xlsx: Path, suffix: str = "ods") -> Path:
    """The .ods (or other `suffix`) LibreOffice makes of `xlsx` (its formulas calculated by
    LibreOffice)."""
    profile = (xlsx.parent / "lo-profile").resolve().as_uri()  # never the user's own profile
    assert SOFFICE is not None
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--norestore",
         "--convert-to", suffix, "--outdir", str(xlsx.parent), str(xlsx)],
        check=True, capture_output=True, timeout=240,
    )  # fmt: skip
    made = xlsx.with_suffix(f".{suffix}")
    assert made.is_file()
    return made


@pytest.mark.skipif(SOFFICE is None, reason="needs LibreOffice (soffice)")
def test_validate_tells_error_cells_of_an_ods_made_by_libreoffice(
    tmp_path: Path, register_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # AA01 Mar-25, AA02 Feb-25, BB01 May-24
    ods = with_errors(tmp_path, {"O3": "=1/0", "N4": "=NA()", "E7": "=SQRT(-1)"})
    content = zipfile.ZipFile(ods).read("content.xml")
    assert b'calcext:value-type="error"' in content and b"Err:502" in content  # as LO writes it
    status = main(["validate", str(ods), "--register", str(register_path), "--json"])
    told = [
        (i["code"], i["cell"], i["ref"], i["message"])
        for i in json.loads(capsys.readouterr().out)["issues"]
        if i["code"] in {"error-value", "not-numeric", "missing-value"}
    ]
    assert status == 1
    assert told == [
        ("error-value", "O3", "AA01", "AA01 Mar-25 is #DIV/0!: the formula divides by zero; "
         "type the figure or n/a"),
        ("error-value", "N4", "AA02", "AA02 Feb-25 is #N/A: the formula's lookup found nothing; "
         "type the figure or n/a"),
        ("error-value", "E7", "BB01", "BB01 May-24 is #VALUE!: the formula uses text where it "
         "needs a number; type the figure or n/a"),  # Err:502, as LibreOffice saves it in .xlsx
    ]  # fmt: skip


def content_xml(rows: str) -> bytes:
    return (
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0">'
        '<office:body><office:spreadsheet><table:table table:name="KPIs">'
        f"{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    ).encode()


def error_cell(shown: str, repeat: int = 1, value_type: str = "string") -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    value = 'office:value="0"' if value_type == "float" else 'office:string-value=""'
    return (
        f'<table:table-cell{repeated} table:formula="of:=X()" office:value-type="{value_type}" '
        f'{value} calcext:value-type="error"><text:p>{shown}</text:p></table:table-cell>'
    )


def ods_book(tmp_path: Path, rows: str) -> Path:
    """A minimal .ods holding `rows` on sheet KPIs (calamine reads it as LibreOffice would)."""
    path = tmp_path / "made.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content_xml(rows))
        zf.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
            'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
            '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
    return path


def number(x: int, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell{repeated} office:value-type="float" office:value="{x}" '
        f'calcext:value-type="float"><text:p>{x}</text:p></table:table-cell>'
    )


def test_error_cells_are_placed_with_repeated_rows_and_columns_counted(tmp_path: Path) -> None:
    rows = (
        '<table:table-row table:number-rows-repeated="2"><table:table-cell/></table:table-row>'
        f"<table:table-row>{number(1)}<table:table-cell table:number-columns-repeated='2'/>"
        f"{error_cell('#DIV/0!')}</table:table-row>"  # row 3, column D
        f'<table:table-row table:number-rows-repeated="2">{number(2)}'
        f"{error_cell('#N/A', repeat=2)}{number(3)}</table:table-row>"  # rows 4-5, columns B-C
        f"<table:table-row>{error_cell('Err:523')}{error_cell('Err:532', value_type='float')}"
        f"{error_cell('#ref!')}</table:table-row>"  # row 6: no convergence, ÷0 as a 0, #REF!
    )
    [sheet] = read_workbook(ods_book(tmp_path, rows)).sheets
    assert sheet.rows == [
        ["", "", "", ""],
        ["", "", "", ""],
        [1.0, "", "", "#DIV/0!"],
        [2.0, "#N/A", "#N/A", 3.0],
        [2.0, "#N/A", "#N/A", 3.0],
        ["#CALC!", "#DIV/0!", "#REF!", ""],
    ]


def test_an_error_cells_note_is_not_its_error_and_a_bomb_of_errors_costs_little() -> None:
    note = (
        '<table:table-cell office:value-type="string" office:string-value="" '
        'calcext:value-type="error"><office:annotation><text:p>check this</text:p>'
        "</office:annotation><text:p>#NUM!</text:p><text:p>more</text:p></table:table-cell>"
    )
    bomb = f'<table:table-row table:number-rows-repeated="1000000">{error_cell("#N/A")}</table:table-row>'
    [sheet] = ods_extents(content_xml(f"<table:table-row>{note}</table:table-row>{bomb}"))
    assert [(e.row, e.col, e.rows, e.cols, e.text) for e in sheet.errors] == [
        (0, 0, 1, 1, "#NUM!"),
        (1, 0, 1_000_000, 1, "#N/A"),  # one record, however many rows it repeats over
    ]
