"""Find KPI tables anywhere in a returned workbook; read each figure with its cell."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from kpixl.cells import a1, column_letter
from kpixl.issues import Issue, IssueCode, error, warning
from kpixl.periods import Period, this_month
from kpixl.read import left_out, table_end
from kpixl.read.header_words import (
    COLUMN_WORDS,
    SHEET_FIELDS,
    header_period,
    word,
)
from kpixl.read.observations import Block, Column, Field, Observation, ReturnFile, new_row
from kpixl.read.workbook import DEFAULT_LIMITS, Limits, Sheet, WorkbookError, read_workbook
from kpixl.values import error_value, parse_number, text_of

__all__ = ["Field", "Observation", "ReturnFile", "read_return", "read_sheets"]


_Rows = list[list[Any]]  # a sheet's cells, row by row
_Columns = list[tuple[Any, ...]]  # cells column by column
_is_text = str.__instancecheck__  # isinstance(v, str), as a function the C loops call quickly


@dataclass
class _Table:
    """A header row: where the ref is and what every other recognised column holds."""

    row: int
    ref_col: int
    periods: dict[int, Period] = field(default_factory=dict)
    fields: dict[int, Field] = field(default_factory=dict)
    period_col: int | None = None  # tidy layout: a `period` column gives each row's period
    period_field: Field = Field.VALUE  # what period columns hold (numerators on `Numerators`)
    dropped: dict[int, left_out.Dropped] = field(default_factory=dict)  # meant as months, unused
    quarters: set[int] = field(default_factory=set)  # period columns headed by a quarter

    _block: Block | None = None

    def block(self, file: str, sheet: str) -> Block:
        """The table as a Block, its rows to come: period columns first, then the others."""
        if self._block is None:
            periods, fields = tuple(self.periods.items()), tuple(self.fields.items())
            columns = _columns(periods, fields, self.period_field, frozenset(self.quarters))
            self._block = Block(file, sheet, _letter(self.ref_col), columns, [])
        return self._block

    @functools.cached_property
    def sheet_columns(self) -> list[int]:
        """The sheet columns of the block's columns, in the same order (fixed once read)."""
        return [*self.periods, *self.fields]


@functools.lru_cache(maxsize=1024)  # the same header row in hundreds of returns
def _columns(
    periods: tuple[tuple[int, Period], ...],
    fields: tuple[tuple[int, Field], ...],
    held: Field,
    quarters: frozenset[int],
) -> tuple[Column, ...]:
    """A block's columns: its period columns (holding `held`) first, then the others."""
    columns = [Column(_letter(c), p, held, c in quarters) for c, p in periods]
    return (*columns, *(Column(_letter(c), None, f) for c, f in fields))


_letter = functools.lru_cache(maxsize=16384)(column_letter)


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
    sheet_field = SHEET_FIELDS.get(word(sheet.name))
    even: _Rows | None = None  # the rows all as wide, once a table is found
    row = 0
    while row < len(sheet.rows):
        table = _header(sheet, row, sheet_field)
        if table is None:
            row += 1
            continue
        if not table.periods and not table.fields:  # only headings not read as months
            even = _even(sheet.rows) if even is None else even
            row = _left_out(sheet, even, table, file, result)
            continue
        period = None
        if not table.periods and table.period_col is None:
            period = _template_period(sheet, row, table.ref_col, file, result)
            if period is None:
                row += 1
                continue
        result.tables += 1
        even = _even(sheet.rows) if even is None else even
        row = _read_rows(sheet, even, table, period, file, result)


def _even(rows: _Rows) -> _Rows:
    """The rows padded with None to the widest (a missing cell is blank, as None is), so that
    a table's columns can be taken with zip(*rows)."""
    width = max(map(len, rows), default=0)
    if min(map(len, rows), default=0) == width:
        return rows
    return [r if len(r) == width else [*r, *[None] * (width - len(r))] for r in rows]


