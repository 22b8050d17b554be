"""Find KPI tables anywhere in a returned workbook; read each figure with its cell."""

from __future__ import annotations

import functools
import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from kpixl.cells import a1, column_letter
from kpixl.issues import Issue, IssueCode, error, warning
from kpixl.observations import Block, Column, Field, Observation, ReturnFile, Row
from kpixl.periods import Period, parse_header
from kpixl.values import is_blank, parse_number, text_of
from kpixl.workbook import DEFAULT_LIMITS, Limits, Sheet, WorkbookError, read_workbook

__all__ = ["Field", "Observation", "ReturnFile", "read_return", "read_sheets"]


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


_is_text = str.__instancecheck__  # isinstance(v, str), as a function the C loops call quickly


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
    return _text_word(value) if isinstance(value, str) else _plain_word(value)


@functools.lru_cache(maxsize=4096)  # header words repeat across hundreds of returns
def _text_word(value: str) -> str:
    return _plain_word(value)


def _plain_word(value: object) -> str:
    return re.sub(r"[\s._]+", " ", text_of(value).lower()).strip()


def _header_period(value: object) -> Period | None:
    """parse_header, remembered for text (the same month headers in every return)."""
    return _text_period(value) if isinstance(value, str) else parse_header(value)


@functools.lru_cache(maxsize=4096)
def _text_period(value: str) -> Period | None:
    return parse_header(value)


@dataclass
class _Table:
    """A header row: where the ref is and what every other recognised column holds."""

    row: int
    ref_col: int
    periods: dict[int, Period] = field(default_factory=dict)
    fields: dict[int, Field] = field(default_factory=dict)
    period_col: int | None = None  # tidy layout: a `period` column gives each row's period
    period_field: Field = Field.VALUE  # what period columns hold (numerators on `Numerators`)

    _block: Block | None = None
    _pick: Callable[[list[object]], tuple[object, ...]] | None = None
    _widest: int = 0

    def block(self, file: str, sheet: str) -> Block:
        """The table as a Block, its rows to come: period columns first, then the others."""
        if self._block is None:
            columns = [
                Column(column_letter(c), p, self.period_field) for c, p in self.periods.items()
            ]
            columns += [Column(column_letter(c), None, f) for c, f in self.fields.items()]
            self._block = Block(file, sheet, column_letter(self.ref_col), tuple(columns), [])
        return self._block

    @functools.cached_property
    def sheet_columns(self) -> list[int]:
        """The sheet columns of the block's columns, in the same order (fixed once read)."""
        return [*self.periods, *self.fields]

    def cells(self, row: list[object]) -> tuple[object, ...]:
        """A row's cells in the block's column order, blanks as None."""
        columns = self.sheet_columns
        if self._pick is None:
            pick = operator.itemgetter(*columns)
            self._pick = pick if len(columns) > 1 else lambda r: (pick(r),)
            self._widest = max(columns)
        cells = self._pick(row) if len(row) > self._widest else _padded(row, columns)
        return tuple(None if v == "" else v for v in cells) if "" in cells else cells


def _padded(row: list[object], columns: list[int]) -> tuple[object, ...]:
    width = len(row)
    return tuple(row[c] if c < width else None for c in columns)


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
        period = _header_period(value)
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
    seen: dict[tuple[str, Period], int] = {}
    block = table.block(file, sheet.name)
    result.blocks.append(block)
    rows, ref_col = sheet.rows, table.ref_col
    row = table.row + 1
    while row < len(rows):
        cells = rows[row]
        raw_ref = cells[ref_col] if ref_col < len(cells) else None
        if (
            is_blank(raw_ref)  # a quick answer for most rows: the ref is there
            and all(is_blank(v) for v in cells)
            and not _has_missing_formula(sheet, row)
        ):
            break
        if any(map(_is_ref_word, filter(_is_text, cells))):
            return row  # the next table's header
        ref = text_of(raw_ref)
        if ref:
            row_period = latest or _row_period(sheet, table, row, file, result)
            if row_period is not None and _first_time(
                seen, ref, row_period, row, table, sheet, file, result
            ):
                _observe(sheet, table, block, row, ref, row_period, result)
        row += 1
    return row + 1


def _first_time(
    seen: dict[tuple[str, Period], int],
    ref: str,
    period: Period,
    row: int,
    table: _Table,
    sheet: Sheet,
    file: str,
    result: ReturnFile,
) -> bool:
    """True the first time a ref (and period, in a tidy table) appears in a table."""
    key = (ref.upper(), period)
    if key not in seen:
        seen[key] = row
        return True
    result.issues.append(
        error(
            IssueCode.DUPLICATE_REF,
            f"{ref} appears twice in this table (also at {a1(seen[key], table.ref_col)}): keep "
            "one row",
            file=file,
            sheet=sheet.name,
            cell=a1(row, table.ref_col),
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
    sheet: Sheet,
    table: _Table,
    block: Block,
    row: int,
    ref: str,
    period: Period,
    result: ReturnFile,
) -> None:
    cells = table.cells(sheet.rows[row])
    no_value = sheet.formulas_without_value
    missing = (
        tuple(i for i, c in enumerate(table.sheet_columns) if (row, c) in no_value)
        if no_value
        else ()
    )
    block.rows.append(_row((ref, row, period, cells, missing)))
    if not any(map(_is_text, cells)):
        return
    for i, raw in enumerate(cells):
        if isinstance(raw, str) and block.columns[i].field is not Field.COMMENTARY:
            cell = f"{block.columns[i].letter}{row + 1}"
            _number_as_text(raw, ref, sheet.name, cell, block.file, result)


# Row((...)) without NamedTuple's __new__ in Python: one is made per row of every return
_row = cast(Callable[[tuple[str, int, Period, tuple[object, ...], tuple[int, ...]]], Row],
            functools.partial(tuple.__new__, Row))  # fmt: skip


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
