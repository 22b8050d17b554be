"""The dashboard workbook: one per dashboard group and period, laid out like the model."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from kpixl.atomic import write_atomically
from kpixl.dashboard import styles
from kpixl.dashboard.appendix import write_commentary, write_data
from kpixl.dashboard.area import write_area
from kpixl.dashboard.front import write_guidance, write_summary
from kpixl.dashboard.names import dashboard_filename, unique_sheet_names
from kpixl.dashboard.save import stamp, workbook_bytes
from kpixl.dashboard.validation import write_validation
from kpixl.dashboard.view import DashboardView
from kpixl.results import Results

__all__ = ["build_workbook", "dashboard_filename", "write_dashboard"]


def build_workbook(results: Results, dashboard: str, out_dir: Path) -> Workbook:
    """The dashboard as an openpyxl Workbook; links to returns are relative to `out_dir`."""
    view = DashboardView(results, dashboard)
    wb = Workbook()
    guidance = wb.active
    assert guidance is not None  # a new Workbook always has one sheet
    guidance.title = "Guidance"
    write_guidance(guidance, view)
    write_summary(wb.create_sheet("Summary"), view)
    names = unique_sheet_names([a.name for a in view.areas])
    for area, name in zip(view.areas, names, strict=True):
        write_area(wb.create_sheet(name), view, area)
    write_commentary(wb.create_sheet("Commentary"), view)
    write_validation(wb.create_sheet("Validation"), view, out_dir)
    write_data(wb.create_sheet("Data"), view)
    for ws in wb.worksheets:
        styles.fit_to_page_width(ws)
    return wb


def write_dashboard(results: Results, dashboard: str, out: Path) -> Path:
    """Write the workbook of one dashboard group to `out`, atomically; return `out`.

    Raises OutputError when the file cannot be written (e.g. it is open in Excel), and
    UsageError when the register has no such dashboard.
    """
    out = Path(out)
    wb = build_workbook(results, dashboard, out.parent)
    write_atomically(workbook_bytes(wb, stamp(results.period)), out)
    return out
