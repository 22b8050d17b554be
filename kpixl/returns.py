"""Find KPI tables anywhere in a returned workbook; read each figure with its cell."""

from __future__ import annotations

import functools
import re
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple

from kpixl.cells import a1, column_letter
from kpixl.issues import UNREADABLE, Issue, IssueCode, error, warning
from kpixl.periods import Period, parse_header
from kpixl.values import is_blank, parse_number, text_of
from kpixl.workbook import DEFAULT_LIMITS, Limits, Sheet, WorkbookError, read_workbook


class Field(StrEnum):
    """What a cell of a return says about an indicator."""

    VALUE = "value"
    NUMERATOR = "numerator"
    DENOMINATOR = "denominator"
    YTD = "ytd"
    PREV_YEAR = "prev_year"
    COMMENTARY = "commentary"
    TARGET = "target"
    FLOOR = "floor"


class Observation(NamedTuple):
    """One figure (or commentary) a return gives for an indicator and period, and its cell.

    A named tuple, not a dataclass: a batch makes hundreds of thousands, and they come back
    from the reader processes pickled, which a tuple makes small and quick."""

    ref: str
    period: Period
    field: Field
    raw: object
    file: str
    sheet: str
    cell: str
    formula_without_value: bool = False
    ref_cell: str = ""  # where the ref itself is written

    @property
    def source(self) -> str:
        return f"{_file_name(self.file)}!{self.sheet}!{self.cell}"


@functools.lru_cache(maxsize=4096)
def _file_name(file: str) -> str:
    return Path(file).name


@dataclass
class ReturnFile:
    """What one return gave: its observations and the problems met while reading it."""

    path: Path
    observations: list[Observation] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    tables: int = 0
    seconds: float = 0.0  # time taken to read it, for the batch run report

    @property
    def readable(self) -> bool:
        return not any(i.code in UNREADABLE for i in self.issues)

    def __getstate__(self) -> dict[str, Any]:
        # plain tuples pickle several times faster than named ones (the reader sends these back)
        state = self.__dict__.copy()
        state["observations"] = [tuple(o) for o in self.observations]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["observations"] = list(map(Observation._make, state["observations"]))
        self.__dict__.update(state)


# Header words, normalised (lower case, punctuation and spaces squeezed) -> what the column holds.
_COLUMN_WORDS: dict[str, str] = {
    "ref": "ref",
    "reference": "ref",
    "indicator ref": "ref",
    "kpi ref": "ref",
    "value": Field.VALUE,
    "numerator": Field.NUMERATOR,
    "denominator": Field.DENOMINATOR,
    "ytd": Field.YTD,
    "year to date": Field.YTD,
    "ytd value": Field.YTD,
    "prev year": Field.PREV_YEAR,
    "previous year": Field.PREV_YEAR,
    "previous year ytd": Field.PREV_YEAR,
    "prev yr ytd": Field.PREV_YEAR,
    "prev yr": Field.PREV_YEAR,
    "prev year ytd": Field.PREV_YEAR,
    "prev_year": Field.PREV_YEAR,
    "commentary": Field.COMMENTARY,
    "comments": Field.COMMENTARY,
    "comment": Field.COMMENTARY,
    "target": Field.TARGET,
    "floor": Field.FLOOR,
    "floor standard": Field.FLOOR,
    "period": "period",
}
_SHEET_FIELDS = {"numerators": Field.NUMERATOR, "denominators": Field.DENOMINATOR}


def _is_ref_word(value: object) -> bool:
    # cheap tests first: data rows are mostly numbers, refs and descriptions; every header word
    # for the ref holds "ref", and normalising only changes case and separators
    return (
        isinstance(value, str)
        and len(value) < 20
        and "ref" in value.lower()
        and _COLUMN_WORDS.get(_word(value)) == "ref"
    )


def _word(value: object) -> str:
    return re.sub(r"[\s._]+", " ", text_of(value).lower()).strip()


@dataclass
class _Table:
    """A header row: where the ref is and what every other recognised column holds."""

    row: int
    ref_col: int
    periods: dict[int, Period] = field(default_factory=dict)
    fields: dict[int, Field] = field(default_factory=dict)
    period_col: int | None = None  # tidy layout: a `period` column gives each row's period
    period_field: Field = Field.VALUE  # what period columns hold (numerators on `Numerators`)

    _plan: list[tuple[int, str, Period | None, Field]] | None = None

    def plan(self) -> list[tuple[int, str, Period | None, Field]]:
        """Column, its letters, its own period (None: the row's), and what it holds."""
        if self._plan is None:
            plan = [(c, column_letter(c), p, self.period_field) for c, p in self.periods.items()]
            self._plan = plan + [(c, column_letter(c), None, f) for c, f in self.fields.items()]
        return self._plan


