"""The return a service fills in: the template layout of docs/formats.md, locked but for the input cells,
and a read-only `History` sheet of the figures already sent this financial year."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.dashboard.cellwriter import lines_needed
from kpixl.dashboard.styles import number_format
from kpixl.periods import MONTHS, Period
from kpixl.register.model import Indicator, Register, ServiceArea, Unit, YtdMethod, as_shown
from kpixl.templates.cells import (
    KEY_FILL,
    boxed,
    fit_to_width,
    header,
    make_input,
    number_text,
    protect,
    put_text,
    title,
    validation,
)

RETURN_SHEET, HISTORY_SHEET = "Return", "History"
KEY_ROW = 4  # Service area, Period, Prepared by, Date prepared: rows 4 to 7
HEADER_ROW = 9
COLUMNS = [
    "Ref", "Indicator", "Value", "Numerator", "Denominator", "YTD", "Prev. Year", "Commentary",
    "Unit", "Target", "Floor", "Expected range", "Frequency",
]  # fmt: skip
INPUTS = ("Value", "Numerator", "Denominator", "YTD", "Prev. Year", "Commentary")
COL = {name: i for i, name in enumerate(COLUMNS, start=1)}
WIDTHS = {"Ref": 10, "Indicator": 56, "Commentary": 50, "Expected range": 18, "Frequency": 26}
_UNIT_WORDS = {
    Unit.PERCENT: ("percentage", "a percentage, e.g. 85%"),
    Unit.COUNT: ("count", "a number"),
    Unit.CURRENCY_K: ("£000s", "an amount in £000s, e.g. 1,250 for £1.25m"),
    Unit.SECONDS: ("seconds", "a number of seconds"),
    Unit.NUMBER: ("number", "a number"),
}
NO_FIGURE = "Type n/a if there is no figure, and say why in Commentary."


@dataclass(frozen=True)
class History:
    """The figures kpixl already holds for the FY months before a template's period."""

    months: tuple[Period, ...] = ()
    values: dict[str, dict[Period, float]] = field(default_factory=dict)
    files: int = 0  # returns read
    errors: int = 0  # errors found in them (those figures are left out)


def shown(x: float, ind: Indicator) -> str:
    """A figure as the dashboard shows it: `97%`, `99.8%`, `1,200`."""
    return as_shown(x, ind.unit, ind.decimals)


