"""One sheet per service area: header block, KPI and activity tables, notes and commentary."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import styles
from kpixl.dashboard.cellwriter import (
    Entry,
    cell_range,
    column_widths,
    lines_needed,
    put,
    put_blank,
    put_paragraph,
    put_text,
)
from kpixl.dashboard.styles import Look
from kpixl.dashboard.view import NA, DashboardView, number, text
from kpixl.periods import Period
from kpixl.register.model import AlertOn, Indicator, Kind, ServiceArea
from kpixl.results import Commentary

REF_WIDTH, DESCRIPTION_WIDTH, FIGURE_WIDTH = 10.0, 55.0, 11.0
TEXT_MARGIN = 2.0  # characters of room beside the longest text in a figure column
FIRST_TABLE_ROW = 6
AREA_REPEAT_ROWS = "1:4"  # the department and the service-area block, on every printed page
# Service Area | <lead title> | Cabinet Member, each over merged columns.
BLOCK_SPANS = ((1, 2), (3, 5), (6, 8))
# With the register's `show_forecast`: after the YTD (an activity table shows the first only).
FORECAST_HEADERS = ("Year-end forecast", "Likely range", "Forecast RAG", "At risk")
RANGED = 2  # an activity's forecast columns: the forecast and its likely range


@dataclass
class Table:
    """One table of a service-area sheet, ready to write."""

    title: str
    headers: list[str]
    indicators: list[Indicator]
    rows: list[list[Entry]] = field(default_factory=list)
    rag_cols: list[int] = field(default_factory=list)  # 1-based columns coloured as RAG
    alert_cols: list[int] = field(default_factory=list)
    commentary: list[Commentary] = field(default_factory=list)  # shown under the table
    at_risk: list[str] = field(default_factory=list)  # why each KPI at risk is, under it too


def write_area(ws: Worksheet, view: DashboardView, area: ServiceArea) -> None:
    blocks = area_blocks(view, area)
    tables = [table for block in blocks for table in block]
    widths = _widths(tables)
    column_widths(ws, widths)
    if area.department:
        put_text(ws, 1, 1, area.department, Look.TITLE)
    _header_block(ws, area)
    ws.freeze_panes = "A5"
    row = FIRST_TABLE_ROW
    for index, block in enumerate(blocks):
        if index:
            # Each block on a page of its own, under the repeated service-area block (rows 1-4)
            # and the blank row that ends the table before (as row 5 on the first page).
            ws.row_breaks.append(Break(id=row - 2))
        for table in block:
            row = _write_table(ws, row, table, widths) + 1
    if not tables:
        put_text(ws, row, 1, "The register lists no indicators for this service area.")


def _widths(tables: list[Table]) -> dict[int, float]:
    """Ref, description, then a figure's width — or more where a table's text needs it (a
    likely range such as `101,140 to 106,716`), so no entry is cut off in print."""
    last_col = max([BLOCK_SPANS[-1][1], *(len(t.headers) for t in tables)])
    widths = {1: REF_WIDTH, 2: DESCRIPTION_WIDTH}
    widths |= {col: FIGURE_WIDTH for col in range(3, last_col + 1)}
    for table in tables:
        for entries in table.rows:
            for col, entry in enumerate(entries[2:], start=3):
                if isinstance(entry.value, str):
                    widths[col] = max(widths[col], len(entry.value) + TEXT_MARGIN)
    return widths


def _header_block(ws: Worksheet, area: ServiceArea) -> None:
    headers = ("Service Area", area.lead_title, "Cabinet Member")
    values = (area.name, area.lead_name, area.cabinet_member)
    for (first, last), header, value in zip(BLOCK_SPANS, headers, values, strict=True):
        put_text(ws, 3, first, header, Look.BLOCK_HEADER)
        put_text(ws, 4, first, value, Look.BLOCK)
        for row, look in ((3, Look.BLOCK_HEADER), (4, Look.BLOCK)):
            for col in range(first + 1, last + 1):
                put_blank(ws, row, col, look)  # borders all round the merged block
            ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def area_blocks(view: DashboardView, area: ServiceArea) -> list[list[Table]]:
    """The area's tables, block by block: a new block starts wherever the indicators' `table`
    label changes (in register order); each block has its monthly KPI, quarterly KPI and
    activity tables, in that order."""
    blocks: list[list[Indicator]] = []
    label: str | None = None
    for ind in view.indicators(area.name):
        if not blocks or ind.table != label:
            blocks.append([])
            label = ind.table
        blocks[-1].append(ind)
    return [_block_tables(view, block) for block in blocks]


def area_tables(view: DashboardView, area: ServiceArea) -> list[Table]:
    """All the area's tables, in the order they are written."""
    return [table for block in area_blocks(view, area) for table in block]


