"""Where a table of a return ends: a chunk of rows at a time, column by column (most columns
hold only numbers, and only text can be a header word)."""

from __future__ import annotations

from typing import Any, NamedTuple

from kpixl.read.header_words import is_ref_like, is_ref_word
from kpixl.read.workbook import Sheet
from kpixl.values import NO_VALUE_WORDS, is_blank, text_of

_Rows = list[list[Any]]  # a sheet's cells, row by row
_Columns = list[tuple[Any, ...]]  # cells column by column
_CHUNK, _MAX_CHUNK = 64, 8192  # rows looked at together for the end of a table (doubling)
_is_text = str.__instancecheck__  # isinstance(v, str), as a function the C loops call quickly


class Span(NamedTuple):
    """The rows of a table: their refs as text (blank: ""), and where to look next."""

    start: int
    refs: list[str]
    resume: int  # after the blank row that ends it, at the next header, or past the end
    rows: _Rows  # the even rows of the sheet
    columns: _Columns  # its cells by column from `start`, maybe further; or []
    numbers_only: list[bool]  # for each of those columns: it holds only numbers (so no text)


def span(sheet: Sheet, rows: _Rows, ref_col: int, start: int) -> Span:
    """Find the end of the table whose rows begin at `start`, a chunk of rows at a time and
    column by column: most columns hold only numbers, and only text can be a header word.

    A table ends at the next header row; or, after a blank row, at the last row whose ref
    looks like one (a blank row between sections does not end it, and notes below it are not
    part of it); the blank rows inside have no ref."""
    refs: list[str] = []
    lo, size, n, blank = start, _CHUNK, len(rows), len(rows)
    while lo < n:
        hi = min(n, lo + size)
        columns = list(zip(*rows[lo:hi], strict=True))
        numbers_only = all_numbers(columns)
        refs += _texts(columns[ref_col] if ref_col < len(columns) else (None,) * (hi - lo))
        if blank == n:
            blank = _first_blank(sheet, rows, refs, lo, start)
        header = _first_header(rows, columns, numbers_only, lo, n)
        if header < hi or hi == n:
            end = header if header <= blank else _end_after_blank(sheet, refs, start, blank, header)
            del refs[end - start :]
            if lo > start:  # read in several chunks: the columns are taken again
                columns, numbers_only = [], []
            return Span(start, refs, header if header < n else n + 1, rows, columns, numbers_only)
        lo, size = hi, min(size * 2, _MAX_CHUNK)
    return Span(start, refs, n + 1, rows, [], [])


def _end_after_blank(sheet: Sheet, refs: list[str], start: int, blank: int, header: int) -> int:
    """Where a table with a blank row at `blank` ends (before `header`): at the first blank
    row after the last row whose ref looks like one (its rows between blank rows are read
    together). The blank rows before that lose their refs (`n/a`, `-`)."""
    last = next((r for r in range(header - 1, blank, -1) if is_ref_like(refs[r - start])), None)
    if last is None:
        return blank
    rows, end = sheet.rows, last + 1
    while end < header and not _is_blank(sheet, rows, refs[end - start], end):
        end += 1
    for row in range(blank, last):
        if _is_blank(sheet, rows, refs[row - start], row):
            refs[row - start] = ""
    return end


def _is_blank(sheet: Sheet, rows: _Rows, ref: str, row: int) -> bool:
    """Whether a row (whose ref reads `ref`) is blank, and so may end a table."""
    return ref.lower() in NO_VALUE_WORDS and _is_blank_row(sheet, rows, row)


def _is_blank_row(sheet: Sheet, rows: _Rows, row: int) -> bool:
    return all(map(is_blank, rows[row])) and not _has_missing_formula(sheet, row)


def _texts(refs: tuple[Any, ...]) -> list[str]:
    """text_of each ref: str.strip in C when all are text, as they mostly are."""
    try:
        return list(map(str.strip, refs))
    except TypeError:
        return [v.strip() if v.__class__ is str else text_of(v) for v in refs]


def _first_blank(sheet: Sheet, rows: _Rows, refs: list[str], lo: int, start: int) -> int:
    """The first blank row from `lo` (refs[i] is row start + i's ref), else len(rows)."""
    texts = refs[lo - start :]
    if NO_VALUE_WORDS.isdisjoint(map(str.lower, texts)):  # a quick answer for most chunks
        return len(rows)
    for row, text in enumerate(texts, lo):
        blank = text.lower() in NO_VALUE_WORDS and all(map(is_blank, rows[row]))
        if blank and not _has_missing_formula(sheet, row):
            return row
    return len(rows)


def _first_header(
    rows: _Rows, columns: _Columns, numbers_only: list[bool], lo: int, stop: int
) -> int:
    """The first row from `lo` (before `stop`) with a ref header word, else len(rows)."""
    maybe: set[int] = set()
    for column, numbers in zip(columns, numbers_only, strict=True):
        # a cheap test in C over the column's text first: every ref header word holds "ref"
        if not numbers and "ref" in "\0".join(filter(_is_text, column)).lower():
            maybe.update(i for i, v in enumerate(column) if _is_text(v) and "ref" in v.lower())
    for i in sorted(maybe):
        if lo + i >= stop:
            break
        if any(map(is_ref_word, filter(_is_text, rows[lo + i]))):
            return lo + i
    return len(rows)


def all_numbers(columns: _Columns) -> list[bool]:
    """For each column, True when every cell is a number, so none is text (sum() in C)."""
    flags = []
    for column in columns:
        try:
            sum(column, 0.0)
        except (TypeError, OverflowError):
            flags.append(False)
        else:
            flags.append(True)
    return flags


def _has_missing_formula(sheet: Sheet, row: int) -> bool:
    return any(r == row for r, _ in sheet.formulas_without_value)
