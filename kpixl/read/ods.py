"""An .ods sheet's real size before calamine sees it: rows and cells it repeats, counted out.

An OpenDocument sheet may write a row once and say `table:number-rows-repeated="199000"` (or a
cell once with `table:number-columns-repeated`): an 11 KB file then stands for a million cells,
which calamine expands in memory as it opens the workbook (every sheet at once). So the extent
of every sheet is counted from content.xml first, as calamine reads it (the same element and
attribute names, taken literally; empty cells and rows after the last content ignored).

The same pass finds the cells that show a formula's error (#DIV/0!, #N/A …): calamine gives
them as "" or 0, as if blank, so the reader puts back the error the cell shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

from kpixl.values import ERROR_VALUES

_TABLE = "table:table"
_ROW = "table:table-row"
_CELLS = frozenset({"table:table-cell", "table:covered-table-cell"})
_ROWS_REPEATED = "table:number-rows-repeated"
_COLS_REPEATED = "table:number-columns-repeated"
# A cell holds something for calamine when it has one of these, or is of value-type string
# (its text is then the value, even empty); any other cell is empty to it, text or not.
_VALUE_ATTRIBUTES = (
    "office:value",
    "office:string-value",
    "office:date-value",
    "office:time-value",
    "office:boolean-value",
    "table:formula",
)
_TEXT = "text:p"
_ERROR_TYPE = "error"  # LibreOffice writes calcext:value-type="error"; office:value-type too
_VALUE_TYPES = ("calcext:value-type", "office:value-type")
# LibreOffice shows an error with no Excel name as Err:NNN; saving as .xlsx it writes the Excel
# error of XclTools::GetXclErrorCode (sc/source/filter/excel/xltools.cxx) in its place
_LIBREOFFICE_ERRORS = {
    **dict.fromkeys((502, 504, 508, 509, 510, 511, 519, 522), "#VALUE!"),
    503: "#NUM!",
    521: "#NULL!",
    524: "#REF!",
    **dict.fromkeys((525, 530, 531), "#NAME?"),
    532: "#DIV/0!",
}
_ERR_CODE = re.compile(r"Err:(\d{3})")
_OTHER_ERROR = "#CALC!"  # an error LibreOffice has no Excel name for (Err:523, no convergence)


@dataclass(frozen=True)
class OdsError:
    """A cell showing a formula's error, repeated over `rows` rows and `cols` columns."""

    row: int  # 0 is the sheet's first row, as calamine's grid
    col: int
    rows: int
    cols: int
    text: str  # the Excel error it is: #DIV/0!, #N/A …


@dataclass
class OdsExtent:
    """One sheet as calamine will hold it."""

    name: str
    rows: int = 0  # up to the last row with content, repeats counted
    cols: int = 0  # up to the last column with content, repeats counted
    written: int = 0  # cells with content written in the XML
    made: int = 0  # cells with content once every repeat is counted out
    longest_repeat: int = 1  # the most times one row with content is repeated
    errors: list[OdsError] = field(default_factory=list)  # cells showing a formula's error

    @property
    def repeated(self) -> int:
        """Cells with content that exist only by repetition."""
        return self.made - self.written


