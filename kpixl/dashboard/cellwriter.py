"""Writing cells: text always as text (never a formula), numbers as numbers, paragraphs."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import styles
from kpixl.dashboard.styles import Look

MAX_CELL_TEXT = 32_767  # Excel's limit on the characters in one cell

Value = str | float | None


def clean_text(text: str) -> str:
    """Text Excel can store: no control characters, no more than a cell holds."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_TEXT]


def put_text(
    ws: Worksheet,
    row: int,
    col: int,
    text: str,
    look: Look = Look.BODY,
    number_format: str = styles.TEXT_FORMAT,
) -> Cell:
    """Write text that stays text: `=HYPERLINK(...)`, `+1` or `@SUM(A1)` are never formulas."""
    cell = ws.cell(row=row, column=col, value=clean_text(text))
    # openpyxl turns a string starting with "=" into a formula; text from returns never is one.
    cell.data_type = "s"
    styles.apply(cell, look, number_format)
    return cell


def put_blank(ws: Worksheet, row: int, col: int, look: Look) -> None:
    """Style an empty cell (borders and fill round a merged block)."""
    styles.apply(ws.cell(row=row, column=col, value=None), look)


def put_number(ws: Worksheet, row: int, col: int, value: float | None, number_format: str) -> Cell:
    """Write a number (left empty when there is none) shown in the indicator's format."""
    cell = ws.cell(row=row, column=col, value=value)
    styles.apply(cell, Look.NUMBER, number_format)
    return cell


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Value,
    look: Look = Look.BODY,
    number_format: str = styles.GENERAL_FORMAT,
) -> Cell:
    """Text through put_text, numbers through put_number, None as a styled empty cell.

    A word in a figure's column (`N/A`) keeps the column's format, so a figure typed over it
    is still a number."""
    if isinstance(value, str):
        return put_text(ws, row, col, value, look, number_format)
    return put_number(ws, row, col, value, number_format)


class RowWriter:
    """Adds rows of styled cells under a sheet's last row: the fast way to write a long table.

    Text stays text (never a formula), as with put_text. Cells are made as openpyxl's own reader
    makes them (value and type set directly, the style array given), as setting the value of a
    cell checks its type each time."""

    BARE_WHEN_EMPTY = frozenset({Look.DATA})  # looks an empty cell does not show

    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self._styles: dict[tuple[Look, str], StyleArray] = {}

    def append(self, entries: Iterable[tuple[Value, Look, str] | None]) -> None:
        """One row: each entry is (value, look, number format), or None for no cell at all."""
        cells: list[Cell | None] = []
        for entry in entries:
            if entry is None or (entry[0] is None and entry[1] in self.BARE_WHEN_EMPTY):
                cells.append(None)  # not written at all
                continue
            value, look, number_format = entry
            array = self._styles.get((look, number_format))
            if array is None:
                array = self._styles[look, number_format] = styles.style_array(
                    self.ws, look, number_format
                )
            cell = Cell(self.ws, row=1, column=1, style_array=StyleArray(array))  # placed by append
            if isinstance(value, str):
                cell._value, cell.data_type = clean_text(value), "s"  # type: ignore[attr-defined]
            elif value is not None:
                cell._value, cell.data_type = value, "n"  # type: ignore[attr-defined]
            cells.append(cell)
        self.ws.append(cells)


def column_widths(ws: Worksheet, widths: dict[int, float]) -> None:
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width


def lines_needed(text: str, width_chars: float) -> int:
    """How many lines wrapped text takes in a column this wide (an estimate: Excel cannot
    fit the height of merged cells to their text by itself)."""
    per_line = max(1, int(width_chars * 1.3))
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))


def put_paragraph(
    ws: Worksheet,
    row: int,
    cols: tuple[int, int],
    text: str,
    width_chars: float,
    look: Look = Look.PARAGRAPH,
) -> Cell:
    """Write wrapped text across merged columns, with a row height that shows all of it."""
    first, last = cols
    cell = put_text(ws, row, first, text, look)
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    lines = lines_needed(text, width_chars)
    if lines > 1:
        ws.row_dimensions[row].height = lines * styles.LINE_HEIGHT + 2
    return cell


def cell_range(first_row: int, last_row: int, col: int) -> str:
    """`G7:G12`: one column of a table's body."""
    letter = get_column_letter(col)
    return f"{letter}{first_row}:{letter}{last_row}"


@dataclass(frozen=True)
class Entry:
    """One table cell before it is written: its value, look and number format."""

    value: Value
    look: Look = Look.BODY
    number_format: str = styles.GENERAL_FORMAT
