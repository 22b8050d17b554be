"""What the templates share: looks, text that stays text, validations, protection, saving."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.atomic import write_atomically
from kpixl.dashboard.cellwriter import clean_text
from kpixl.dashboard.printing import fit_one_page_wide
from kpixl.dashboard.save import workbook_bytes
from kpixl.dashboard.styles import (
    BLOCK_FILL,
    BORDER_COLOUR,
    FONT_NAME,
    HEADER_FILL,
    HEADER_TEXT,
    TITLE_TEXT,
)

# The dashboard's palette, and the two colours only templates need.
INPUT_FILL = "FFF2CC"  # pale yellow: type here
GREY_FILL, GREY_TEXT = "D9D9D9", "595959"  # not asked for this month
KEY_FILL = BLOCK_FILL
Kind = Literal["whole", "decimal", "list", "date", "time", "textLength", "custom"] | None
Operator = Literal["between", "lessThanOrEqual", "greaterThanOrEqual"] | None
PROMPT_TITLE_MAX, PROMPT_MAX, ERROR_MAX = 32, 255, 225  # Excel's limits on validation texts

_THIN = Side(style="thin", color=BORDER_COLOUR)
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TOP = Alignment(vertical="top")
_WRAP = Alignment(vertical="top", wrap_text=True)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
UNLOCKED = Protection(locked=False)
_BODY_FONT = Font(name=FONT_NAME, size=10)
_HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True, color=HEADER_TEXT)


def _fill(colour: str) -> PatternFill:
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def put_text(
    ws: Worksheet, row: int, col: int, text: str, *, bold: bool = False, wrap: bool = False
) -> Cell:
    """Write text that stays text: `=SUM(A1)` from a register is never a formula."""
    cell = ws.cell(row=row, column=col, value=clean_text(text))
    cell.data_type = "s"
    cell.font = Font(name=FONT_NAME, size=10, bold=bold)
    cell.alignment = _WRAP if wrap else _TOP
    return cell


def title(ws: Worksheet, row: int, text: str) -> None:
    put_text(ws, row, 1, text).font = Font(name=FONT_NAME, size=14, bold=True, color=TITLE_TEXT)


def header(ws: Worksheet, row: int, names: list[str]) -> None:
    """A table's header row: bold white on dark blue."""
    for col, name in enumerate(names, start=1):
        cell = put_text(ws, row, col, name)
        cell.font = _HEADER_FONT
        cell.fill = _fill(HEADER_FILL)
        cell.border = _BOX
        cell.alignment = _HEADER_ALIGN


def boxed(
    cell: Cell | MergedCell, *, fill: str | None = None, grey: bool = False
) -> Cell | MergedCell:
    """A table cell: a border, and the fill that says whether to type in it."""
    cell.border = _BOX
    if not cell.font.bold:
        cell.font = _BODY_FONT
    if cell.alignment.vertical is None:
        cell.alignment = _TOP
    if grey:
        cell.fill = _fill(GREY_FILL)
        cell.font = Font(name=FONT_NAME, size=10, color=GREY_TEXT)
    elif fill:
        cell.fill = _fill(fill)
    return cell


def make_input(cell: Cell | MergedCell) -> Cell | MergedCell:
    """An unlocked, pale yellow cell: the only kind a service can type in."""
    cell.protection = UNLOCKED
    return boxed(cell, fill=INPUT_FILL)


def validation(
    sqref: str,
    kind: Kind,
    formula1: str | None = None,
    *,
    formula2: str | None = None,
    operator: Operator = None,
    prompt: tuple[str, str] = ("", ""),
    error: tuple[str, str] = ("", ""),
) -> DataValidation:
    """A data validation that explains itself: `prompt` and `error` are (title, text)."""
    dv = DataValidation(
        type=kind,
        formula1=formula1,
        formula2=formula2,
        operator=operator,
        allow_blank=True,
        showInputMessage=bool(prompt[1]),
        showErrorMessage=bool(error[1]),
        errorStyle="stop" if error[1] else None,
        promptTitle=prompt[0][:PROMPT_TITLE_MAX] or None,
        prompt=prompt[1][:PROMPT_MAX] or None,
        errorTitle=error[0][:PROMPT_TITLE_MAX] or None,
        error=error[1][:ERROR_MAX] or None,
    )
    dv.add(sqref)
    return dv


def list_validation(sqref: str, choices: list[str], prompt: tuple[str, str]) -> DataValidation:
    """A drop-down of the allowed words (Excel keeps the list under 255 characters)."""
    words = ", ".join(choices)
    return validation(
        sqref,
        "list",
        '"' + ",".join(choices) + '"',
        prompt=prompt,
        error=("Not in the list", f"Choose one of: {words}."),
    )


def number_text(x: float) -> str:
    """A number as an Excel formula writes it: `0.05`, `1`, `1200`, never `5e-02`."""
    text = f"{x:.12f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def fit_to_width(ws: Worksheet, title_row: int) -> None:
    """Print landscape, one page wide, the header row repeated on every page."""
    ws.print_title_rows = f"{title_row}:{title_row}"
    fit_one_page_wide(ws)


def protect(ws: Worksheet) -> None:
    """Protect the sheet without a password (nobody is locked out for good), still letting
    people select cells and widen columns and rows."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def save(wb: Workbook, out: Path, when: dt.datetime) -> Path:
    """Write the workbook atomically, the same bytes every time for the same content."""
    out = Path(out)
    write_atomically(workbook_bytes(wb, when), out)
    return out