def _header(sheet: Sheet, row: int, sheet_field: Field | None) -> _Table | None:
    cells = sheet.rows[row]
    ref_cols = [c for c, v in enumerate(cells) if COLUMN_WORDS.get(word(v)) == "ref"]
    if not ref_cols:
        return None
    table = _Table(row, ref_cols[0])
    now = this_month()
    for col, value in enumerate(cells):
        if col == table.ref_col:
            continue
        period, problem, quarter = header_period(value)
        if period is not None and period <= now:
            table.periods[col] = period
            if quarter:
                table.quarters.add(col)
            continue
        if period is not None:
            table.dropped[col] = left_out.after_this_month(now)
            continue
        if problem is not None:
            table.dropped[col] = left_out.not_a_month(problem)
            continue
        kind = COLUMN_WORDS.get(word(value))
        if kind == "period":
            table.period_col = col
        elif isinstance(kind, Field) and kind not in table.fields.values():
            table.fields[col] = kind
    if sheet_field is not None:
        # on Numerators/Denominators sheets the period columns (or Value) hold that part of a rate
        table.fields = {c: sheet_field for c, f in table.fields.items() if f is Field.VALUE}
        table.period_field = sheet_field
    if not table.periods and not table.fields and not table.dropped:
        return None
    return table


def _template_period(
    sheet: Sheet, header_row: int, ref_col: int, file: str, result: ReturnFile
) -> Period | None:
    """The `Period` line of a template's key/value block above the table."""
    for row in range(header_row - 1, max(-1, header_row - 30), -1):
        cells = sheet.rows[row]
        for col, value in enumerate(cells):
            if word(value) != "period":
                continue
            raw = sheet.cell(row, col + 1)
            period, why = left_out.usable(raw, this_month())
            if period is None:
                result.issues.append(
                    error(
                        IssueCode.BAD_PERIOD,
                        f"the Period '{text_of(raw)}' is {why}: write it as YYYY-MM, e.g. 2025-03",
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
    sheet: Sheet, rows: _Rows, table: _Table, period: Period | None, file: str, result: ReturnFile
) -> int:
    """Read the rows under a header until the next header, or past a blank row as far as
    rows with refs go; return where to look for the next table."""
    latest = period or (max(table.periods.values()) if table.periods else None)
    block = table.block(file, sheet.name)
    result.blocks.append(block)
    span = table_end.span(sheet, rows, table.ref_col, table.row + 1)
    refs = span.refs
    if "#" in "".join(refs) and any(map(error_value, refs)):  # a ref showing #N/A is none
        refs = ["" if error_value(ref) else ref for ref in refs]
    numbers: Sequence[int] = range(span.start, span.start + len(refs))
    errors: list[tuple[int, Issue]] = []
    if not all(refs):  # rows without a ref are skipped, those with figures told
        skipped = [row for row, ref in enumerate(refs, span.start) if not ref]
        numbers = [row for row, ref in enumerate(refs, span.start) if ref]
        refs = [ref for ref in refs if ref]
        columns = [c for c in table.sheet_columns if table.fields.get(c) is not Field.COMMENTARY]
        missing = sheet.formulas_without_value
        errors = left_out.rows_without_ref(
            rows, missing, table.ref_col, columns, skipped, file, sheet.name
        )
    result.issues.extend(
        left_out.dropped(rows, table.row, table.dropped, numbers, file, sheet.name)
    )
    if latest is not None and len(set(map(str.upper, refs))) == len(refs):
        periods: Iterable[Period] = repeat(latest)
    else:  # a tidy table (each row gives its period) or a ref twice: row by row
        refs, numbers, periods, more = _by_period(sheet, table, refs, numbers, latest, file)
        errors = sorted(errors + more, key=lambda issue: issue[0]) if errors else more
    warnings = _add_rows(sheet, table, block, span, refs, numbers, periods)
    if errors:  # every issue in row order, as a person reads the table
        warnings = sorted(errors + warnings, key=lambda issue: issue[0])
    result.issues.extend(issue for _, issue in warnings)
    return span.resume


def _left_out(sheet: Sheet, rows: _Rows, table: _Table, file: str, result: ReturnFile) -> int:
    """A table none of whose columns can be read (every heading meant as a month is not one):
    its issues, and where to look for the next table."""
    result.tables += 1
    span = table_end.span(sheet, rows, table.ref_col, table.row + 1)
    kept = [row for row, ref in enumerate(span.refs, span.start) if ref]
    result.issues.extend(left_out.dropped(rows, table.row, table.dropped, kept, file, sheet.name))
    return span.resume


def _by_period(
    sheet: Sheet,
    table: _Table,
    refs: list[str],
    numbers: Sequence[int],
    latest: Period | None,
    file: str,
) -> tuple[list[str], list[int], list[Period], list[tuple[int, Issue]]]:
    """The rows to keep, each with its period (a tidy table's rows give their own): the first
    of each ref (and period); and the problems, each with its row."""
    seen: dict[tuple[str, Period], int] = {}
    kept: tuple[list[str], list[int], list[Period]] = ([], [], [])
    errors: list[tuple[int, Issue]] = []
    for ref, row in zip(refs, numbers, strict=True):
        period = latest or _row_period(sheet, table, row, file, errors)
        if period is None:
            continue
        first = seen.setdefault((ref.upper(), period), row)
        if first == row:
            kept[0].append(ref)
            kept[1].append(row)
            kept[2].append(period)
            continue
        where = f"(also at {a1(first, table.ref_col)})"
        message = f"{ref} appears twice in this table {where}: keep one row"
        cell = a1(row, table.ref_col)
        issue = error(
            IssueCode.DUPLICATE_REF, message, file=file, sheet=sheet.name, cell=cell, ref=ref
        )
        errors.append((row, issue))
    return (*kept, errors)


def _row_period(
    sheet: Sheet, table: _Table, row: int, file: str, errors: list[tuple[int, Issue]]
) -> Period | None:
    assert table.period_col is not None
    raw = sheet.cell(row, table.period_col)
    period, why = left_out.usable(raw, this_month())
    if period is None:
        message = f"'{text_of(raw)}' is {why}: write it as YYYY-MM"
        cell = a1(row, table.period_col)
        errors.append(
            (row, error(IssueCode.BAD_PERIOD, message, file=file, sheet=sheet.name, cell=cell))
        )
    return period


def _add_rows(
    sheet: Sheet,
    table: _Table,
    block: Block,
    span: table_end.Span,
    refs: list[str],
    numbers: Sequence[int],
    periods: Iterable[Period],
) -> list[tuple[int, Issue]]:
    """Add the rows kept to the block, all at once, column by column; return the warnings of
    numbers typed as text, each with its row."""
    if not refs:
        return []
    columns, numbers_only = span.columns, span.numbers_only
    if not columns or len(refs) < len(span.refs):
        columns = list(zip(*(span.rows[r] for r in numbers), strict=True))
        numbers_only = table_end.all_numbers(columns)
    c = table.sheet_columns
    picked = [_blanked(columns[i][: len(refs)], numbers_only[i]) for i in c]
    cells = list(zip(*picked, strict=True))
    no_value = sheet.formulas_without_value
    missing: Iterable[tuple[int, ...]] = (
        [tuple(i for i, col in enumerate(c) if (r, col) in no_value) for r in numbers]
        if no_value
        else repeat(())
    )
    block.rows.extend(map(new_row, zip(refs, numbers, periods, cells, missing, strict=False)))
    figures = [i for i, column in enumerate(block.columns) if column.field is not Field.COMMENTARY]
    maybe_text = [i for i in figures if not numbers_only[c[i]]]
    return _numbers_as_text(block, picked, cells, maybe_text, refs, numbers) if maybe_text else []


def _blanked(column: tuple[Any, ...], numbers_only: bool) -> tuple[Any, ...]:
    """A column's cells with empty text as None (blank)."""
    if numbers_only or "" not in column:
        return column
    return tuple(None if v == "" else v for v in column)


def _numbers_as_text(
    block: Block,
    picked: _Columns,
    cells: _Columns,
    columns: list[int],
    refs: list[str],
    numbers: Sequence[int],
) -> list[tuple[int, Issue]]:
    """A warning, with its row, for each number typed as text in the block's `columns` (those
    not commentary that may hold text), row by row."""
    warnings, where = [], {"file": block.file, "sheet": block.sheet}
    for i in sorted({i for c in columns for i, v in enumerate(picked[c]) if _is_text(v)}):
        for c in columns:
            raw, ref = cells[i][c], refs[i]
            parsed = parse_number(raw) if isinstance(raw, str) else None
            if parsed and parsed.was_text and parsed.value is not None:
                message = (
                    f"{ref}: '{raw.strip()}' is typed as text; read as {parsed.value:g}; "
                    "enter it as a number so Excel and kpixl agree"
                )
                cell = f"{block.columns[c].letter}{numbers[i] + 1}"
                issue = warning(IssueCode.NUMBER_AS_TEXT, message, **where, cell=cell, ref=ref)
                warnings.append((numbers[i], issue))
    return warnings


def read_sheets(sheets: list[Sheet], name: str) -> ReturnFile:
    """Find the tables in sheets already in memory (an open workbook in Excel), as `read_return`
    does for a file; `name` is the file name the issues carry. `tables` says if any was found."""
    result = ReturnFile(Path(name))
    for sheet in sheets:
        _read_sheet(sheet, name, result)
    return result
