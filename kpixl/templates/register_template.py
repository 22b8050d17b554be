"""The blank register template: the three sheets of docs/formats.md, drop-downs and instructions."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.register.load import AREAS, INDICATORS, SETTINGS
from kpixl.register.model import AlertOn, Frequency, Kind, Polarity, RagBasis, Unit, YtdMethod
from kpixl.templates.cells import header, list_validation, put_text, save, title, validation

STAMP = dt.datetime(2024, 4, 1)  # fixed: the blank register does not change with the month
LAST_ROW = {INDICATORS: 1000, AREAS: 200}

# name, the enum of its allowed words (or None), and what to type (input message and instructions)
INDICATOR_COLUMNS: list[tuple[str, type[StrEnum] | None, str]] = [
    ("ref", None, "Required. A unique code, e.g. FN06 or CS04a, as services write it in returns."),
    ("description", None, "Required. The indicator's description, as the dashboard shows it."),
    ("short_description", None, "Optional. A shorter description for the Summary sheet."),
    (
        "service_area",
        None,
        "Required. A service area from sheet 'Service areas' (pick from the list).",
    ),
    (
        "kind",
        Kind,
        "Required. KPI (has a target and gets a RAG rating) or Activity (demand or context figure, no RAG).",
    ),
    ("frequency", Frequency, "monthly (default) or quarterly (figures at the quarter ends only)."),
    (
        "unit",
        Unit,
        "percent (default for KPIs), count (default for Activities), currency_k (£000s), seconds or number.",
    ),
    (
        "decimals",
        None,
        "Decimal places shown (0 to 6, default 0). The RAG compares the value as shown.",
    ),
    (
        "polarity",
        Polarity,
        "higher (bigger is better) or lower. Leave blank to infer it from target and floor.",
    ),
    ("target", None, "KPIs: required. Type percentages as 85%."),
    ("floor", None, "The floor standard. Blank: GREEN at target, else RED."),
    (
        "ytd",
        YtdMethod,
        "How the year to date is worked out: ratio (rates, from numerators and denominators), mean, sum, latest or none.",
    ),
    (
        "upper",
        None,
        "Activities: the top of the expected range (give upper and lower, or neither).",
    ),
    ("lower", None, "Activities: the bottom of the expected range."),
    (
        "alert_on",
        AlertOn,
        "Activities: compare the range with the year to date (ytd, default) or the latest month (latest).",
    ),
    ("prev_year", None, "The previous year's outturn, used when no return gives it."),
    (
        "rag_basis",
        RagBasis,
        "displayed (compare the value as shown, default) or exact. Blank: the setting.",
    ),
    ("min", None, "The lowest valid value (default 0). E.g. -100% for a % reduction."),
    ("max", None, "The highest valid value (default 100% for percent, none otherwise)."),
    ("footnote", None, "Text printed under the indicator's table on the dashboard."),
    ("order", None, "A number to sort indicators inside their service area (default: row order)."),
    (
        "table",
        None,
        "Optional. A label that splits a service area's page into blocks, each with its own tables and printed on its own page; a new block starts where the label changes.",
    ),
    (
        "periods_shown",
        None,
        "Optional. Months the indicator's table shows (quarter ends for quarterly ones), 1 to 24; a table shows the largest of its indicators'. Blank: the setting.",
    ),
]
AREA_COLUMNS: list[tuple[str, str]] = [
    ("service_area", "Required. The service area's name, unique; a sheet of the dashboard."),
    ("department", "The department it belongs to."),
    ("lead_title", "E.g. Director or Director (interim)."),
    ("lead_name", "The lead's name."),
    ("cabinet_member", "The cabinet member's name."),
    ("dashboard", "Which dashboard it belongs to (default: its department)."),
    ("recipients", "E-mail addresses for the dashboard, separated by ;"),
    ("order", "A number to sort service areas (default: row order)."),
]
# key, default value, what it means
SETTINGS_ROWS: list[tuple[str, str | int, str]] = [
    ("organisation", "", "Who produces the dashboard, e.g. Kent Analytics."),
    ("title", "Performance Dashboard for {dashboard}", "The default dashboard title; {dashboard} is replaced by its name. Add a row title.<dashboard> for one dashboard's own title."),
    ("fy_start_month", 4, "The first month of the financial year (4 = April)."),
    ("periods_shown_kpi", 4, "How many months KPI tables show (1 to 24)."),
    ("periods_shown_activity", 4, "How many months activity tables show (1 to 24)."),
    ("rag_basis", RagBasis.DISPLAYED.value, "displayed or exact (see the rag_basis column)."),
]  # fmt: skip
_NUMBER_COLUMNS = {"target", "floor", "upper", "lower", "prev_year", "min", "max", "order"}


def build_register_template() -> Workbook:
    """A blank register: Instructions, Indicators, Service areas and Settings."""
    wb = Workbook()
    first = wb.active
    assert first is not None  # a new Workbook always has one sheet
    first.title = "Instructions"
    _instructions(first)
    _indicators(wb.create_sheet(INDICATORS))
    _areas(wb.create_sheet(AREAS))
    _settings(wb.create_sheet(SETTINGS))
    return wb


def write_register_template(out: Path) -> Path:
    """Write the blank register template to `out`, atomically."""
    return save(build_register_template(), out, STAMP)


def _column_range(col: int, last: int) -> str:
    letter = get_column_letter(col)
    return f"{letter}2:{letter}{last}"


def _indicators(ws: Worksheet) -> None:
    header(ws, 1, [name for name, _, _ in INDICATOR_COLUMNS])
    ws.freeze_panes = "C2"
    last = LAST_ROW[INDICATORS]
    for col, (name, enum, help_text) in enumerate(INDICATOR_COLUMNS, start=1):
        cells = _column_range(col, last)
        prompt = (name, help_text)
        ws.column_dimensions[get_column_letter(col)].width = 40 if "description" in name else 14
        if enum is not None:
            ws.add_data_validation(list_validation(cells, [m.value for m in enum], prompt))
        elif name == "ref":
            ws.add_data_validation(
                validation(cells, "custom", f"COUNTIF($A$2:$A${last},A2)=1", prompt=prompt,
                           error=("Ref used twice", "This ref is already used: refs must be unique."))
            )  # fmt: skip
        elif name == "service_area":
            areas = f"'{AREAS}'!$A$2:$A${LAST_ROW[AREAS]}"
            ws.add_data_validation(
                validation(cells, "list", areas, prompt=prompt,
                           error=("Unknown service area", f"Add the service area to sheet '{AREAS}' first, then pick it here."))
            )  # fmt: skip
        elif name == "decimals":
            ws.add_data_validation(
                validation(cells, "whole", "0", formula2="6", operator="between", prompt=prompt,
                           error=("Not 0 to 6", "Type a whole number of decimal places from 0 to 6."))
            )  # fmt: skip
        elif name == "periods_shown":
            ws.add_data_validation(
                validation(cells, "whole", "1", formula2="24", operator="between", prompt=prompt,
                           error=("Not 1 to 24", "Type a whole number of periods from 1 to 24."))
            )  # fmt: skip
        elif name in _NUMBER_COLUMNS:
            top = f"{get_column_letter(col)}2"
            ws.add_data_validation(
                validation(cells, "custom", f"ISNUMBER({top})", prompt=prompt,
                           error=("Not a number", "Type a number; percentages as 85%."))
            )  # fmt: skip
        else:
            ws.add_data_validation(validation(cells, None, prompt=prompt))


def _areas(ws: Worksheet) -> None:
    header(ws, 1, [name for name, _ in AREA_COLUMNS])
    ws.freeze_panes = "B2"
    last = LAST_ROW[AREAS]
    for col, (name, help_text) in enumerate(AREA_COLUMNS, start=1):
        cells = _column_range(col, last)
        ws.column_dimensions[get_column_letter(col)].width = 30
        if name == "service_area":
            rule = validation(cells, "custom", f"COUNTIF($A$2:$A${last},A2)=1",
                              prompt=(name, help_text),
                              error=("Name used twice", "Service area names must be unique."))  # fmt: skip
        else:
            rule = validation(cells, None, prompt=(name, help_text))
        ws.add_data_validation(rule)


def _settings(ws: Worksheet) -> None:
    header(ws, 1, ["key", "value"])
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 50
    for row, (key, value, help_text) in enumerate(SETTINGS_ROWS, start=2):
        put_text(ws, row, 1, key)
        if isinstance(value, int):
            ws.cell(row=row, column=2, value=value)
            rule = validation(
                f"B{row}", "whole", "1", formula2="12" if key == "fy_start_month" else "24",
                operator="between", prompt=(key, help_text),
                error=("Out of range", f"{key}: type a whole number. {help_text}"),
            )  # fmt: skip
        elif key == "rag_basis":
            put_text(ws, row, 2, value)
            rule = list_validation(f"B{row}", [m.value for m in RagBasis], (key, help_text))
        else:
            if value:
                put_text(ws, row, 2, value)
            rule = validation(f"B{row}", None, prompt=(key, help_text))
        ws.add_data_validation(rule)


def _instructions(ws: Worksheet) -> None:
    title(ws, 1, "Indicator register")
    lines = [
        "This workbook tells kpixl what each KPI and activity is, its thresholds, and who sees it.",
        "Fill in one row per service area on sheet 'Service areas' first, then one row per "
        "indicator on sheet 'Indicators'.",
        "Keep the column names in row 1: their order does not matter, and columns kpixl does not "
        "know are ignored.",
        "Type percentages as 85% (Excel stores 0.85). Drop-down lists show the allowed words.",
        "Check the register by building a dashboard: kpixl build RETURNS --register register.xlsx",
        "",
    ]
    row = 3
    for line in lines:
        put_text(ws, row, 1, line)
        row += 1
    for sheet, columns in (
        (INDICATORS, [(n, h) for n, _, h in INDICATOR_COLUMNS]),
        (AREAS, AREA_COLUMNS),
        (SETTINGS, [(k, h) for k, _, h in SETTINGS_ROWS]),
    ):
        put_text(ws, row, 1, f"Sheet '{sheet}'", bold=True)
        row += 1
        for name, help_text in columns:
            put_text(ws, row, 1, name)
            put_text(ws, row, 2, help_text, wrap=True)
            row += 1
        row += 1
    put_text(ws, row, 1, "Mail settings", bold=True)
    put_text(
        ws, row, 2,
        "Optional rows of 'Settings': smtp_host, smtp_port, smtp_security, smtp_user, "
        "mail_from. Never put a password in the register.",
        wrap=True,
    )  # fmt: skip
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 100