def build_return(
    register: Register, area: ServiceArea, period: Period, history: History | None = None
) -> Workbook:
    """The return template of one service area for one month."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new Workbook always has one sheet
    ws.title = RETURN_SHEET
    fy_start = register.settings.fy_start_month
    indicators = register.indicators_of(area.name)
    _top(ws, register, area, period)
    header(ws, HEADER_ROW, COLUMNS)
    row = HEADER_ROW
    for row, ind in enumerate(indicators, start=HEADER_ROW + 1):
        _indicator_row(ws, row, ind, period, fy_start)
    _notes(ws, row + 2, indicators, period, fy_start)
    _page(ws)
    if history is not None:
        write_history(wb.create_sheet(HISTORY_SHEET), register, indicators, period, history)
    return wb


def _top(ws: Worksheet, register: Register, area: ServiceArea, period: Period) -> None:
    organisation = register.settings.organisation
    title(ws, 1, f"KPI return: {area.name}, {period.long_label}")
    put_text(
        ws, 2, 1,
        "Type in the yellow cells only. Percentages: type 85% (or 85 in a % cell). "
        f"{NO_FIGURE} Grey cells are not asked for this month. Select a cell to see what it needs."
        + (f" Return it to {organisation}." if organisation else ""),
        wrap=True,
    )  # fmt: skip
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=COL["Commentary"])
    ws.row_dimensions[2].height = 40
    rows = [("Service area", area.name), ("Period", str(period)), ("Prepared by", None),
            ("Date prepared", None)]  # fmt: skip
    for row, (key, value) in enumerate(rows, start=KEY_ROW):
        boxed(put_text(ws, row, 1, key, bold=True), fill=KEY_FILL)
        cell = ws.cell(row=row, column=2)
        if value is not None:
            boxed(put_text(ws, row, 2, value, bold=True))
            continue
        make_input(cell)
        ws.add_data_validation(_key_rule(key, cell.coordinate))
        cell.number_format = "dd/mm/yyyy" if key == "Date prepared" else "@"


def _key_rule(key: str, ref: str) -> DataValidation:
    if key == "Prepared by":
        return validation(
            ref, "textLength", "100", operator="lessThanOrEqual",
            prompt=("Prepared by", "Your name, so the performance team knows whom to ask."),
            error=("Too long", "Type a name of at most 100 characters."),
        )  # fmt: skip
    return validation(
        ref, "date", "DATE(2000,1,1)", formula2="DATE(2099,12,31)", operator="between",
        prompt=("Date prepared", "The date you filled this in, e.g. 07/04/2025."),
        error=("Not a date", "Type a date, e.g. 07/04/2025."),
    )  # fmt: skip


def is_due(ind: Indicator, period: Period, fy_start: int) -> bool:
    return not ind.is_quarterly or period.is_quarter_end(fy_start)


def asks(name: str, ind: Indicator) -> bool:
    """Whether a template asks for this input of this indicator (when it is due)."""
    if name in ("Numerator", "Denominator"):
        return ind.ytd is YtdMethod.RATIO
    if name == "YTD":
        return ind.ytd is not YtdMethod.NONE
    return True


def _indicator_row(ws: Worksheet, row: int, ind: Indicator, period: Period, fy_start: int) -> None:
    boxed(put_text(ws, row, COL["Ref"], ind.ref, bold=True))
    boxed(put_text(ws, row, COL["Indicator"], ind.description, wrap=True))
    _fit_height(ws, row, ind.description, WIDTHS["Indicator"])
    due = is_due(ind, period, fy_start)
    for name in INPUTS:
        cell = ws.cell(row=row, column=COL[name])
        if not (due and asks(name, ind)):
            boxed(cell, grey=True)
            continue
        make_input(cell)
        if name == "Commentary":
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            cell.number_format = "@"  # what is typed stays text, even `=` or `+`
        elif name in ("Value", "YTD", "Prev. Year"):
            cell.number_format = number_format(ind)
        ws.add_data_validation(input_rule(name, ind, period, cell.coordinate))
    _context(ws, row, ind, period, fy_start)


def _context(ws: Worksheet, row: int, ind: Indicator, period: Period, fy_start: int) -> None:
    """Unit, Target, Floor, range and frequency: locked, for the reader's information."""
    boxed(put_text(ws, row, COL["Unit"], _UNIT_WORDS[ind.unit][0]))
    for name, value in (("Target", ind.target), ("Floor", ind.floor)):
        cell = boxed(ws.cell(row=row, column=COL[name], value=value))
        cell.number_format = number_format(ind)
    expected = (
        f"{shown(ind.lower, ind)} to {shown(ind.upper, ind)}"
        if ind.upper is not None and ind.lower is not None
        else ""
    )
    boxed(put_text(ws, row, COL["Expected range"], expected))
    if not ind.is_quarterly:
        frequency = "Monthly"
    elif is_due(ind, period, fy_start):
        frequency = "Quarterly: due this month"
    else:
        frequency = f"Quarterly: next due {next_quarter_end(period, fy_start).label}"
    boxed(put_text(ws, row, COL["Frequency"], frequency, wrap=True))


def _fit_height(ws: Worksheet, row: int, text: str, width: float) -> None:
    """Excel does not grow a row for wrapped text it did not type itself: set the height."""
    lines = lines_needed(text, width)
    if lines > 1:
        ws.row_dimensions[row].height = lines * 13 + 2


def next_quarter_end(period: Period, fy_start: int) -> Period:
    following = period.shift(1)
    while not following.is_quarter_end(fy_start):
        following = following.shift(1)
    return following


def input_rule(name: str, ind: Indicator, period: Period, ref: str) -> DataValidation:
    """The validation of one input cell, fitted to the indicator's unit; n/a always allowed."""
    if name == "Commentary":
        return validation(ref, None, prompt=(f"{ind.ref} commentary",
                          "Explain the figure: why it changed, what is being done. It goes on "
                          "the dashboard under the table."))  # fmt: skip
    if name in ("Numerator", "Denominator"):
        part = "the number counted in (e.g. calls answered in time)" if name == "Numerator" \
            else "the total it is a share of (e.g. all calls answered)"  # fmt: skip
        prompt = (
            f"{period.long_label}: {part}. The year to date is worked out from these. {NO_FIGURE}"
        )
        return validation(
            ref, "custom", figure_formula(ref, 0.0, None, whole=False),
            prompt=(f"{ind.ref} {name.lower()}", prompt),
            error=(f"{ind.ref} {name.lower()}", "Type a number of at least 0, or n/a."),
        )  # fmt: skip
    whole = ind.unit is Unit.COUNT and ind.decimals == 0
    kind = "a whole number" if whole else _UNIT_WORDS[ind.unit][1].split(", e.g.")[0]
    allowed = _allowed(kind, ind)
    what = {"Value": f"for {period.long_label}", "YTD": f"for the year to date to {period.label}",
            "Prev. Year": "for the same point last year"}[name]  # fmt: skip
    prompt = f"Type {_UNIT_WORDS[ind.unit][1]} {what}. {NO_FIGURE}"
    if name != "Value":
        prompt = "Optional. " + prompt + " Leave blank and kpixl works it out."
    elif ind.is_kpi and ind.target is not None:
        prompt += f" Target {shown(ind.target, ind)}" + (
            f", floor {shown(ind.floor, ind)}." if ind.floor is not None else "."
        )
    return validation(
        ref, "custom", figure_formula(ref, ind.min, ind.max, whole=whole),
        prompt=(f"{ind.ref} {name} ({_UNIT_WORDS[ind.unit][0]})", prompt),
        error=(f"{ind.ref} {name}", f"{ind.ref} {name}: type {allowed}, or n/a if there is no figure."),
    )  # fmt: skip


