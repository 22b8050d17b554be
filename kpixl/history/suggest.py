"""`kpixl suggest`'s library: the store's past years and the register in, a copy of the
register with a `Suggested` sheet of next year's thresholds out. The register is never changed."""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from kpixl.atomic import write_atomically
from kpixl.errors import UsageError
from kpixl.history import schema
from kpixl.history.store import Store
from kpixl.periods import Period
from kpixl.rate.forecast import YearFigures
from kpixl.rate.thresholds import Suggestion, suggest
from kpixl.read.workbook import WorkbookError, open_with_openpyxl
from kpixl.register.model import Indicator, Register, displayed

SHEET = "Suggested"
YEARS_USED = 5  # the most recent whole years a suggestion looks at
HEADERS = (
    "ref", "description", "kind", "alert on", "target", "floor", "upper", "lower",
    "suggested target", "suggested floor", "suggested upper", "suggested lower",
    "years", "method", "evidence", "share",
)  # fmt: skip


def first_month(year: str, register: Register) -> Period:
    """`2025-26` or `2025/26` (or `2025`): the first month of that financial year."""
    text = year.strip().replace("/", "-")
    start = text.split("-")[0]
    if not (start.isdigit() and len(start) == 4 and 1980 <= int(start) <= 2100):
        raise UsageError(f"--year {year}: write the financial year as 2025-26")
    return Period(int(start), register.settings.fy_start_month)


def past_years(store: Store, register: Register, before: Period) -> dict[str, list[YearFigures]]:
    """Each indicator's whole financial years before `before` (the current version of each
    figure), oldest first, at most YEARS_USED of them."""
    first = before.shift(-12 * YEARS_USED)
    f = schema.figures.c
    query = sa.select(f.ref, f.period, f.value, f.numerator, f.denominator).where(
        f.superseded_by.is_(None), f.period >= str(first), f.period < str(before)
    )
    with store.reading() as conn:
        stored = conn.execute(query).all()
    by_ref: dict[str, dict[str, tuple[float | None, float | None, float | None]]] = {}
    for ref, month, value, num, den in stored:
        by_ref.setdefault(ref, {})[month] = (value, num, den)
    out: dict[str, list[YearFigures]] = {}
    for ref, ind in register.indicators.items():
        months = by_ref.get(ref, {})
        years = [_year(ind, months, first.shift(12 * y)) for y in range(YEARS_USED)]
        out[ref] = [y for y in years if y is not None]
    return out


def _year(
    ind: Indicator, months: Mapping[str, tuple[float | None, ...]], start: Period
) -> YearFigures | None:
    step = 3 if ind.is_quarterly else 1
    periods = [str(start.shift(step - 1 + step * i)) for i in range(12 // step)]
    found = [months.get(p, (None, None, None)) for p in periods]
    if all(v[0] is None for v in found):
        return None
    values, nums, dens = (tuple(v[i] for v in found) for i in range(3))
    return YearFigures(values, nums if any(nums) else None, dens if any(dens) else None)


def suggestions(
    register: Register, years: dict[str, list[YearFigures]]
) -> list[tuple[Indicator, Suggestion | None]]:
    """Every indicator with thresholds to suggest, and its suggestion (None: too little
    history); indicators with no thresholds at all are left out."""
    out = []
    for ind in register.indicators.values():
        if ind.is_kpi or ind.has_range:
            out.append((ind, suggest(ind, years.get(ind.ref, []))))
    return out


def write_suggested(
    register_file: Path, out: Path, rows: list[tuple[Indicator, Suggestion | None]], year: str
) -> Path:
    """A copy of the register workbook with the `Suggested` sheet added (replaced if there is
    one), written atomically to `out`."""
    if register_file.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            book = open_with_openpyxl(register_file, with_styles=True)
        except WorkbookError as exc:
            raise UsageError(f"register {register_file.name}: {exc}") from None
    else:  # an .xls or .ods register cannot be copied as it is: the sheet stands alone
        book = Workbook()
        for sheet in list(book.worksheets):
            book.remove(sheet)
    if SHEET in book.sheetnames:
        del book[SHEET]
    _fill(book.create_sheet(SHEET), rows, year)
    data = io.BytesIO()
    book.save(data)
    write_atomically(data.getvalue(), out)
    return out


def _fill(ws: Worksheet, rows: list[tuple[Indicator, Suggestion | None]], year: str) -> None:
    ws.append([f"Thresholds suggested for {year} from the history store: copy what you accept "
               "into the Indicators sheet. The register itself was not changed."])  # fmt: skip
    ws.append(list(HEADERS))
    for ind, made in rows:
        ws.append(_row(ind, made))
    ws.freeze_panes = "B3"
    for col, width in zip(
        "ABCDEFGHIJKLMNOP", (10, 50, 10, 10, *([11] * 8), 7, 60, 30, 8), strict=True
    ):
        ws.column_dimensions[col].width = width
    _formats(ws, rows)


def _row(ind: Indicator, made: Suggestion | None) -> list[object]:
    said: list[object] = [ind.ref, ind.description, ind.kind.value]
    said += [
        ind.alert_on.value if ind.has_range else "",
        ind.target,
        ind.floor,
        ind.upper,
        ind.lower,
    ]
    if made is None:
        return [*said, None, None, None, None, 0, "no whole year in the history store", "", None]
    shown = [
        None if v is None else displayed(v, ind.unit, ind.decimals)
        for v in (made.target, made.floor, made.upper, made.lower)
    ]
    return [*said, *shown, made.years, made.method, made.basis, made.held]


def _formats(ws: Worksheet, rows: list[tuple[Indicator, Suggestion | None]]) -> None:
    """Each threshold in its indicator's number format, the share as a percentage."""
    from kpixl.dashboard.styles import number_format

    for offset, (ind, _) in enumerate(rows, start=3):
        fmt = number_format(ind)
        for col in range(5, 13):
            ws.cell(offset, col).number_format = fmt
        ws.cell(offset, 16).number_format = "0%"
