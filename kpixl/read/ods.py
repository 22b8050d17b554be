"""An .ods sheet's real size before calamine sees it: rows and cells it repeats, counted out.

An OpenDocument sheet may write a row once and say `table:number-rows-repeated="199000"` (or a
cell once with `table:number-columns-repeated`): an 11 KB file then stands for a million cells,
which calamine expands in memory as it opens the workbook (every sheet at once). So the extent
of every sheet is counted from content.xml first, as calamine reads it (the same element and
attribute names, taken literally; empty cells and rows after the last content ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.parsers import expat

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


@dataclass
class OdsExtent:
    """One sheet as calamine will hold it."""

    name: str
    rows: int = 0  # up to the last row with content, repeats counted
    cols: int = 0  # up to the last column with content, repeats counted
    written: int = 0  # cells with content written in the XML
    made: int = 0  # cells with content once every repeat is counted out
    longest_repeat: int = 1  # the most times one row with content is repeated

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

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if self.cell_depth:
            self.cell_depth += 1
        elif name in _CELLS and self.sheets:
            self.cell_depth, self.cell_repeat = 1, _count(attributes.get(_COLS_REPEATED))
            self.cell_content = attributes.get("office:value-type") == "string" or any(
                a in attributes for a in _VALUE_ATTRIBUTES
            )
        elif name == _ROW and self.sheets:
            self.row_repeat = _count(attributes.get(_ROWS_REPEATED))
            self.col = self.row_last_col = self.row_cells = self.row_written = 0
        elif name == _TABLE:
            self.sheets.append(OdsExtent(attributes.get("table:name", "")))
            self.row_index = 0

    def end(self, name: str) -> None:
        if self.cell_depth:
            self.cell_depth -= 1
            if self.cell_depth == 0:
                self._cell_ended()
        elif name == _ROW and self.sheets:
            self._row_ended()

    def _cell_ended(self) -> None:
        self.col += self.cell_repeat
        if self.cell_content:
            self.row_last_col = self.col
            self.row_cells += self.cell_repeat
            self.row_written += 1

    def _row_ended(self) -> None:
        sheet = self.sheets[-1]
        self.row_index += self.row_repeat
        if self.row_cells:
            sheet.rows = self.row_index
            sheet.cols = max(sheet.cols, self.row_last_col)
            sheet.written += self.row_written
            sheet.made += self.row_cells * self.row_repeat
            sheet.longest_repeat = max(sheet.longest_repeat, self.row_repeat)


def _count(value: str | None) -> int:
    """A repeat count; one when absent or not a whole number (calamine then fails by itself)."""
    try:
        return max(1, int(value)) if value is not None else 1
    except ValueError:
        return 1


def ods_extents(content: bytes) -> list[OdsExtent] | None:
    """Every sheet's extent from an .ods content.xml, in order; None when the XML is damaged
    (calamine then says how). The archive checks have refused any DTD or entity declaration
    and, with an expat that is slow on them, any huge token."""
    scanner = _Scanner()
    parser = expat.ParserCreate()
    parser.StartElementHandler = scanner.start
    parser.EndElementHandler = scanner.end
    try:
        parser.Parse(content, True)
    except expat.ExpatError:
        return None
    return scanner.sheets