def _block_tables(view: DashboardView, inds: list[Indicator]) -> list[Table]:
    tables: list[Table] = []
    for kind in (Kind.KPI, Kind.ACTIVITY):
        found = [i for i in inds if i.kind is kind]
        monthly = [i for i in found if not i.is_quarterly]
        quarterly = [i for i in found if i.is_quarterly]
        base = "Key Performance Indicators" if kind is Kind.KPI else "Activity Indicators"
        if monthly:
            title = f"{base} - Monthly" if quarterly else base
            periods = view.table_periods(monthly, quarterly=False)
            tables.append(_table(view, kind, title, monthly, periods, quarterly=False))
        if quarterly:
            periods = view.table_periods(quarterly, quarterly=True)
            tables.append(_table(view, kind, f"{base} - Quarterly", quarterly, periods, True))
    return tables


def _table(
    view: DashboardView,
    kind: Kind,
    title: str,
    inds: list[Indicator],
    periods: list[Period],
    quarterly: bool,
) -> Table:
    labels = [p.label for p in periods]
    latest = periods[-1] if periods else None
    first_after = 3 + len(periods)
    if kind is Kind.KPI:
        # No YTD and YTD RAG columns when none of the table's KPIs has a year to date.
        ytd = any(view.has_ytd(i) for i in inds)
        rag_word = "Qtr RAG" if quarterly else "Month RAG"
        travel = "Since last quarter" if quarterly else "Since last month"
        ytd_headers = ["YTD", "YTD RAG"] if ytd else []
        ahead = ytd and _forecasts_shown(view, inds)
        ahead_headers = list(FORECAST_HEADERS) if ahead else []
        after = [rag_word, *ytd_headers, *ahead_headers, "Target", "Floor", "Prev. Year", travel]
        table = Table(title, ["Ref", "Indicator description", *labels, *after], inds)
        table.rag_cols = [first_after, first_after + 2] if ytd else [first_after]
        table.rag_cols += [first_after + 5] if ahead else []
        table.rows = [_kpi_row(view, i, periods, ytd, ahead) for i in inds]
        reasons = [view.at_risk_reason(i) for i in inds] if ahead else []
        table.at_risk = [r for r in reasons if r]
    else:
        ranged = any(i.has_range for i in inds)
        # No YTD column when no activity needs one: each alerts on the latest month (or has
        # no year to date); the alert column then follows the months.
        ytd = not all(i.alert_on is AlertOn.LATEST or not view.has_ytd(i) for i in inds)
        ahead = ytd and _forecasts_shown(view, inds)
        middle = ["In expected range?", "Upper", "Lower"] if ranged else []
        prev = "Previous Year YTD" if ytd else "Previous Year"
        after = [*(["YTD"] if ytd else []), *FORECAST_HEADERS[: RANGED * ahead], *middle, prev]
        table = Table(title, ["Ref", "Indicator description", *labels, *after], inds)
        table.alert_cols = [first_after + int(ytd) + RANGED * ahead] if ranged else []
        table.rows = [_activity_row(view, i, periods, ranged, ytd, ahead) for i in inds]
    # Commentary of the reporting period (a quarterly table's: its latest quarter end).
    period = latest if quarterly else view.period
    table.commentary = [line for i in inds for line in view.commentary(i, period)]
    return table


def _leading(view: DashboardView, ind: Indicator, periods: list[Period]) -> list[Entry]:
    fmt = styles.number_format(ind)
    entries = [Entry(ind.ref), Entry(ind.description, Look.WRAP)]
    return entries + [Entry(view.value(ind, p), Look.NUMBER, fmt) for p in periods]


def _ytd(view: DashboardView, ind: Indicator) -> Entry:
    if not view.has_ytd(ind):
        return Entry(NA, Look.CENTRE)
    return Entry(number(view.latest_field(ind, "ytd")), Look.NUMBER, styles.number_format(ind))


def _forecasts_shown(view: DashboardView, inds: list[Indicator]) -> bool:
    """The forecast columns: when the register asks for them and a forecast is to be shown."""
    return view.show_forecast and any(view.forecast(i)[0] is not None for i in inds)