class _Scanner:
    """Expat handlers that count each sheet's extent; the rows and cells inside a cell (a
    nested table, an annotation) are skipped, as calamine skips them."""

    def __init__(self) -> None:
        self.sheets: list[OdsExtent] = []
        self.row_index = 0  # rows so far in this sheet, repeats counted
        self.row_repeat = 1
        self.col = 0
        self.row_last_col = 0  # the end of the row's last cell with content
        self.row_cells = self.row_written = 0
        self.cell_depth = 0  # > 0 inside a cell
        self.cell_repeat = 1
        self.cell_content = False
        self.cell_error: list[str] | None = None  # an error cell's text so far
        self.in_error_text = False  # inside the error cell's first paragraph
        self.row_errors: list[tuple[int, int, str]] = []  # column, repeat, text

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.cell_depth:
            self.cell_depth += 1
            if self.cell_depth == 2:  # the error's text is the cell's first paragraph's
                self.in_error_text = self.cell_error == [] and name == _TEXT
        elif name in _CELLS and self.sheets:
            self.cell_depth, self.cell_repeat = 1, _count(attributes.get(_COLS_REPEATED))
            self.cell_content = attributes.get("office:value-type") == "string" or any(
                a in attributes for a in _VALUE_ATTRIBUTES
            )
            is_error = any(attributes.get(a) == _ERROR_TYPE for a in _VALUE_TYPES)
            self.cell_error = [] if is_error else None
        elif name == _ROW and self.sheets:
            self.row_repeat = _count(attributes.get(_ROWS_REPEATED))
            self.col = self.row_last_col = self.row_cells = self.row_written = 0
            self.row_errors = []
        elif name == _TABLE:
            self.sheets.append(OdsExtent(attributes.get("table:name", "")))
            self.row_index = 0

    def end(self, name: str) -> None:
        if self.cell_depth:
            self.cell_depth -= 1
            if self.cell_depth == 1 and self.in_error_text:
                self.in_error_text = False
                self.cell_error = self.cell_error or [""]  # read: later paragraphs are not
            if self.cell_depth == 0:
                self._cell_ended()
        elif name == _ROW and self.sheets:
            self._row_ended()

    def text(self, data: str) -> None:
        if self.in_error_text and self.cell_error is not None and len(self.cell_error) < 64:
            self.cell_error.append(data)

    def _cell_ended(self) -> None:
        if self.cell_error is not None:
            shown = "".join(self.cell_error)[:64]  # an error's text is a few characters
            self.row_errors.append((self.col, self.cell_repeat, excel_error(shown)))
            self.cell_error = None
        self.col += self.cell_repeat
        if self.cell_content:
            self.row_last_col = self.col
            self.row_cells += self.cell_repeat
            self.row_written += 1

    def _row_ended(self) -> None:
        sheet = self.sheets[-1]
        sheet.errors += [
            OdsError(self.row_index, col, self.row_repeat, repeat, text)
            for col, repeat, text in self.row_errors
        ]
        self.row_index += self.row_repeat
        if self.row_cells:
            sheet.rows = self.row_index
            sheet.cols = max(sheet.cols, self.row_last_col)
            sheet.written += self.row_written
            sheet.made += self.row_cells * self.row_repeat
            sheet.longest_repeat = max(sheet.longest_repeat, self.row_repeat)


def excel_error(shown: str) -> str:
    """The Excel error a LibreOffice error cell is: #DIV/0! as shown, Err:502 as #VALUE!."""
    text = shown.strip().upper()
    if text in ERROR_VALUES:
        return text
    code = _ERR_CODE.fullmatch(shown.strip())
    return _LIBREOFFICE_ERRORS.get(int(code.group(1)), _OTHER_ERROR) if code else _OTHER_ERROR


def error_cells(errors: list[OdsError], rows: int, cols: int) -> dict[tuple[int, int], str]:
    """(row, column) -> error text of every error cell inside a grid of rows x cols, repeats
    counted out (only as far as the grid goes, so a repeated row costs no more than the grid)."""
    cells: dict[tuple[int, int], str] = {}
    for error in errors:
        for row in range(error.row, min(error.row + error.rows, rows)):
            for col in range(error.col, min(error.col + error.cols, cols)):
                cells[(row, col)] = error.text
    return cells


def _count(value: str | None) -> int:
    """A repeat count; one when absent or not a whole number (calamine then fails by itself)."""
    try:
        return max(1, int(value)) if value is not None else 1
    except ValueError:
        return 1


def ods_extents(content: bytes) -> list[OdsExtent] | None:
    """Every sheet's extent and error cells from an .ods content.xml, in order; None when the XML is damaged
    (calamine then says how). The archive checks have refused any DTD or entity declaration
    and, with an expat that is slow on them, any huge token."""
    scanner = _Scanner()
    parser = expat.ParserCreate()
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    parser.CharacterDataHandler = scanner.text
    try:
        parser.Parse(content, True)
    except expat.ExpatError:
        return None
    return scanner.sheets
