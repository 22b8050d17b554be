"""The Validation sheet: counts by severity, then every issue with a link to its cell."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import styles
from kpixl.dashboard.appendix import INDICATOR_HEADER
from kpixl.dashboard.cellwriter import (
    cell_range,
    column_widths,
    lines_needed,
    put_number,
    put_text,
)
from kpixl.dashboard.styles import Look
from kpixl.dashboard.view import DashboardView
from kpixl.issues import Issue
from kpixl.periods import Period

HEADERS = ("Severity", "Code", "File", "Sheet", "Cell", INDICATOR_HEADER, "Period", "Message")
WIDTHS = {1: 10.0, 2: 20.0, 3: 40.0, 4: 18.0, 5: 8.0, 6: 11.0, 7: 10.0, 8: 80.0}
FILE_COL, CELL_COL = 3, 5
HEADER_ROW = 5


def write_validation(ws: Worksheet, view: DashboardView, out_dir: Path) -> None:
    """Every issue of the run, errors first, each linked to the cell of the return it is about."""
    column_widths(ws, WIDTHS)
    report = view.results.report
    counts = report.counts()
    put_text(ws, 1, 1, "Validation", Look.TITLE)
    put_text(ws, 2, 1, "Errors", Look.BLOCK_HEADER)
    put_number(ws, 2, 2, counts["error"], "0")
    put_text(ws, 3, 1, "Warnings", Look.BLOCK_HEADER)
    put_number(ws, 3, 2, counts["warning"], "0")
    for col, header in enumerate(HEADERS, start=1):
        put_text(ws, HEADER_ROW, col, header, Look.HEADER)
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    issues = report.sorted()
    for row, issue in enumerate(issues, start=HEADER_ROW + 1):
        _issue_row(ws, row, issue, out_dir)
    if issues:
        last = HEADER_ROW + len(issues)
        styles.add_severity_formatting(ws, cell_range(HEADER_ROW + 1, last, 1))


def _issue_row(ws: Worksheet, row: int, issue: Issue, out_dir: Path) -> None:
    values = (
        issue.severity.value,
        issue.code.value,
        issue.file,
        issue.sheet,
        issue.cell,
        issue.ref,
        _period_label(issue.period),
        issue.message,
    )
    cells = [
        put_text(ws, row, col, value, Look.WRAP if col in (FILE_COL, len(values)) else Look.BODY)
        for col, value in enumerate(values, start=1)
    ]
    # LibreOffice (and so --pdf) does not grow rows of wrapped text by itself.
    lines = max(lines_needed(str(v), WIDTHS[c]) for c, v in enumerate(values, start=1))
    if lines > 1:
        ws.row_dimensions[row].height = lines * styles.LINE_HEIGHT + 2
    path, location = link_target(issue, out_dir)
    if path:
        cell = cells[(CELL_COL if issue.cell else FILE_COL) - 1]
        # As Excel writes a link into another workbook: the file, and the cell as `location`.
        cell.hyperlink = Hyperlink(ref=cell.coordinate, target=path, location=location or None)
        styles.apply(cell, Look.LINK, styles.TEXT_FORMAT)


def _period_label(period: str) -> str:
    try:
        return Period.parse(period).label
    except ValueError:
        return period


def link_target(issue: Issue, out_dir: Path) -> tuple[str, str]:
    """(`../returns/finance.xlsx`, `'Sheet 1'!C7`): the issue's file relative to the
    dashboard's folder (so the link survives moving both together), percent-encoded as a link
    target is (a `#` or `%` in a folder's name would otherwise cut or change it), and the cell."""
    if not issue.file:
        return "", ""
    source = Path(issue.file).resolve()
    try:
        path = quote(os.path.relpath(source, out_dir.resolve()).replace(os.sep, "/"), safe="/")
    except ValueError:  # another drive on Windows: no relative path exists
        path = source.as_uri()
    if not issue.sheet:
        return path, ""
    sheet = issue.sheet.replace("'", "''")
    return path, f"'{sheet}'!{issue.cell or 'A1'}"
