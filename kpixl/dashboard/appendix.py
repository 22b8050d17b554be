"""The back sheets: every commentary line, and the tidy Data table behind the dashboard."""

from __future__ import annotations

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import styles
from kpixl.dashboard.cellwriter import (
    RowWriter,
    Value,
    cell_range,
    column_widths,
    lines_needed,
    put_text,
)
from kpixl.dashboard.styles import Look
from kpixl.dashboard.view import DashboardView
from kpixl.results import DATA_COLUMNS

# The Validation sheet says `Indicator`, not `Ref`: a dashboard reads back as a return and a
# `Ref` header starts a table. The Commentary sheet says `Ref` on purpose: read back, its
# `Ref | Period | Commentary` rows give the commentary again.
INDICATOR_HEADER = "Indicator"
COMMENTARY_HEADERS = ("Service area", "Ref", "Period", "Commentary", "Source")
COMMENTARY_WIDTHS = {1: 28.0, 2: 11.0, 3: 10.0, 4: 90.0, 5: 40.0}
# The Data columns holding a figure, shown in their indicator's number format.
FIGURE_COLUMNS = frozenset({"value", "ytd", "target", "floor", "upper", "lower", "prev_year"})
DATA_WIDTHS = {"description": 50.0, "service_area": 28.0, "source": 40.0}
DATA_WIDTH = 11.0


def write_commentary(ws: Worksheet, view: DashboardView) -> None:
    """`Service area | Ref | Period | Commentary | Source`, one row per line."""
    column_widths(ws, COMMENTARY_WIDTHS)
    for col, header in enumerate(COMMENTARY_HEADERS, start=1):
        put_text(ws, 1, col, header, Look.HEADER)
    ws.freeze_panes = "A2"
    for row, line in enumerate(view.all_commentary(), start=2):
        ind = view.results.register.find(line.ref)
        area = ind.service_area if ind is not None else line.service_area
        cells = (area, line.ref, line.period.label, line.text, line.source)
        looks = (Look.WRAP, Look.BODY, Look.BODY, Look.WRAP, Look.WRAP)
        for col, (value, look) in enumerate(zip(cells, looks, strict=True), start=1):
            put_text(ws, row, col, value, look)
        # LibreOffice (and so --pdf) does not grow rows of wrapped text by itself.
        lines = max(lines_needed(v, COMMENTARY_WIDTHS[c]) for c, v in enumerate(cells, start=1))
        if lines > 1:
            ws.row_dimensions[row].height = lines * styles.LINE_HEIGHT + 2


def write_data(ws: Worksheet, view: DashboardView) -> None:
    """Exactly DATA_COLUMNS in row 1, then one row per row of the results (this dashboard's)."""
    widths = {n: DATA_WIDTHS.get(name, DATA_WIDTH) for n, name in enumerate(DATA_COLUMNS, 1)}
    column_widths(ws, widths)
    for col, name in enumerate(DATA_COLUMNS, start=1):
        put_text(ws, 1, col, name, Look.HEADER)
    register = view.results.register
    rows = RowWriter(ws)
    for row in view.rows:
        ind = register.find(str(row["ref"]))
        figure_format = styles.number_format(ind) if ind is not None else styles.GENERAL_FORMAT
        rows.append(_data_entry(row[name], name, figure_format) for name in DATA_COLUMNS)
    last = max(1, len(view.rows) + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(DATA_COLUMNS))}{last}"
    ws.freeze_panes = "A2"
    if view.rows:
        _colour_words(ws, last)


def _data_entry(value: object, column: str, figure_format: str) -> tuple[Value, Look, str]:
    """Numbers stay numbers; anything else (RAG words, periods, sources) is text. A figure's
    column has its indicator's number format, also where it holds a word."""
    fmt = figure_format if column in FIGURE_COLUMNS else styles.GENERAL_FORMAT
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value, Look.DATA, fmt
    return str(value), Look.DATA, fmt


def _colour_words(ws: Worksheet, last: int) -> None:
    def column(name: str) -> str:
        return cell_range(2, last, DATA_COLUMNS.index(name) + 1)

    styles.add_rag_formatting(ws, f"{column('month_rag')} {column('ytd_rag')}")
    styles.add_alert_formatting(ws, column("alert"))
