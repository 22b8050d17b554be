"""A return is read from disk once: the checks and scans on the kept bytes find what reading
the file again for each would find, and refuse what it would refuse, in the same words."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from kpixl.read import workbook
from kpixl.read.archive import Contents, WorkbookError, inspect
from tests.conftest import write_book
from tests.test_read_security import doctored, far_cell, parts_of, rezip

DATA = Path(__file__).parent / "data"
ROWS: list[list[object]] = [["Ref", "Feb-25", "Mar-25"], ["AA01", 0.9, "=B2*2"], ["AA02", 0.8, 0.7]]
BOMB = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'


def good(tmp: Path) -> Path:  # openpyxl saves formulas with no cached value
    return write_book(tmp / "good.xlsx", {"KPIs": ROWS, "Notes": [["Ref", "Commentary"]]})


def sheet_part_not_named_xml(tmp: Path) -> Path:
    parts = parts_of(good(tmp))
    parts["xl/worksheets/sheet1.bin"] = parts.pop("xl/worksheets/sheet1.xml")
    rels = "xl/_rels/workbook.xml.rels"
    parts[rels] = parts[rels].replace(b"worksheets/sheet1.xml", b"worksheets/sheet1.bin")
    return rezip(tmp / "bin.xlsx", parts)


def second_ref(tmp: Path) -> Path:
    parts = parts_of(good(tmp))
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b'<c r="B2"', b'<c r="B2"r="XFD9"', 1)
    return rezip(tmp / "ref.xlsx", parts)


def truncated(tmp: Path) -> Path:
    data = good(tmp).read_bytes()
    (tmp / "cut.xlsx").write_bytes(data[: len(data) // 2])
    return tmp / "cut.xlsx"


def empty(tmp: Path) -> Path:
    (tmp / "empty.xlsx").write_bytes(b"")
    return tmp / "empty.xlsx"


def fixture(name: str) -> Callable[[Path], Path]:
    return lambda tmp: Path(shutil.copy(DATA / name, tmp / name))


MAKERS: dict[str, Callable[[Path], Path]] = {
    "good": good,
    "far cell": far_cell,
    "second reference": second_ref,
    "sheet part not named .xml": sheet_part_not_named_xml,
    "no workbook rels": lambda tmp: doctored(
        tmp, "norels.xlsx", {"xl/_rels/workbook.xml.rels": None}
    ),
    "entity bomb in a sheet": lambda tmp: doctored(
        tmp, "bomb.xlsx", {"xl/worksheets/sheet1.xml": BOMB}
    ),
    "unparsable workbook index": lambda tmp: doctored(tmp, "idx.xlsx", {"xl/workbook.xml": b"<wb"}),
    "truncated": truncated,
    "corrupt deflate": fixture("corrupt_deflate.xlsx"),
    "legacy xls": fixture("legacy.xls"),
    "empty": empty,
}


def outcome(call: Callable[[], Contents]) -> Contents | tuple[str, str]:
    try:
        return call()
    except WorkbookError as exc:
        return (str(exc), exc.code.value)


@pytest.mark.parametrize("case", list(MAKERS))
def test_checks_on_the_kept_bytes_match_reading_the_file(tmp_path: Path, case: str) -> None:
    path = MAKERS[case](tmp_path)
    plain = outcome(lambda: inspect(path))
    kept = outcome(lambda: inspect(path, keep=True))
    if not isinstance(plain, Contents):
        assert kept == plain  # refused, in the same words
        return
    assert isinstance(kept, Contents)
    assert (kept.kind, kept.warnings) == (plain.kind, plain.warnings)
    if kept.kind != "xlsx":
        return
    assert kept.data == path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        assert kept.names == zf.namelist()
        assert all(kept.parts[n] == zf.read(n) for n in kept.parts)
    assert workbook._scan_ooxml(path, kept) == workbook._scan_ooxml(path)


def test_the_scan_finds_formulas_and_extent_from_the_kept_parts(tmp_path: Path) -> None:
    facts = workbook._scan_ooxml(good(tmp_path), inspect(good(tmp_path), keep=True))
    assert facts["KPIs"].formulas_without_value == {(1, 2)}  # C2's formula was never calculated
    assert (facts["KPIs"].rows, facts["KPIs"].cols) == (3, 3)
    odd = sheet_part_not_named_xml(tmp_path)
    assert workbook._scan_ooxml(odd, inspect(odd, keep=True))["KPIs"].formulas_without_value


def test_a_return_reads_the_same_from_the_kept_bytes(tmp_path: Path) -> None:
    book = workbook.read_workbook(good(tmp_path))
    assert [s.name for s in book.sheets] == ["KPIs", "Notes"]
    assert book.sheets[0].cell(2, 2) == 0.7 and book.sheets[0].formulas_without_value == {(1, 2)}


def test_an_ods_return_reads_from_the_kept_bytes(tmp_path: Path) -> None:
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    text = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    number = '<table:table-cell office:value-type="float" office:value="{0}"><text:p>{0}</text:p></table:table-cell>'
    rows = [text.format("Ref") + text.format("Mar-25"), text.format("AA01") + number.format(0.95)]
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="KPIs">'
        + "".join(f"<table:table-row>{r}</table:table-row>" for r in rows)
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    path = tmp_path / "return.ods"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        kind = "application/vnd.oasis.opendocument.spreadsheet"
        zf.writestr("mimetype", kind, compress_type=zipfile.ZIP_STORED)  # first, as ODF says
        zf.writestr("content.xml", content)
        zf.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:'
            f'1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="{kind}"/>'
            "</manifest:manifest>",
        )
    assert inspect(path, keep=True).kind == "ods"
    book = workbook.read_workbook(path)
    assert [s.name for s in book.sheets] == ["KPIs"]
    assert book.sheets[0].rows == [["Ref", "Mar-25"], ["AA01", 0.95]]
