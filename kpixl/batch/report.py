"""The batch run report: what happened to every input file and what every dashboard shows.

Written as `run_report.xlsx` (for a team leader) and `run_report.json` (for scripts). The
workbook holds no clock time, so the same inputs give the same bytes; the seconds each file took
to read are in the JSON only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.atomic import write_atomically
from kpixl.dashboard import styles
from kpixl.dashboard.cellwriter import cell_range, column_widths, put_number, put_text
from kpixl.dashboard.save import stamp, workbook_bytes
from kpixl.dashboard.styles import Look
from kpixl.dashboard.view import DashboardView
from kpixl.issues import FIELDS, Issue, IssueCode, Severity, count_by_severity
from kpixl.periods import Period
from kpixl.read.returns import ReturnFile
from kpixl.register.model import Kind, Register

REPORT_XLSX, REPORT_JSON = "run_report.xlsx", "run_report.json"
RAG_WORDS = ("GREEN", "AMBER", "RED")
_NO_PERIOD_STAMP = dt.datetime(1980, 1, 1)  # the earliest time a zip file can record


class FileStatus(StrEnum):
    READ = "read"
    READ_WITH_ERRORS = "read with errors"
    UNREADABLE = "unreadable"
    SKIPPED = "skipped"


@dataclass
class FileEntry:
    """One input file: what became of it."""

    file: str  # relative to the input folder, with /
    status: FileStatus
    service_areas: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)  # YYYY-MM with a figure in this file
    errors: int = 0
    warnings: int = 0
    note: str = ""  # why it was skipped, or its first error
    seconds: float = 0.0


@dataclass
class DashboardEntry:
    """One dashboard written: how many KPIs it rates and how they came out."""

    dashboard: str
    file: str
    service_areas: int
    kpis: int
    rated: int
    latest: dict[str, int]  # Month/Qtr RAG at the period: GREEN/AMBER/RED -> count
    ytd: dict[str, int]


@dataclass
class RunReport:
    version: str
    register: str
    in_dir: str
    period: str  # YYYY-MM, or "" when nothing could be rated
    files: list[FileEntry]
    dashboards: list[DashboardEntry]
    issues: list[Issue]
    seconds: float = 0.0

    def status_counts(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.files)
        return {s.value: counts[s] for s in FileStatus}

    def issue_counts(self) -> dict[str, int]:
        """Every issue found, those an "and N more like these" line stands for included."""
        return count_by_severity(self.issues)

    def revisions(self) -> int:
        """Figures this run changed from what the history store held (`revised` warnings)."""
        return sum(i.count for i in self.issues if i.code is IssueCode.REVISED)

    def as_json(self) -> dict[str, Any]:
        return {
            "kpixl_version": self.version,
            "register": self.register,
            "input_folder": self.in_dir,
            "period": self.period,
            "seconds": round(self.seconds, 3),
            "files_by_status": self.status_counts(),
            "issues_by_severity": self.issue_counts(),
            "revisions": self.revisions(),
            "files": [
                {**asdict(f), "status": f.status.value, "seconds": round(f.seconds, 3)}
                for f in self.files
            ],
            "dashboards": [asdict(d) for d in self.dashboards],
            "issues": [i.as_dict() for i in self.issues],
        }


def file_entries(
    read: Sequence[ReturnFile],
    skipped: dict[Path, str],
    issues: Sequence[Issue],
    register: Register,
    relative: dict[Path, str],
) -> list[FileEntry]:
    """An entry per return read and per file skipped, in the order of their names."""
    counts: Counter[tuple[str, Severity]] = Counter()
    for issue in issues:  # an "and N more like these" line counts as the N it stands for
        counts[(issue.file, issue.severity)] += issue.count
    first_error: dict[str, str] = {}
    for issue in issues:
        if issue.severity is Severity.ERROR:
            first_error.setdefault(issue.file, issue.message)
    area_order = {name: n for n, name in enumerate(register.service_areas)}
    entries = [
        FileEntry(relative[path], FileStatus.SKIPPED, note=why) for path, why in skipped.items()
    ]
    for rf in read:
        name = str(rf.path)
        errors = counts[(name, Severity.ERROR)]
        status = (
            FileStatus.UNREADABLE
            if not rf.readable
            else FileStatus.READ_WITH_ERRORS
            if errors
            else FileStatus.READ
        )
        refs, given = rf.refs_and_periods()
        found = {ind.service_area for ind in map(register.find, refs) if ind is not None}
        periods = {str(p) for p in given}
        entries.append(
            FileEntry(
                relative.get(rf.path, str(rf.path)),
                status,
                sorted(found, key=lambda a: (area_order.get(a, len(area_order)), a)),
                sorted(periods),
                errors,
                counts[(name, Severity.WARNING)],
                first_error.get(name, ""),
                rf.seconds,
            )
        )
    return sorted(entries, key=lambda e: e.file)


def dashboard_entry(view: DashboardView, file: str) -> DashboardEntry:
    """The RAG counts a dashboard's Summary sheet shows, counted."""
    latest: Counter[str] = Counter()
    ytd: Counter[str] = Counter()
    kpis = 0
    for area in view.areas:
        for ind in view.indicators(area.name, Kind.KPI):
            kpis += 1
            month_rag, ytd_rag = view.rags(ind)
            latest[month_rag] += 1
            ytd[ytd_rag] += 1
    return DashboardEntry(
        view.dashboard,
        file,
        len(view.areas),
        kpis,
        sum(latest[w] for w in RAG_WORDS),
        {w: latest[w] for w in RAG_WORDS},
        {w: ytd[w] for w in RAG_WORDS},
    )