def _ahead(view: DashboardView, ind: Indicator, kpi: bool) -> list[Entry]:
    """Year-end forecast and its likely range (and for a KPI its RAG and the at-risk mark),
    or N/A."""
    value, word, at_risk = view.forecast(ind)
    if value is None:
        shown = [Entry(NA, Look.CENTRE)] * RANGED
    else:
        likely = view.likely_range(ind) or NA
        shown = [Entry(value, Look.NUMBER, styles.number_format(ind)), Entry(likely, Look.CENTRE)]
    if not kpi:
        return shown
    return [
        *shown,
        Entry(word or NA, Look.CENTRE),
        Entry("at risk" if at_risk else "", Look.CENTRE),
    ]


def _kpi_row(
    view: DashboardView, ind: Indicator, periods: list[Period], ytd: bool, ahead: bool = False
) -> list[Entry]:
    fmt = styles.number_format(ind)
    latest_rag, ytd_rag = view.rags(ind)
    ytd_entries = [_ytd(view, ind), Entry(ytd_rag, Look.CENTRE)] if ytd else []
    return [
        *_leading(view, ind, periods),
        Entry(latest_rag, Look.CENTRE),
        *ytd_entries,
        *(_ahead(view, ind, kpi=True) if ahead else []),
        Entry(ind.target, Look.NUMBER, fmt),
        Entry(ind.floor, Look.NUMBER, fmt),
        Entry(view.prev_year(ind), Look.NUMBER, fmt),
        Entry(view.direction(ind), Look.CENTRE),
    ]


def _activity_row(
    view: DashboardView,
    ind: Indicator,
    periods: list[Period],
    ranged: bool,
    ytd: bool,
    ahead: bool = False,
) -> list[Entry]:
    fmt = styles.number_format(ind)
    entries = [*_leading(view, ind, periods), *([_ytd(view, ind)] if ytd else [])]
    entries += _ahead(view, ind, kpi=False) if ahead else []
    if ranged:
        alert = text(view.latest_field(ind, "alert")) if ind.has_range else None
        entries.append(Entry(alert or NA, Look.CENTRE))
        entries.append(Entry(ind.upper, Look.NUMBER, fmt))
        entries.append(Entry(ind.lower, Look.NUMBER, fmt))
    entries.append(Entry(view.prev_year(ind), Look.NUMBER, fmt))
    return entries


def _write_table(ws: Worksheet, row: int, table: Table, widths: dict[int, float]) -> int:
    """Write heading, header row and body; then footnotes and commentary. Return the next row."""
    put_text(ws, row, 1, table.title, Look.HEADING)
    header_row = row + 1
    for col, header in enumerate(table.headers, start=1):
        put_text(ws, header_row, col, header, Look.HEADER)
    header_lines = max(
        lines_needed(h, widths.get(c, FIGURE_WIDTH)) for c, h in enumerate(table.headers, 1)
    )
    if header_lines > 1:
        ws.row_dimensions[header_row].height = header_lines * styles.LINE_HEIGHT + 2
    for offset, entries in enumerate(table.rows, start=1):
        for col, entry in enumerate(entries, start=1):
            put(ws, header_row + offset, col, entry.value, entry.look, entry.number_format)
        _fit_row_height(ws, header_row + offset, str(entries[1].value or ""), widths[2])
    first, last = header_row + 1, header_row + len(table.rows)
    styles.add_rag_formatting(ws, " ".join(cell_range(first, last, c) for c in table.rag_cols))
    styles.add_alert_formatting(ws, " ".join(cell_range(first, last, c) for c in table.alert_cols))
    # A blank row ends the table, so that the sheet reads back as a return.
    return _notes(ws, last + 2, table, widths)


def _fit_row_height(ws: Worksheet, row: int, description: str, width: float) -> None:
    # Wrapped descriptions: LibreOffice (and so --pdf) does not grow such rows by itself.
    lines = lines_needed(description, width)
    if lines > 1:
        ws.row_dimensions[row].height = lines * styles.LINE_HEIGHT + 2


def _notes(ws: Worksheet, row: int, table: Table, widths: dict[int, float]) -> int:
    span = (1, len(table.headers))
    width = sum(widths.get(c, FIGURE_WIDTH) for c in range(1, span[1] + 1))
    paragraphs = [(i.footnote, Look.NOTE) for i in table.indicators if i.footnote]
    paragraphs += [(line, Look.NOTE) for line in table.at_risk]
    paragraphs += [(f"{line.ref} – {line.text}", Look.PARAGRAPH) for line in table.commentary]
    for paragraph, look in paragraphs:
        put_paragraph(ws, row, span, paragraph, width, look)
        row += 2
    return row
