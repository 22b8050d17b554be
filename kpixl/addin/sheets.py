"""An open workbook's values as the returns reader sees them, and the validation sheet written back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kpixl.addin.xl import Book, Sheet
from kpixl.dashboard.output import safe_text
from kpixl.issues import Issue, IssueCode, Severity, error
from kpixl.read.workbook import MAX_COLS, MAX_ROWS
from kpixl.read.workbook import Sheet as GridSheet

VALIDATION_SHEET = "kpixl validation"
HEADER = ("Severity", "Code", "Sheet", "Cell", "Ref", "Period", "Message", "Cell colour before")
_MARK = {Severity.ERROR: (255, 199, 206), Severity.WARNING: (255, 235, 156)}
_NO_COLOUR = "none"
NOT_MARKED = "not marked: the sheet is protected"
EXCEL_1004 = -2146827284  # 0x800A03EC, the HRESULT of Excel's run-time error 1004


def read_book(book: Book) -> tuple[list[GridSheet], list[Issue]]:
    """Every sheet's current values (unsaved edits included) on an absolute grid from A1."""
    grids: list[GridSheet] = []
    issues: list[Issue] = []
    for sheet in book.sheets:
        if sheet.name == VALIDATION_SHEET:
            continue
        used = sheet.used_range
        last = used.last_cell
        if last.row > MAX_ROWS or last.column > MAX_COLS:
            issues.append(
                error(
                    IssueCode.SHEET_TOO_LARGE,
                    f"sheet skipped: it reaches row {last.row:,}, column {last.column} (limit "
                    f"{MAX_ROWS:,} rows, {MAX_COLS} columns); delete the stray cells far from "
                    "the table",
                    file=book.name,
                    sheet=sheet.name,
                )
            )
            continue
        grids.append(
            GridSheet(sheet.name, _grid(used.options(ndim=2).value, used.row, used.column))
        )
    return grids, issues


def _grid(values: list[list[Any]] | None, top: int, left: int) -> list[list[Any]]:
    """xlwings gives the used range from its top-left cell; the reader wants rows from A1."""
    rows: list[list[Any]] = [[] for _ in range(top - 1)]
    pad: list[Any] = [None] * (left - 1)
    rows.extend(pad + list(row) for row in values or [])
    return rows


def sheet_address(sheet: str, cell: str) -> str:
    """`#'Sheet name'!C7`: a link inside the workbook, quotes in the name doubled."""
    return "#'" + sheet.replace("'", "''") + "'!" + cell


def write_validation_sheet(book: Book, issues: list[Issue]) -> list[str]:
    """Replace the validation sheet with one row per issue, link each to its cell, mark the cell.

    The fill each marked cell had is kept on the sheet, so the next run puts it back first.
    Returns the protected sheets whose cells could not be marked (the links still lead there).
    """
    restore_marks(book)
    sheet = book.sheets.add(VALIDATION_SHEET, after=book.sheets[book.sheets.count - 1])
    sheet.range("A1").value = [list(HEADER)] + [_row(book, i) for i in issues]
    worst: dict[tuple[str, str], Severity] = {}
    rows: dict[tuple[str, str], list[int]] = {}
    for n, issue in enumerate(issues, start=2):
        if not _in_book(book, issue):
            continue
        sheet.range(f"D{n}").add_hyperlink(
            sheet_address(issue.sheet, issue.cell), issue.cell, "Go to the cell"
        )
        key = (issue.sheet, issue.cell)
        rows.setdefault(key, []).append(n)
        if worst.get(key) is not Severity.ERROR:
            worst[key] = issue.severity
    refused = _mark(book, worst, sheet, rows)
    sheet.range("A1").autofit()
    sheet.activate()
    return refused


def _mark(
    book: Book, worst: dict[tuple[str, str], Severity], report: Sheet,
    rows: dict[tuple[str, str], list[int]],
) -> list[str]:  # fmt: skip
    """Colour each cell, noting the fill it had in column H. A sheet protected against
    formatting refuses the first colour (Excel's error 1004): nothing on it is changed, its
    rows say so, and the sheet is never unprotected, as its protection is the service's."""
    refused: list[str] = []
    for (name, cell), severity in worst.items():
        note = NOT_MARKED
        if name not in refused:
            target = book.sheets[name].range(cell)
            before = _hex(target.color)
            try:
                target.color = _MARK[severity]
                note = before
            except Exception as exc:
                if not refused_by_protection(exc):
                    raise
                refused.append(name)
        for n in rows[(name, cell)]:
            report.range(f"H{n}").value = note
    return refused


def refused_by_protection(exc: Exception) -> bool:
    """Excel's answer to formatting a protected sheet: a COM error whose detail carries
    0x800A03EC (run-time error 1004, "Unable to set the Color property of the Interior class")."""
    details = [a for a in exc.args if isinstance(a, tuple)]
    return any(d and d[-1] == EXCEL_1004 for d in details)


def restore_marks(book: Book) -> None:
    """Put back the fills recorded by the last run and remove its validation sheet."""
    if VALIDATION_SHEET not in book.sheet_names:
        return
    old = book.sheets[VALIDATION_SHEET]
    rows = old.used_range.options(ndim=2).value or []
    for row in reversed(rows[1:]):
        sheet, cell, colour = (str(v) if v is not None else "" for v in (row[2], row[3], row[7]))
        if (colour == _NO_COLOUR or colour.startswith("#")) and sheet in book.sheet_names:
            try:
                book.sheets[sheet].range(cell).color = _rgb(colour)
            except Exception as exc:  # protected since: its mark stays, as Excel insists
                if not refused_by_protection(exc):
                    raise
    old.delete()


def _row(book: Book, issue: Issue) -> list[object]:
    cells = (issue.severity.value, issue.code.value, issue.sheet, issue.cell, issue.ref,
             issue.period, issue.message, "")  # fmt: skip
    return [safe_text(v) if isinstance(v, str) else v for v in cells]


def _in_book(book: Book, issue: Issue) -> bool:
    return (
        issue.file == book.name
        and bool(issue.cell)
        and issue.sheet in book.sheet_names
        and issue.sheet != VALIDATION_SHEET
    )


def _hex(colour: object) -> str:
    if isinstance(colour, tuple | list) and len(colour) == 3:
        return "#{:02x}{:02x}{:02x}".format(*colour)
    return _NO_COLOUR


def _rgb(text: str) -> tuple[int, int, int] | None:
    if not text.startswith("#") or len(text) != 7:
        return None
    return int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16)


def summary(name: str, issues: Iterable[Issue], protected: Iterable[str] = ()) -> str:
    """One line for the alert: how many errors and warnings, and where to look."""
    found = list(issues)
    errors = sum(i.severity is Severity.ERROR for i in found)
    warnings = len(found) - errors
    if not found:
        return f"{name}: no problems found."
    locked = ", ".join(f"'{s}'" for s in protected)
    note = (
        f" The cells of the protected sheet(s) {locked} are not coloured; the links lead to them."
        if locked
        else ""
    )
    return (
        f"{name}: {errors} error(s), {warnings} warning(s); see the '{VALIDATION_SHEET}' sheet "
        "(click a cell address to go to it). Errors must be fixed before the figures are used."
        + note
    )