def read_return(
    path: Path, display_name: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> ReturnFile:
    """Read one return; every problem becomes an issue, nothing raises, nothing is written.

    In this process: kpixl.pipeline.read_returns calls it in worker processes, isolated."""
    name = display_name or str(path)
    start = time.perf_counter()
    result = ReturnFile(Path(path))
    try:
        book = read_workbook(Path(path), limits)
    except WorkbookError as exc:
        result.issues.append(error(exc.code, f"cannot read this file: {exc}", file=name))
        result.seconds = time.perf_counter() - start
        return result
    result.issues.extend(warning(code, message, file=name) for code, message in book.warnings)
    for what in book.too_large:
        result.issues.append(
            error(
                IssueCode.SHEET_TOO_LARGE,
                f"sheet skipped: {what}; delete the stray cells far from the table",
                file=name,
            )
        )
    for sheet in book.sheets:
        _read_sheet(sheet, name, result)
    if not book.too_large and not any(_has_cells(s) for s in book.sheets):
        result.issues.append(_empty_workbook(book.chart_sheets, name))
    elif result.tables == 0 and not book.too_large:
        result.issues.append(
            error(
                IssueCode.NO_TABLE,
                "no table of indicators found: kpixl looks for a header "
                "row with a 'Ref' column and period columns (or a 'Value' column under a "
                "'Period' line); check the file is a KPI return",
                file=name,
            )
        )
    result.seconds = time.perf_counter() - start
    return result


def _has_cells(sheet: Sheet) -> bool:
    return any(v is not None and v != "" for row in sheet.rows for v in row)


def _empty_workbook(chart_sheets: int, file: str) -> Issue:
    what = "only charts, no cells" if chart_sheets else "no figures: every sheet is empty"
    return error(
        IssueCode.EMPTY_WORKBOOK,
        f"the workbook holds {what}: ask the service to send the return with its KPI table",
        file=file,
    )


def _read_sheet(sheet: Sheet, file: str, result: ReturnFile) -> None:
    sheet_field = _SHEET_FIELDS.get(_word(sheet.name))
    row = 0
    while row < len(sheet.rows):
        table = _header(sheet, row, sheet_field)
        if table is None:
            row += 1
            continue
        period = None
        if not table.periods and table.period_col is None:
            period = _template_period(sheet, row, table.ref_col, file, result)
            if period is None:
                row += 1
                continue
        result.tables += 1
        row = _read_rows(sheet, table, period, file, result)


def _header(sheet: Sheet, row: int, sheet_field: Field | None) -> _Table | None:
    cells = sheet.rows[row]
    ref_cols = [c for c, v in enumerate(cells) if _COLUMN_WORDS.get(_word(v)) == "ref"]
    if not ref_cols:
        return None
    table = _Table(row, ref_cols[0])
    for col, value in enumerate(cells):
        if col == table.ref_col:
            continue
        period = parse_header(value)
        if period is not None:
            table.periods[col] = period
            continue
        kind = _COLUMN_WORDS.get(_word(value))
        if kind == "period":
            table.period_col = col
        elif isinstance(kind, Field) and kind not in table.fields.values():
            table.fields[col] = kind
    if sheet_field is not None:
        # on Numerators/Denominators sheets the period columns (or Value) hold that part of a rate
        table.fields = {c: sheet_field for c, f in table.fields.items() if f is Field.VALUE}
        table.period_field = sheet_field
    if not table.periods and not table.fields:
        return None
    return table


def _template_period(
    sheet: Sheet, header_row: int, ref_col: int, file: str, result: ReturnFile
) -> Period | None:
    """The `Period` line of a template's key/value block above the table."""
    for row in range(header_row - 1, max(-1, header_row - 30), -1):
        cells = sheet.rows[row]
        for col, value in enumerate(cells):
            if _word(value) != "period":
                continue
            raw = sheet.cell(row, col + 1)
            period = parse_header(raw)
            if period is None:
                result.issues.append(
                    error(
                        IssueCode.BAD_PERIOD,
                        f"the Period '{text_of(raw)}' is not a month: "
                        "write it as YYYY-MM, e.g. 2025-03",
                        file=file,
                        sheet=sheet.name,
                        cell=a1(row, col + 1),
                    )
                )
            return period
    result.issues.append(
        error(
            IssueCode.BAD_PERIOD,
            "this table has no period columns and no 'Period' line above "
            "it: add the month (YYYY-MM) beside 'Period'",
            file=file,
            sheet=sheet.name,
            cell=a1(header_row, ref_col),
        )
    )
    return None


def _read_rows(
    sheet: Sheet, table: _Table, period: Period | None, file: str, result: ReturnFile
) -> int:
    """Read the rows under a header until a blank row or the next header; return where it ended."""
    latest = period or (max(table.periods.values()) if table.periods else None)
    seen: dict[tuple[str, Period], str] = {}
    row = table.row + 1
    while row < len(sheet.rows):
        cells = sheet.rows[row]
        if all(is_blank(v) or v == "" for v in cells) and not _has_missing_formula(sheet, row):
            break
        if any(_is_ref_word(v) for v in cells if isinstance(v, str)):
            return row  # the next table's header
        ref = text_of(sheet.cell(row, table.ref_col))
        if ref:
            row_period = latest or _row_period(sheet, table, row, file, result)
            if row_period is not None and _first_time(
                seen, ref, row_period, row, table, sheet, file, result
            ):
                _observe(sheet, table, row, ref, row_period, file, result)
        row += 1
    return row + 1


def _first_time(
    seen: dict[tuple[str, Period], str],
    ref: str,
    period: Period,
    row: int,
    table: _Table,
    sheet: Sheet,
    file: str,
    result: ReturnFile,
) -> bool:
    """True the first time a ref (and period, in a tidy table) appears in a table."""
    where = a1(row, table.ref_col)
    key = (ref.upper(), period)
    if key not in seen:
        seen[key] = where
        return True
    result.issues.append(
        error(
            IssueCode.DUPLICATE_REF,
            f"{ref} appears twice in this table (also at {seen[key]}): keep one row",
            file=file,
            sheet=sheet.name,
            cell=where,
            ref=ref,
        )
    )
    return False


def _row_period(
    sheet: Sheet, table: _Table, row: int, file: str, result: ReturnFile
) -> Period | None:
    assert table.period_col is not None
    raw = sheet.cell(row, table.period_col)
    period = parse_header(raw)
    if period is None:
        result.issues.append(
            error(
                IssueCode.BAD_PERIOD,
                f"'{text_of(raw)}' is not a month: write it as YYYY-MM",
                file=file,
                sheet=sheet.name,
                cell=a1(row, table.period_col),
            )
        )
    return period


def _observe(
    sheet: Sheet, table: _Table, row: int, ref: str, period: Period, file: str, result: ReturnFile
) -> None:
    excel_row = str(row + 1)
    ref_cell = column_letter(table.ref_col) + excel_row
    cells = sheet.rows[row]
    width = len(cells)
    no_value = sheet.formulas_without_value
    for col, letter, col_period, what in table.plan():
        raw = cells[col] if col < width else None
        missing = bool(no_value) and (row, col) in no_value
        if (raw is None or raw == "") and not missing:
            continue
        result.observations.append(
            Observation(
                ref,
                col_period or period,
                what,
                None if raw == "" else raw,
                file,
                sheet.name,
                letter + excel_row,
                missing,
                ref_cell,
            )
        )
        if isinstance(raw, str) and what is not Field.COMMENTARY:
            _number_as_text(raw, ref, sheet.name, letter + excel_row, file, result)


def _number_as_text(
    raw: str, ref: str, sheet: str, cell: str, file: str, result: ReturnFile
) -> None:
    parsed = parse_number(raw)
    if parsed.was_text and parsed.value is not None:
        result.issues.append(
            warning(
                IssueCode.NUMBER_AS_TEXT,
                f"{ref}: '{raw.strip()}' is typed as text; read as {parsed.value:g}; enter it as "
                "a number so Excel and kpixl agree",
                file=file,
                sheet=sheet,
                cell=cell,
                ref=ref,
            )
        )


def _has_missing_formula(sheet: Sheet, row: int) -> bool:
    return any(r == row for r, _ in sheet.formulas_without_value)


def read_sheets(sheets: list[Sheet], name: str) -> ReturnFile:
    """Find the tables in sheets already in memory (an open workbook in Excel), as `read_return`
    does for a file; `name` is the file name the issues carry. `tables` says if any was found."""
    result = ReturnFile(Path(name))
    for sheet in sheets:
        _read_sheet(sheet, name, result)
    return result