def write_report(report: RunReport, out_dir: Path) -> list[Path]:
    """Write run_report.xlsx and run_report.json into `out_dir`, each atomically."""
    xlsx, js = out_dir / REPORT_XLSX, out_dir / REPORT_JSON
    when = stamp(Period.parse(report.period)) if report.period else _NO_PERIOD_STAMP
    write_atomically(workbook_bytes(report_workbook(report), when), xlsx)
    text = json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n"
    write_atomically(text.encode("utf-8"), js)
    return [xlsx, js]


def report_workbook(report: RunReport) -> Workbook:
    wb = Workbook()
    summary = wb.active
    assert summary is not None  # a new Workbook always has one sheet
    summary.title = "Summary"
    _summary(summary, report)
    _table(
        wb.create_sheet("Files"),
        ("File", "Status", "Service areas", "Periods found", "Errors", "Warnings", "Note"),
        [
            (f.file, f.status.value, "; ".join(f.service_areas), _periods(f.periods),
             f.errors, f.warnings, f.note)
            for f in report.files
        ],
        {1: 45, 2: 16, 3: 30, 4: 22, 5: 8, 6: 9, 7: 80},
    )  # fmt: skip
    _table(
        wb.create_sheet("Dashboards"),
        ("Dashboard", "File", "Service areas", "KPIs", "KPIs rated", *RAG_WORDS,
         *(f"YTD {w}" for w in RAG_WORDS)),
        [
            (d.dashboard, d.file, d.service_areas, d.kpis, d.rated,
             *(d.latest[w] for w in RAG_WORDS), *(d.ytd[w] for w in RAG_WORDS))
            for d in report.dashboards
        ],
        {1: 30, 2: 36, 3: 13, 4: 8, 5: 11, 6: 9, 7: 9, 8: 9, 9: 12, 10: 12, 11: 12},
    )  # fmt: skip
    issues = wb.create_sheet("Issues")
    _table(
        issues,
        tuple(f.capitalize() for f in FIELDS),
        [tuple(i.as_dict()[f] for f in FIELDS) for i in report.issues],
        {1: 10, 2: 20, 3: 45, 4: 18, 5: 8, 6: 10, 7: 10, 8: 80},
    )
    if report.issues:
        styles.add_severity_formatting(issues, cell_range(2, len(report.issues) + 1, 1))
    for ws in wb.worksheets:
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    return wb


def _summary(ws: Worksheet, report: RunReport) -> None:
    column_widths(ws, {1: 28, 2: 60})
    put_text(ws, 1, 1, "kpixl batch run report", Look.TITLE)
    facts: list[tuple[str, str | int]] = [
        ("Period", Period.parse(report.period).long_label if report.period else "none"),
        ("Input folder", report.in_dir),
        ("Register", report.register),
        ("kpixl version", report.version),
        *((f"Files {status}", n) for status, n in report.status_counts().items()),
        ("Errors", report.issue_counts()["error"]),
        ("Warnings", report.issue_counts()["warning"]),
        ("Revised figures", report.revisions()),
        ("Dashboards written", len(report.dashboards)),
    ]
    for row, (label, value) in enumerate(facts, start=3):
        put_text(ws, row, 1, label, Look.BLOCK_HEADER)
        if isinstance(value, int):
            put_number(ws, row, 2, value, "0")
        else:
            put_text(ws, row, 2, value)


def _table(
    ws: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[str | int]],
    widths: dict[int, float],
) -> None:
    """A header row and rows below it: text always written as text, counts as numbers."""
    column_widths(ws, widths)
    for col, header in enumerate(headers, start=1):
        put_text(ws, 1, col, header, Look.HEADER)
    last = 1
    for last, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            if isinstance(value, int):
                put_number(ws, last, col, value, "0")
            else:
                put_text(ws, last, col, value, Look.WRAP if widths.get(col, 0) >= 45 else Look.BODY)
    ws.freeze_panes = "A2"
    if last > 1:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"


def _periods(periods: list[str]) -> str:
    """`Apr-24 to Mar-25` for a run of consecutive months; runs separated by commas."""
    parsed = [Period.parse(p) for p in periods]
    runs: list[list[Period]] = []
    for p in parsed:
        if runs and runs[-1][-1].shift(1) == p:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(r[0].label if len(r) == 1 else f"{r[0].label} to {r[-1].label}" for r in runs)
