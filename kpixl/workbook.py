"""Open any workbook safely with python-calamine: bounded extent, formulas without values found."""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import python_calamine as calamine
from defusedxml import ElementTree

from kpixl.cells import column_letter

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_ROWS = 200_000
MAX_COLS = 500
MAX_PART_BYTES = 100 * 1024 * 1024

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb"<v>(.*?)</v>|<v\s*/>", re.S)
_ROW_REF = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_CELL_COL = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})\d+"')


class WorkbookError(Exception):
    """The file cannot be read as a workbook; the message says why in the user's words."""


@dataclass
class Sheet:
    """One sheet's cached values on an absolute grid (row 0 is Excel row 1)."""

    name: str
    rows: list[list[Any]]
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)

    def cell(self, row: int, col: int) -> object:
        if row < len(self.rows) and col < len(self.rows[row]):
            value = self.rows[row][col]
            return None if value == "" else value
        return None


@dataclass
class Workbook:
    path: Path
    sheets: list[Sheet]
    too_large: list[str] = field(default_factory=list)  # sheets skipped for their extent


def read_workbook(path: Path, max_rows: int = MAX_ROWS, max_cols: int = MAX_COLS) -> Workbook:
    """Read every visible and hidden worksheet's values; never writes to the file."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError("the file does not exist or is not a file")
    if path.stat().st_size == 0:
        raise WorkbookError("the file is empty (0 bytes): ask the service to send it again")
    xml_facts = _scan_ooxml(path) if path.suffix.lower() in (".xlsx", ".xlsm") else {}
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several unrelated types for bad files
        raise WorkbookError(_describe_open_failure(path, exc)) from None
    sheets: list[Sheet] = []
    too_large: list[str] = []
    try:
        for meta in book.sheets_metadata:
            if str(meta.typ) != str(calamine.SheetTypeEnum.WorkSheet):
                continue
            facts = xml_facts.get(meta.name)
            if facts is not None and (facts.rows > max_rows or facts.cols > max_cols):
                too_large.append(
                    f"{meta.name} reaches cell {column_letter(facts.cols - 1)}{facts.rows} "
                    f"(limit {max_rows:,} rows, {max_cols} columns)"
                )
                continue
            sheet = book.get_sheet_by_name(meta.name)
            if facts is None and (sheet.total_height > max_rows or sheet.total_width > max_cols):
                too_large.append(
                    f"{meta.name} has {sheet.total_height:,} rows and {sheet.total_width} columns "
                    f"(limit {max_rows:,} rows, {max_cols} columns)"
                )
                continue
            rows = sheet.to_python(skip_empty_area=False)
            missing = facts.formulas_without_value if facts else set()
            sheets.append(Sheet(meta.name, list(rows), missing))
    except Exception as exc:
        raise WorkbookError(f"the workbook is damaged and cannot be read ({exc})") from None
    finally:
        book.close()
    return Workbook(path, sheets, too_large)


@dataclass
class _SheetFacts:
    rows: int = 0
    cols: int = 0
    formulas_without_value: set[tuple[int, int]] = field(default_factory=set)


def _scan_ooxml(path: Path) -> dict[str, _SheetFacts]:
    """Per sheet name: its extent and the cells holding a formula but no cached value."""
    try:
        with zipfile.ZipFile(path) as zf:
            parts = _sheet_parts(zf)
            facts: dict[str, _SheetFacts] = {}
            for name, part in parts.items():
                info = zf.getinfo(part)
                if info.file_size > MAX_PART_BYTES:
                    raise WorkbookError(
                        f"sheet '{name}' unpacks to {info.file_size / 1e6:,.0f} MB, over the "
                        f"{MAX_PART_BYTES // 1_000_000} MB limit"
                    )
                facts[name] = _scan_sheet_xml(zf.read(part))
            return facts
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError):
        return {}  # let calamine describe the damage
    except Exception as exc:  # defusedxml refuses entities and DTDs
        raise WorkbookError(f"the workbook contains XML kpixl will not read ({exc})") from None


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"), "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        part = posixpath.normpath(part)
        if part in zf.namelist():
            parts[sheet.get("name", "")] = part
    return parts


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _scan_sheet_xml(xml: bytes) -> _SheetFacts:
    facts = _SheetFacts()
    for m in _ROW_REF.finditer(xml):
        facts.rows = max(facts.rows, int(m.group(1)))
    for m in _CELL_COL.finditer(xml):
        facts.cols = max(facts.cols, _col_number(m.group(1)))
    if b"<f" not in xml:
        return facts
    for m in _CELL.finditer(xml):
        body = m.group(2) or b""
        if b"<f" not in body:
            continue
        value = _VALUE.search(body)
        cached = value is not None and (bool(value.group(1)) or b't="str"' in m.group(1))
        if cached:
            continue
        ref = _CELL_REF.search(m.group(1))
        if ref:
            facts.formulas_without_value.add((int(ref.group(2)) - 1, _col_number(ref.group(1)) - 1))
    return facts


def _describe_open_failure(path: Path, exc: Exception) -> str:
    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0") and path.suffix.lower() in (".xlsx", ".xlsm"):
        return "the workbook is password-protected: save it without a password and send it again"
    if isinstance(exc, calamine.PasswordError):
        return "the workbook is password-protected: save it without a password and send it again"
    if not head.startswith(b"PK") and path.suffix.lower() in (".xlsx", ".xlsm", ".ods"):
        return "the file is not an Excel workbook (it may be a CSV or web page renamed .xlsx)"
    return f"the workbook is damaged and cannot be read ({exc})"
