"""Shared by the dashboard tests: a small register and its results, the workbook, cell readers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard import dashboard_filename, write_dashboard
from kpixl.issues import Issue, IssueCode, Report, Severity
from kpixl.periods import Period
from kpixl.rate.rating import direction, rag
from kpixl.register.model import (
    Frequency,
    Indicator,
    Kind,
    Register,
    ServiceArea,
    Settings,
    Unit,
    YtdMethod,
)
from kpixl.results import DATA_COLUMNS, Commentary, Results

DASHBOARD = "CED-DCED"
PERIOD = Period(2025, 3)
FINANCE, MARKETING = "Finance", "Marketing and Resident Experience"
HR = "Human Resources and Organisational Development"
FORMULA_LIKE = '=HYPERLINK("http://x","click")'
KPI_HEADERS_AFTER = [
    "Month RAG", "YTD", "YTD RAG", "Target", "Floor", "Prev. Year", "Since last month",
]  # fmt: skip
SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _kpi(ref: str, area: str, target: float, floor: float, **kw: Any) -> Indicator:
    return Indicator(ref, f"Description of {ref}", area, Kind.KPI, target=target, floor=floor, **kw)


def _activity(ref: str, area: str, **kw: Any) -> Indicator:
    kw.setdefault("unit", Unit.COUNT)
    return Indicator(ref, f"Description of {ref}", area, Kind.ACTIVITY, **kw)


INDICATORS = [
    _kpi("FN06", FINANCE, 0.70, 0.65, ytd=YtdMethod.NONE, prev_year=0.73),
    _kpi("FN07", FINANCE, 0.85, 0.80, ytd=YtdMethod.MEAN, prev_year=0.81, footnote="*FN07 note"),
    _activity("FN07b", FINANCE, ytd=YtdMethod.SUM, prev_year=98834),
    _kpi("CS01", MARKETING, 0.97, 0.90, short_description="Callers who rate advisors good"),
    _kpi("CS07", MARKETING, 0.85, 0.80, frequency=Frequency.QUARTERLY),
    _activity("CS08", MARKETING, ytd=YtdMethod.SUM, upper=460000, lower=383000),
    _activity("CS13", MARKETING, unit=Unit.SECONDS, ytd=YtdMethod.MEAN, upper=120, lower=30),
    _kpi("HR09", HR, 0.97, 0.95, decimals=1),
    _kpi("OT01", "Other area", 0.5, 0.4),
]


def _register() -> Register:
    def area(name: str, dashboard: str = DASHBOARD, **kw: Any) -> ServiceArea:
        return ServiceArea(name, dashboard=dashboard, **kw)

    areas = [
        area(
            FINANCE,
            department="Chief Executive's Department",
            lead_title="Director (interim)",
            lead_name="John Betts",
            cabinet_member="Brian Collins",
        ),
        area(
            MARKETING,
            department="Deputy Chief Executive's Department",
            lead_title="Head of Service",
            lead_name="Christina Starte",
        ),
        area(HR, lead_name="Paul Royel"),
        area("Other area", dashboard="Other"),
    ]
    settings = Settings(
        organisation="Kent Analytics",
        titles={DASHBOARD: "Performance Dashboard for the Chief Executive's Department"},
    )
    return Register(
        Path("register.xlsx"),
        {i.ref: i for i in INDICATORS},
        {a.name: a for a in areas},
        settings,
    )


# Each indicator's values over FY 2024/25 (quarterly: Jun, Sep, Dec, Mar); None: not given.
SERIES: dict[str, list[float | None]] = {
    "FN06": [0.60, 0.62, 0.58, 0.55, 0.50, 0.45, 0.44, 0.42, 0.41, 0.31, 0.50, 0.34],
    "FN07": [0.82, 0.85, 0.88, 0.80, 0.84, 0.86, 0.85, 0.83, 0.86, None, 0.78, 0.87],
    "CS01": [0.97, 0.97, 0.97, 0.96, 0.97, 0.96, 0.97, 0.96, 0.97, 0.96, 0.97, 0.95],
    "CS07": [0.66, 0.71, 0.71, 0.70],
    "HR09": [0.98] * 12,
    "FN07b": [7000.0 + 100 * n for n in range(12)],
    "CS08": [30000.0 + 10 * n for n in range(12)],
    "CS13": [40.0 + n for n in range(12)],
    "OT01": [0.5] * 12,
}


def _series(ind: Indicator) -> Iterator[tuple[Period, float | None]]:
    months = PERIOD.fy_months()
    periods = [p for p in months if p.is_quarter_end()] if ind.is_quarterly else months
    return zip(periods, SERIES[ind.ref], strict=True)


def _rows(ind: Indicator) -> Iterator[dict[str, Any]]:
    seen: list[float] = []
    previous: float | None = None
    for period, value in _series(ind):
        seen += [] if value is None else [value]
        ytd = None if ind.ytd is YtdMethod.NONE or not seen else sum(seen)
        if ytd is not None and ind.ytd is not YtdMethod.SUM:
            ytd /= len(seen)
        alert = None
        if ind.has_range and ytd is not None:
            alert = (
                "Above" if ytd > (ind.upper or 0) else "Below" if ytd < (ind.lower or 0) else "Yes"
            )
        rags = (rag(value, ind), rag(ytd, ind))
        yield {
            "ref": ind.ref, "description": ind.description, "service_area": ind.service_area,
            "kind": ind.kind.value, "period": str(period), "value": value,
            "month_rag": rags[0].value if rags[0] else None,
            "ytd": ytd, "ytd_rag": rags[1].value if rags[1] else None, "alert": alert,
            "target": ind.target, "floor": ind.floor, "upper": ind.upper, "lower": ind.lower,
            "prev_year": ind.prev_year, "direction": _direction(value, previous, ind),
            "source": f"r.xlsx!Data!C{period.month}",
        }  # fmt: skip
        previous = value if value is not None else previous


def _direction(value: float | None, previous: float | None, ind: Indicator) -> str | None:
    found = direction(value, previous, ind) if ind.is_kpi else None
    return None if found is None else str(found)


def _source_workbook(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Finance data"
    ws["A1"], ws["C7"] = "Ref", "eighty"
    wb.save(path)


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Results:
    monkeypatch.chdir(tmp_path)
    _source_workbook(tmp_path / "returns" / "finance.xlsx")
    rows = [row for ind in INDICATORS for row in _rows(ind)]
    data = pd.DataFrame(rows, columns=list(DATA_COLUMNS)).astype(object)
    data = data.where(pd.notna(data), None)
    report = Report()
    report.add(Issue(Severity.WARNING, IssueCode.DRAG_FILL, "Looks drag-filled.", ref="CS08"))
    report.add(
        Issue(
            Severity.ERROR,
            IssueCode.NOT_NUMERIC,
            "Type a number, not 'eighty'.",
            file="returns/finance.xlsx",
            sheet="Finance data",
            cell="C7",
            ref="FN07",
            period="2025-03",
        )
    )
    commentary = [
        Commentary(FINANCE, "FN07", PERIOD, FORMULA_LIKE, "finance.xlsx!Data!L7"),
        Commentary(FINANCE, "FN07", Period(2025, 2), "Older comment", "finance.xlsx!Data!L7"),
        Commentary(FINANCE, "FN06", PERIOD, "+1", "finance.xlsx!Data!L6"),
        Commentary(MARKETING, "CS07", PERIOD, "-2", "mkt.xlsx!Data!L9"),
        Commentary(MARKETING, "CS08", PERIOD, "@SUM(A1)", "mkt.xlsx!Data!L10"),
        Commentary("Other area", "OT01", PERIOD, "Not for this dashboard", "o.xlsx!A!L1"),
    ]
    return Results(_register(), PERIOD, data, report, commentary)


@pytest.fixture
def out(results: Results, tmp_path: Path) -> Path:
    target = tmp_path / "out" / dashboard_filename(DASHBOARD, PERIOD)
    target.parent.mkdir()
    return write_dashboard(results, DASHBOARD, target)


@pytest.fixture
def book(out: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(out)


def values(ws: Worksheet) -> list[list[Any]]:
    """The sheet as rows of values, trailing empty cells dropped, empty rows kept."""
    rows = []
    for row in ws.iter_rows(values_only=True):
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        rows.append(cells)
    return rows


def row_of(ws: Worksheet, first: str, after: int = 0) -> int:
    """The 1-based number of the first row (after row `after`) whose column A reads `first`."""
    for number, row in enumerate(values(ws), start=1):
        if number > after and row and row[0] == first:
            return number
    raise AssertionError(f"no row starting {first!r} in {ws.title}")


def rules_over(ws: Worksheet, coordinate: str) -> dict[str, str]:
    """Conditional-format words covering a cell -> the fill colour each gives it."""
    found = {}
    for cf in ws.conditional_formatting:
        if coordinate in cf.sqref:
            for rule in cf.rules:
                assert rule.type == "cellIs" and rule.operator == "equal"
                found[rule.formula[0].strip('"')] = rule.dxf.fill.fgColor.rgb[-6:]
    return found
