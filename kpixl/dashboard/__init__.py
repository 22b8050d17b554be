"""The dashboard: results and the register in, the dashboard workbook (and its PDF and CSV) out, laid out like the model."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from kpixl.atomic import write_atomically
from kpixl.dashboard import styles
from kpixl.dashboard.appendix import write_commentary, write_data
from kpixl.dashboard.area import AREA_REPEAT_ROWS, write_area
from kpixl.dashboard.front import write_guidance, write_summary
from kpixl.dashboard.names import dashboard_filename, unique_sheet_names
from kpixl.dashboard.printing import one_page_if_short, set_up_printing
from kpixl.dashboard.save import stamp, workbook_bytes
from kpixl.dashboard.styles import Palette
from kpixl.dashboard.template import load_template, write_template
from kpixl.dashboard.trends import CHART_DATA_SHEET, write_trends
from kpixl.dashboard.validation import HEADER_ROW, write_validation
from kpixl.dashboard.view import DashboardView
from kpixl.read.collector import collector_paused
from kpixl.results import Results

__all__ = [
    "Palette",
    "build_workbook",
    "dashboard_filename",
    "load_template",
    "write_dashboard",
    "write_template",
    "write_view",
]

# Rows printed at the top of every page of a sheet (service-area sheets: AREA_REPEAT_ROWS).
SUMMARY_ONE_PAGE_ROWS = 60  # more rows than this would print too small on one page
REPEAT_ROWS = {"Commentary": "1:1", "Validation": f"{HEADER_ROW}:{HEADER_ROW}", "Data": "1:1"}


def build_workbook(view: DashboardView, out_dir: Path, palette: Palette | None = None) -> Workbook:
    """The dashboard as an openpyxl Workbook; links to returns are relative to `out_dir`."""
    results, dashboard = view.results, view.dashboard
    wb = Workbook()
    styles.use_palette(wb, palette or styles.default_palette())
    guidance = wb.active
    assert guidance is not None  # a new Workbook always has one sheet
    guidance.title = "Guidance"
    write_guidance(guidance, view)
    write_summary(wb.create_sheet("Summary"), view)
    names = unique_sheet_names([a.name for a in view.areas])
    for area, name in zip(view.areas, names, strict=True):
        write_area(wb.create_sheet(name), view, area)
    trends = wb.create_sheet("Trends")
    write_commentary(wb.create_sheet("Commentary"), view)
    write_validation(wb.create_sheet("Validation"), view, out_dir)
    write_data(wb.create_sheet("Data"), view)
    write_trends(trends, wb.create_sheet(CHART_DATA_SHEET), view)
    settings = results.register.settings
    title = settings.title_for(dashboard)
    for ws in wb.worksheets:
        repeat = AREA_REPEAT_ROWS if ws.title in names else REPEAT_ROWS.get(ws.title, "")
        set_up_printing(ws, title, settings.organisation, repeat)
    one_page_if_short(wb["Summary"], SUMMARY_ONE_PAGE_ROWS)
    return wb


def write_dashboard(
    results: Results, dashboard: str, out: Path, palette: Palette | None = None
) -> Path:
    """Write the workbook of one dashboard group to `out`, atomically; return `out`.

    `palette` (from load_template) restyles it. Raises OutputError when the file cannot be
    written (e.g. it is open in Excel), and UsageError when the register has no such dashboard.
    """
    return write_view(DashboardView(results, dashboard), out, palette)


def write_view(view: DashboardView, out: Path, palette: Palette | None = None) -> Path:
    """write_dashboard for a DashboardView already made (the batch also counts its ratings)."""
    out = Path(out)
    with collector_paused():
        wb = build_workbook(view, out.parent, palette)
        data = workbook_bytes(wb, stamp(view.period))
    del wb
    write_atomically(data, out)
    return out
