"""kpixl/returns.py's quick table reader gives exactly what the row-by-row reader gave.

The reader finds each table's end a chunk of rows at a time, column by column, and makes its
rows all at once. Below is a frozen copy of the row-by-row reader as it was before (issue 5),
changed on purpose since (issue 19): a blank row ends a table only when no row with a ref-like
ref follows before the next header, a ref showing an Excel error is no ref, and a row with
figures but no ref is told (missing-ref):
random sheets, with the cells people actually type (numbers, text, blanks, "", "n/a", header
words in any case, month headers, `Period` lines, refs repeated in another case, numbers typed
as text, formulas without a saved value), must give the same observations, issues and tables
with both, and the sheet must be left as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpixl.cells import a1, column_letter
from kpixl.issues import IssueCode, error, warning
from kpixl.periods import Period, parse_header
from kpixl.read import returns, table_end
from kpixl.read.header_words import is_ref_like
from kpixl.read.left_out import rows_without_ref
from kpixl.read.observations import Block, Column, Field, ReturnFile, Row
from kpixl.read.workbook import Sheet
from kpixl.values import error_value, is_blank, parse_number, text_of

# ---- the row-by-row reader, frozen (kpixl/returns.py before the quick reader) ----------------

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
    """Read the rows under a header until the next header, or past a blank row as far as
    ref-like refs go; return where it ended."""
    latest = period or (max(table.periods.values()) if table.periods else None)
    seen: dict[tuple[str, Period], int] = {}
    block = table.block(file, sheet.name)
    result.blocks.append(block)
    rows, ref_col = sheet.rows, table.ref_col
    row = table.row + 1
    after_blank, waiting = False, []  # rows after a blank row, read once a ref-like ref comes
    while row < len(rows):
        cells = rows[row]
        raw_ref = cells[ref_col] if ref_col < len(cells) else None
        if (
            is_blank(raw_ref)  # a quick answer for most rows: the ref is there
            and all(is_blank(v) for v in cells)
            and not _has_missing_formula(sheet, row)
        ):
            after_blank = True
            row += 1
            continue
        if any(map(_is_ref_word, filter(_is_text, cells))):
            return row  # the next table's header
        if not after_blank:
            _one_row(sheet, table, block, row, latest, seen, file, result)
        else:
            waiting.append(row)
            if is_ref_like(text_of(raw_ref)):  # the rows up to here, and on to a blank row
                for held in waiting:
                    _one_row(sheet, table, block, held, latest, seen, file, result)
                after_blank, waiting = False, []
        row += 1
    return row + 1


def _one_row(
    sheet: Sheet,
    table: _Table,
    block: Block,
    row: int,
    latest: Period | None,
    seen: dict[tuple[str, Period], int],
    file: str,
    result: ReturnFile,
) -> None:
    cells = sheet.rows[row]
    raw_ref = cells[table.ref_col] if table.ref_col < len(cells) else None
    ref = "" if error_value(raw_ref) else text_of(raw_ref)
    if not ref:
        figures = [c for c in table.sheet_columns if table.fields.get(c) is not Field.COMMENTARY]
        told = rows_without_ref(
            sheet.rows, sheet.formulas_without_value, table.ref_col, figures, [row], file,
            sheet.name,
        )  # fmt: skip
        result.issues.extend(issue for _, issue in told)
        return
    row_period = latest or _row_period(sheet, table, row, file, result)
    if row_period is not None and _first_time(
        seen, ref, row_period, row, table, sheet, file, result
    ):
        _observe(sheet, table, block, row, ref, row_period, result)


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


# ---- random sheets ---------------------------------------------------------------------------

REF_WORDS = ["Ref", "REF", "ref", "kpi ref", "KPI_Ref", "Reference", "indicator.ref", " Ref ",
             "ref" + " " * 20, "Referrals made", "#REF!", "PREF1"]  # fmt: skip
MONTHS: list[object] = [
    "Apr-24",
    "May-24",
    "2024-06",
    "Mar-25",
    "Jan 2025",
    dt.datetime(2024, 7, 1),
]
FIELD_WORDS = ["Value", "value", "Numerator", "Denominator", "YTD", "Prev Year", "Commentary",
               "Comments", "Target", "Floor", "Indicator description", "Notes", "Period"]  # fmt: skip
BLANKS: list[object] = [None, "", " ", "n/a", "N/A", "-", "nil return", "na"]
NUMBERS = st.one_of(
    st.sampled_from([0.0, 0.85, 1, 12, -3.5, 1e16, True, False, float("inf"), 10**400]),
    st.floats(-1000, 1000, allow_nan=False).map(lambda x: round(x, 2)),
    st.sampled_from([dt.datetime(2025, 3, 1), dt.date(2024, 1, 2), dt.time(9, 30)]),
)
NUMBER_TEXT = st.sampled_from(["85%", " 1,234 ", "0.5", "£1,200", "12", "1e3", "n/a."])
REFS = st.sampled_from(
    ["AA01", "aa01", "AA02", "Aa02", "BB01", " BB01 ", "CC\u00df", "CCSS", 101, 101.0, 7.5]
)
TEXT = st.sampled_from(
    ["x", "Calls answered", "see note", "Period", "period", "2025-03", "bad", "Q\u03a3"]
)
MANY_REFS = st.integers(0, 99).map("K{:02}".format)
CELL = st.one_of(
    NUMBERS, NUMBER_TEXT, REFS, TEXT, st.sampled_from(BLANKS), st.sampled_from(REF_WORDS),
    st.sampled_from(MONTHS), st.sampled_from(FIELD_WORDS),
)  # fmt: skip


def rows_of(cells: st.SearchStrategy[object], most: int = 8) -> st.SearchStrategy[list[object]]:
    return st.lists(cells, max_size=most)


HEADER = st.builds(
    operator.add,
    st.lists(st.sampled_from(BLANKS[:2]), max_size=2),
    st.builds(
        operator.add,
        st.lists(st.sampled_from(REF_WORDS), min_size=1, max_size=2),
        rows_of(st.one_of(st.sampled_from(MONTHS), st.sampled_from(FIELD_WORDS)), 6),
    ),
)
DATA = st.builds(
    operator.add,
    st.lists(st.sampled_from(BLANKS[:2]), max_size=2),
    st.builds(
        operator.add,
        st.lists(REFS, min_size=1, max_size=1),
        rows_of(st.one_of(NUMBERS, NUMBERS, NUMBER_TEXT, st.sampled_from(BLANKS), TEXT), 7),
    ),
)
PERIOD_LINE = st.builds(lambda m: ["Period", m], st.sampled_from([*MONTHS, "bad", None]))
ROW = st.one_of(
    DATA, DATA, DATA, HEADER, PERIOD_LINE, rows_of(st.sampled_from(BLANKS)), rows_of(CELL)
)


@st.composite
def tables(draw: st.DrawFn) -> list[list[object]]:
    """A header row and rows under it, the refs in the header's ref column; maybe a Period
    line above and a blank row below."""
    indent = [""] * draw(st.integers(0, 2))
    ref_word = draw(st.sampled_from(REF_WORDS))
    heads = draw(rows_of(st.one_of(st.sampled_from(MONTHS), st.sampled_from(FIELD_WORDS)), 5))
    above = draw(st.lists(PERIOD_LINE, max_size=1))
    body = draw(
        st.lists(
            st.tuples(
                st.one_of(REFS, MANY_REFS, MANY_REFS),
                rows_of(st.one_of(NUMBERS, NUMBER_TEXT, CELL), 6),
            ),
            max_size=12,
        )
    )
    below = draw(st.lists(rows_of(st.sampled_from(BLANKS)), max_size=1))
    rows = [[*indent, ref, *cells] for ref, cells in body]
    return [*above, [*indent, ref_word, *heads], *rows, *below]


@st.composite
def sheets(draw: st.DrawFn) -> Sheet:
    parts = draw(st.lists(st.one_of(tables(), st.lists(ROW, max_size=4)), max_size=5))
    rows = [row for part in parts for row in part]
    if draw(st.booleans()):  # as calamine gives them: every row as wide, empty cells as ""
        width = max(map(len, rows), default=0)
        rows = [[*r, *[""] * (width - len(r))] for r in rows]
    spots = st.tuples(st.integers(0, len(rows) + 1), st.integers(0, 8))
    missing = draw(st.sets(spots, max_size=6))
    name = draw(st.sampled_from(["KPIs", "Numerators", "denominators", "Data"]))
    return Sheet(name, rows, missing)


def both_ways(sheet: Sheet, chunk: int = table_end._CHUNK) -> tuple[ReturnFile, ReturnFile]:
    """The sheet read by the quick reader (with chunks of `chunk` rows) and the frozen one."""
    before = copy.deepcopy(sheet)
    quick, frozen = ReturnFile(Path("r.xlsx")), ReturnFile(Path("r.xlsx"))
    with (
        mock.patch.object(table_end, "_CHUNK", chunk),
        mock.patch.object(table_end, "_MAX_CHUNK", max(chunk, 4)),
    ):
        returns._read_sheet(sheet, "r.xlsx", quick)
    _read_sheet(sheet, "r.xlsx", frozen)
    assert (
        sheet.rows == before.rows and sheet.formulas_without_value == before.formulas_without_value
    )
    return quick, frozen


def assert_same(quick: ReturnFile, frozen: ReturnFile) -> None:
    assert quick.observations == frozen.observations
    assert quick.issues == frozen.issues
    assert quick.tables == frozen.tables
    assert quick == frozen  # the blocks too: columns, rows, cells, periods


@settings(max_examples=400, deadline=None)
@given(sheets(), st.sampled_from([1, 2, 3, 5, 64]))
def test_random_sheets_read_as_before(sheet: Sheet, chunk: int) -> None:
    assert_same(*both_ways(sheet, chunk))


def kpi_table(refs: list[str], first: int = 0) -> list[list[object]]:
    header: list[object] = ["Ref", "Indicator description", *MONTHS[:4]]
    return [
        header,
        *(
            [r, f"Indicator {r}", *(first + i + m / 10 for m in range(4))]
            for i, r in enumerate(refs)
        ),
    ]


def test_a_table_longer_than_a_chunk_ends_at_its_blank_row_and_the_next_begins() -> None:
    first = [f"A{i:03}" for i in range(150)]
    second = [f"B{i:03}" for i in range(70)]
    blank: list[object] = ["", " ", "n/a", "", "", ""]
    rows = [*kpi_table(first), blank, *kpi_table(second, 1000)]
    quick, frozen = both_ways(Sheet("KPIs", rows))
    assert_same(quick, frozen)
    assert quick.tables == 2
    assert [len(b.rows) for b in quick.blocks] == [150, 70]
    last = [o for o in quick.observations if o.ref == "A149"][-1]
    assert (last.cell, last.raw, last.ref_cell) == ("F151", 149.3, "A151")
    assert next(o for o in quick.observations if o.ref == "B000").cell == "C154"


def test_a_header_row_ends_a_table_without_a_blank_row() -> None:
    rows = [*kpi_table(["AA01", "AA02"]), *kpi_table(["BB01"], 5)]
    rows[3][0] = "KPI Ref"
    quick, frozen = both_ways(Sheet("KPIs", rows))
    assert_same(quick, frozen)
    assert [[r.ref for r in b.rows] for b in quick.blocks] == [["AA01", "AA02"], ["BB01"]]


@pytest.mark.parametrize("chunk", [1, 64])
def test_numbers_as_text_and_a_repeated_ref_are_told_in_row_order(chunk: int) -> None:
    rows = kpi_table(["AA01", "AA02", "aa01", "AA03"])
    rows[2][3] = "85%"  # AA02, May-24
    rows[4][2] = " 1,234 "  # AA03, Apr-24
    rows[4][5] = ""
    quick, frozen = both_ways(Sheet("KPIs", rows), chunk)
    assert_same(quick, frozen)
    assert [(i.code, i.cell) for i in quick.issues] == [
        (IssueCode.NUMBER_AS_TEXT, "D3"),
        (IssueCode.DUPLICATE_REF, "A4"),
        (IssueCode.NUMBER_AS_TEXT, "C5"),
    ]
    assert "also at A2" in quick.issues[1].message
    assert "read as 1234" in quick.issues[2].message
    aa03 = {o.cell: o.raw for o in quick.observations if o.ref == "AA03"}
    assert aa03 == {"C5": " 1,234 ", "D5": 3.1, "E5": 3.2}  # the empty F5 is no figure


def test_a_formula_without_a_value_keeps_a_row_open_and_is_marked() -> None:
    rows = [*kpi_table(["AA01"]), ["", "", "", "", "", ""], ["AA02", "x", 1.0, 2.0, "", 4.0]]
    quick, frozen = both_ways(Sheet("KPIs", rows, {(2, 3), (3, 4)}))
    assert_same(quick, frozen)
    assert [r.ref for r in quick.blocks[0].rows] == ["AA01", "AA02"]
    marked = [(o.cell, o.raw) for o in quick.observations if o.formula_without_value]
    assert marked == [("E4", None)]
