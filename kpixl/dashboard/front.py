"""The front sheets: Guidance (title, notes, RAG key) and the KPI Summary."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import styles
from kpixl.dashboard.cellwriter import cell_range, column_widths, put_paragraph, put_text
from kpixl.dashboard.styles import Look
from kpixl.dashboard.view import DashboardView
from kpixl.rate.forecast import GUIDANCE as FORECAST_GUIDANCE
from kpixl.register.model import Kind

KPI_NOTES = (
    "All Key Performance Indicators are provided with RAG (Red/Amber/Green) ratings.",
    "{rag_note}",
    "Where relevant, RAG ratings are given for both the latest month and year to date (YTD).",
)
RAG_KEY = (
    ("GREEN", "Target has been achieved"),
    ("AMBER", "Floor Standard* achieved but Target has not been met"),
    ("RED", "Floor Standard* has not been achieved"),
)
FLOOR_FOOTNOTE = (
    "*Floor Standards are the minimum performance expected and if not achieved must result in "
    "management action"
)
ACTIVITY_NOTES = (
    "Activity Indicators representing demand levels are also included in the report. They are "
    "not given a RAG rating, instead where appropriate, they are tracked within an expected "
    "range represented by Upper and Lower Thresholds. The Alert provided for Activity Indicators "
    "is whether results are within the expected range or not. Results can either be in expected "
    "range (Yes) or they could be Above or Below. Expected activity thresholds are based on "
    "previous years' trends.",
    "When activity indicators do not have expected thresholds, they are shown in the report to "
    "provide context for the Key Performance Indicators. In such cases the activity indicators "
    "are simply shown with comparison to activity for the previous year.",
)
# The register may say who agreed the targets (Settings key `rag_note`), as the model does.
DEFAULT_RAG_NOTE = "RAG ratings are based on agreed Targets and Floor Standards."
GUIDANCE_WIDTHS = {1: 12.0, 2: 100.0}
SUMMARY_WIDTHS = {1: 90.0, 2: 13.0, 3: 13.0}


def write_guidance(ws: Worksheet, view: DashboardView) -> None:
    settings = view.results.register.settings
    column_widths(ws, GUIDANCE_WIDTHS)
    put_text(ws, 1, 1, settings.title_for(view.dashboard), Look.TITLE)
    put_text(ws, 3, 1, f"Financial Year {view.results.fy_label}", Look.SUBTITLE)
    put_text(ws, 4, 1, f"Results up to {view.period.long_label}", Look.SUBTITLE)
    if settings.organisation:
        put_text(ws, 5, 1, f"Produced by {settings.organisation}", Look.SUBTITLE)
    put_text(ws, 7, 1, "Guidance Notes", Look.HEADING)
    put_text(ws, 9, 1, "Key Performance Indicators", Look.HEADING)
    rag_note = settings.other.get("rag_note") or DEFAULT_RAG_NOTE
    row = _paragraphs(ws, 10, [n.replace("{rag_note}", rag_note) for n in KPI_NOTES])
    put_text(ws, row + 1, 1, "RAG Ratings", Look.HEADING)
    row += 2
    first_key = row
    for word, meaning in RAG_KEY:
        put_text(ws, row, 1, word, Look.KEY)
        put_text(ws, row, 2, meaning, Look.BODY)
        row += 1
    styles.add_rag_formatting(ws, cell_range(first_key, row - 1, 1))
    row = _paragraphs(ws, row + 1, [FLOOR_FOOTNOTE], Look.NOTE)
    put_text(ws, row + 1, 1, "Activity Indicators", Look.HEADING)
    row = _paragraphs(ws, row + 2, list(ACTIVITY_NOTES))
    if view.show_forecast:
        put_text(ws, row + 1, 1, "Year-end Forecasts", Look.HEADING)
        _paragraphs(ws, row + 2, [FORECAST_GUIDANCE])


def _paragraphs(ws: Worksheet, row: int, texts: list[str], look: Look = Look.PARAGRAPH) -> int:
    """Write paragraphs across the sheet's width, one row apart; return the next free row."""
    width = sum(GUIDANCE_WIDTHS.values())
    for paragraph in texts:
        put_paragraph(ws, row, (1, 2), paragraph, width, look)
        row += 2
    return row


def write_summary(ws: Worksheet, view: DashboardView) -> None:
    """Per service area: a header row, then `REF: description | Latest RAG | YTD RAG`."""
    column_widths(ws, SUMMARY_WIDTHS)
    put_text(ws, 1, 1, "Key Performance Indicator Summary", Look.TITLE)
    ws.freeze_panes = "A2"
    row = 3
    ranges: list[str] = []
    for area in view.areas:
        kpis = view.indicators(area.name, Kind.KPI)
        if not kpis:
            continue
        put_text(ws, row, 1, area.name, Look.BLOCK_HEADER)
        put_text(ws, row, 2, "Latest RAG", Look.GROUP)
        put_text(ws, row, 3, "YTD RAG", Look.GROUP)
        first = row + 1
        for ind in kpis:
            row += 1
            latest, ytd = view.rags(ind)
            put_text(ws, row, 1, f"{ind.ref}: {ind.summary_text}", Look.WRAP)
            put_text(ws, row, 2, latest, Look.CENTRE)
            put_text(ws, row, 3, ytd, Look.CENTRE)
        ranges.append(f"{cell_range(first, row, 2)} {cell_range(first, row, 3)}")
        row += 2
    styles.add_rag_formatting(ws, " ".join(ranges))
