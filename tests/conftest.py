"""Shared test helpers: workbooks made by test code, a small register, the CLI runner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

# the helpers the split test files share assert too: pytest explains their failures as well
pytest.register_assert_rewrite(
    "tests.addin_helpers", "tests.dashboard_helpers", "tests.plausibility_helpers"
)

INDICATOR_HEADER = (
    "ref", "description", "service_area", "kind", "frequency", "unit", "decimals", "polarity",
    "target", "floor", "ytd", "upper", "lower", "alert_on", "prev_year",
)  # fmt: skip

INDICATORS: list[tuple[Any, ...]] = [
    ("AA01", "Calls answered", "Alpha", "KPI", None, None, None, None, 0.9, 0.8, None, None, None, None, 0.85),
    ("AA02", "Rent outstanding", "Alpha", "KPI", None, None, 1, None, 0.05, 0.10, "none", None, None, None, None),
    ("AA03", "Complaints on time", "Alpha", "KPI", "quarterly", None, None, None, 0.85, 0.8, None, None, None, None, None),
    ("AA04", "Calls received", "Alpha", "Activity", None, None, None, None, None, None, None, 1200, 800, None, 1000),
    ("BB01", "Audits on time", "Beta", "KPI", None, None, None, None, 0.95, None, "mean", None, None, None, None),
    ("BB02", "Cases open", "Beta", "Activity", None, "count", None, None, None, None, "latest", 100, 50, "latest", None),
]  # fmt: skip

AREAS = [
    ("service_area", "department", "lead_title", "lead_name", "cabinet_member", "dashboard", "recipients"),
    ("Alpha", "Dept One", "Director", "A. Person", "C. Member", "D1", "a@example.org; b@example.org"),
    ("Beta", "Dept One", "Head of Service", "B. Person", "C. Member", "D1", "b@example.org"),
]  # fmt: skip

SETTINGS = [("key", "value"), ("organisation", "Test Analytics"), ("fy_start_month", 4)]


def write_book(path: Path, sheets: dict[str, Sequence[Sequence[Any]]], start: str = "A1") -> Path:
    """A workbook whose sheets hold the given rows, the first row at `start`."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    row0, col0 = openpyxl.utils.cell.coordinate_to_tuple(start)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    cell = ws.cell(row0 + r, col0 + c, value)
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s" if "keep-text" in name else cell.data_type
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_register(
    path: Path,
    indicators: Sequence[Sequence[Any]] | None = None,
    header: Sequence[str] = INDICATOR_HEADER,
    areas: Sequence[Sequence[Any]] | None = None,
    settings: Sequence[Sequence[Any]] | None = None,
) -> Path:
    return write_book(
        path,
        {
            "Indicators": [header, *(INDICATORS if indicators is None else indicators)],
            "Service areas": AREAS if areas is None else areas,
            "Settings": SETTINGS if settings is None else settings,
        },
    )


def month(y: int, m: int) -> dt.datetime:
    return dt.datetime(y, m, 1)


@pytest.fixture(autouse=True)
def own_data_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test records into a history store of its own, never the user's (a store holding
    last year's figures would change another test's previous-year column)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


@pytest.fixture
def register_path(tmp_path: Path) -> Path:
    return write_register(tmp_path / "register.xlsx")