def _allowed(kind: str, ind: Indicator) -> str:
    if ind.min is not None and ind.max is not None:
        return f"{kind} from {shown(ind.min, ind)} to {shown(ind.max, ind)}"
    if ind.min is not None:
        return f"{kind} of at least {shown(ind.min, ind)}"
    if ind.max is not None:
        return f"{kind} of at most {shown(ind.max, ind)}"
    return kind


def figure_formula(ref: str, low: float | None, high: float | None, *, whole: bool) -> str:
    """A custom validation formula: a number in range, or the text n/a (or -), in one rule;
    Excel's own number rules (decimal, whole) would refuse the text."""
    tests = [f"ISNUMBER({ref})"]
    if whole:
        tests.append(f"{ref}=INT({ref})")
    if low is not None:
        tests.append(f"{ref}>={number_text(low)}")
    if high is not None:
        tests.append(f"{ref}<={number_text(high)}")
    number = tests[0] if len(tests) == 1 else f"AND({','.join(tests)})"
    return f'OR({number},LOWER(TRIM({ref}))="n/a",TRIM({ref})="-")'


def _notes(
    ws: Worksheet, row: int, indicators: list[Indicator], period: Period, fy_start: int
) -> None:
    """Footnotes from the register, and why grey rows are grey; under the table, after a blank
    row, so they are never read as figures."""
    lines = [f"{i.ref}: {i.footnote}" for i in indicators if i.footnote]
    if any(not is_due(i, period, fy_start) for i in indicators):
        # quarter ends: the 3rd, 6th, 9th and 12th months of the FY
        names = ", ".join(MONTHS[(fy_start + 3 * k + 1) % 12] for k in range(4))
        lines.append(f"Quarterly indicators are reported at quarter ends only ({names}).")
    for offset, line in enumerate(lines):
        put_text(ws, row + offset, 1, line)


def _page(ws: Worksheet) -> None:
    for name, col in COL.items():
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS.get(name, 12)
    ws.column_dimensions["A"].width = 14
    ws.freeze_panes = f"C{HEADER_ROW + 1}"
    fit_to_width(ws, HEADER_ROW)
    protect(ws)


def write_history(
    ws: Worksheet,
    register: Register,
    indicators: list[Indicator],
    period: Period,
    history: History,
) -> None:
    """The figures already sent this FY, read-only. No column is headed `Ref`, so kpixl never
    reads this sheet back as figures (a later correction of an old month cannot conflict)."""
    fy = period.fy_label(register.settings.fy_start_month)
    title(ws, 1, f"Figures already received for {fy} (for information)")
    note = (
        "Read-only: kpixl does not read this sheet. If a figure here is wrong, send the "
        "corrected return for that month to the performance team."
        if history.months
        else "This is the first month of the financial year: there are no earlier figures."
    )
    put_text(ws, 2, 1, note)
    labels = [p.label for p in history.months]
    header(ws, 4, ["Indicator", "Description", *labels])
    fy_start = register.settings.fy_start_month
    for row, ind in enumerate(indicators, start=5):
        boxed(put_text(ws, row, 1, ind.ref, bold=True))
        boxed(put_text(ws, row, 2, ind.description, wrap=True))
        _fit_height(ws, row, ind.description, WIDTHS["Indicator"])
        values = history.values.get(ind.ref, {})
        for col, month in enumerate(history.months, start=3):
            cell = ws.cell(row=row, column=col, value=values.get(month))
            boxed(cell, grey=not is_due(ind, month, fy_start))
            cell.number_format = number_format(ind)
    ws.column_dimensions["A"].width = 12
    ws.column_dimensions["B"].width = WIDTHS["Indicator"]
    ws.freeze_panes = "C5"
    fit_to_width(ws, 4)
    protect(ws)
