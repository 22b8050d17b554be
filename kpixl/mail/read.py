"""Read back what a mail needs from a dashboard kpixl wrote: title, period, areas, KPI summary."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kpixl.errors import UsageError
from kpixl.periods import Period, parse_header
from kpixl.read.workbook import Sheet, WorkbookError, read_workbook
from kpixl.values import text_of

# What kpixl.dashboard.front writes: the Guidance lines and the Summary's area header rows.
RESULTS_UP_TO = "Results up to "
FINANCIAL_YEAR = "Financial Year "
PRODUCED_BY = "Produced by "
LATEST_RAG = "Latest RAG"
RAG_WORDS = ("RED", "AMBER", "GREEN")
_FILE_PERIOD = re.compile(r"_(\d{4}-\d{2})$")


@dataclass(frozen=True)
class KpiLine:
    """One row of the Summary sheet: `REF: indicator | Latest RAG | YTD RAG`."""

    ref: str
    indicator: str
    latest: str
    ytd: str


@dataclass(frozen=True)
class AreaSummary:
    name: str
    kpis: tuple[KpiLine, ...]


@dataclass(frozen=True)
class DashboardSummary:
    """The parts of a dashboard workbook that go into the body and subject of its e-mail."""

    path: Path
    title: str
    period: Period
    financial_year: str  # `Financial Year 2024/25`, as the Guidance sheet says it
    produced_by: str  # `Produced by Kent Analytics`, or empty
    service_areas: tuple[str, ...]  # the Data sheet's service areas, in order of appearance
    areas: tuple[AreaSummary, ...]  # the Summary sheet's blocks

    @property
    def kpis(self) -> list[KpiLine]:
        return [kpi for area in self.areas for kpi in area.kpis]

    def counts(self, column: str) -> dict[str, int]:
        """How many KPIs are RED, AMBER and GREEN in `column` (`latest` or `ytd`)."""
        found = Counter(getattr(kpi, column).upper() for kpi in self.kpis)
        return {word: found[word] for word in RAG_WORDS}


def read_dashboard(path: Path) -> DashboardSummary:
    """Read a dashboard workbook (never writing to it); UsageError if it is not a kpixl one."""
    path = Path(path)
    try:
        book = read_workbook(path)
    except WorkbookError as exc:
        raise UsageError(f"{path}: cannot read the dashboard: {exc}") from None
    sheets = {s.name.strip().lower(): s for s in book.sheets}
    missing = [n for n in ("Summary", "Data") if n.lower() not in sheets]
    if missing:
        raise UsageError(
            f"{path.name} is not a kpixl dashboard (it has no {' or '.join(missing)} sheet): "
            "give the .xlsx file that `kpixl build` wrote"
        )
    guidance = sheets.get("guidance")
    lines = [text_of(r[0]) for r in guidance.rows if r] if guidance is not None else []
    data = _data_columns(path, sheets["data"])
    return DashboardSummary(
        path=path,
        title=lines[0] if lines and lines[0] else dashboard_name_from_file(path),
        period=_period(path, lines, data.get("period", [])),
        financial_year=_line_starting(lines, FINANCIAL_YEAR),
        produced_by=_line_starting(lines, PRODUCED_BY),
        service_areas=tuple(dict.fromkeys(a for a in data["service_area"] if a)),
        areas=_summary(sheets["summary"]),
    )


def dashboard_name_from_file(path: Path) -> str:
    """`CED-DCED` from `CED-DCED_2025-03.xlsx`, the name `kpixl build` gives a dashboard file."""
    return _FILE_PERIOD.sub("", path.stem) or path.stem


def _data_columns(path: Path, sheet: Sheet) -> dict[str, list[str]]:
    """The Data sheet as text columns by header; it must have the columns kpixl writes."""
    header = [text_of(v).lower() for v in sheet.rows[0]] if sheet.rows else []
    if "service_area" not in header or "ref" not in header:
        raise UsageError(
            f"{path.name} is not a kpixl dashboard (its Data sheet has no ref and service_area "
            "columns in row 1): give the .xlsx file that `kpixl build` wrote"
        )
    columns: dict[str, list[str]] = {name: [] for name in header if name}
    for row in sheet.rows[1:]:
        for index, name in enumerate(header):
            if name:
                columns[name].append(text_of(row[index]) if index < len(row) else "")
    return columns


def _line_starting(lines: list[str], prefix: str) -> str:
    return next((line for line in lines if line.startswith(prefix)), "")


def _period(path: Path, guidance: list[str], data_periods: list[str]) -> Period:
    """The reporting period: the Guidance sheet's `Results up to March 2025`, else the latest
    period of the Data sheet, else the `_YYYY-MM` of the file name."""
    stated = _line_starting(guidance, RESULTS_UP_TO)
    found = parse_header(stated.removeprefix(RESULTS_UP_TO)) if stated else None
    if found is not None:
        return found
    periods = [p for p in (parse_header(text) for text in data_periods) if p is not None]
    if periods:
        return max(periods)
    match = _FILE_PERIOD.search(path.stem)
    if match:
        try:
            return Period.parse(match.group(1))
        except ValueError:
            pass  # `_1900-01` in a name is no month kpixl reports: said below
    raise UsageError(
        f"{path.name}: cannot tell which month this dashboard reports (no `Results up to` line "
        "on its Guidance sheet, no periods on its Data sheet): rebuild it with `kpixl build`"
    )


def _summary(sheet: Sheet) -> tuple[AreaSummary, ...]:
    """Blocks of the Summary sheet: a row `area | Latest RAG | YTD RAG`, then its KPI rows."""
    areas: list[AreaSummary] = []
    name: str | None = None
    kpis: list[KpiLine] = []
    for row in sheet.rows[1:]:
        first, latest, ytd = (text_of(row[i]) if i < len(row) else "" for i in range(3))
        if latest == LATEST_RAG:
            if name is not None:
                areas.append(AreaSummary(name, tuple(kpis)))
            name, kpis = first, []
        elif name is not None and first:
            ref, sep, indicator = first.partition(": ")
            kpis.append(KpiLine(ref if sep else "", indicator if sep else first, latest, ytd))
    if name is not None:
        areas.append(AreaSummary(name, tuple(kpis)))
    return tuple(areas)
