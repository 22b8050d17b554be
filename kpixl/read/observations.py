"""What a return gave: its tables, row by row, and each figure with the cell it came from.

A reader keeps each table it finds as a `Block`: its columns once (`plan`) and, per row, the
ref and the cells in plan order. Per-cell `Observation`s are made only when they are asked
for (`ReturnFile.observations`, a figure's message): a batch reads hundreds of thousands of
cells, and sending them back from the reader processes as rows of plain values is several
times quicker than as one object each.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, NamedTuple, cast

from kpixl.issues import UNREADABLE, Issue
from kpixl.periods import Period


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
    """One figure (or commentary) a return gives for an indicator and period, and its cell."""

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
        return source_of(self.file, self.sheet, self.cell)


def source_of(file: str, sheet: str, cell: str) -> str:
    """`file.xlsx!Sheet!C7`: where a figure came from, as the Data table shows it."""
    return f"{_file_name(file)}!{sheet}!{cell}"


@functools.lru_cache(maxsize=4096)
def _file_name(file: str) -> str:
    return Path(file).name


class Column(NamedTuple):
    """A column of a table: its letters, its own period (None: the row's) and what it holds."""

    letter: str
    period: Period | None
    field: Field
    # headed by a quarter (`Q4 2024/25`): `period` is its last month in a year starting in April
    quarter: bool = False


class Row(NamedTuple):
    """One row of a table with a ref: its cells in the order of the table's columns."""

    ref: str
    sheet_row: int  # 0 for Excel's row 1
    period: Period  # the row's period: for columns without one of their own
    cells: tuple[object, ...]  # blanks are None
    missing: tuple[int, ...] = ()  # columns whose formula has no saved value


class Block(NamedTuple):
    """One table of a return: where it is, its columns, and its rows."""

    file: str
    sheet: str
    ref_letter: str
    columns: tuple[Column, ...]
    rows: list[Row]

    def observation(self, row: Row, i: int) -> Observation:
        """The observation of column `i` of `row`."""
        column = self.columns[i]
        excel_row = str(row.sheet_row + 1)
        return Observation(
            row.ref,
            column.period or row.period,
            column.field,
            row.cells[i],
            self.file,
            self.sheet,
            column.letter + excel_row,
            i in row.missing,
            self.ref_letter + excel_row,
        )

    def observations(self, row: Row) -> Iterator[Observation]:
        """The row's observations: every cell that is not blank, or holds a formula."""
        for i, raw in enumerate(row.cells):
            if raw is not None or i in row.missing:
                yield self.observation(row, i)

    def source(self, row: Row, i: int) -> str:
        return source_of(self.file, self.sheet, f"{self.columns[i].letter}{row.sheet_row + 1}")


# Row._make without its Python-level call: one per table row of every return read or sent back
new_row = cast(Callable[[tuple[object, ...]], Row], functools.partial(tuple.__new__, Row))


class ReturnFile:
    """What one return gave: its tables (and any loose observations), and the problems met
    while reading it."""

    def __init__(
        self,
        path: Path,
        observations: list[Observation] | None = None,
        issues: list[Issue] | None = None,
        tables: int = 0,
        seconds: float = 0.0,
    ) -> None:
        self.path = path
        self.loose: list[Observation] = observations or []  # made one by one, not by a reader
        self.blocks: list[Block] = []
        self.issues: list[Issue] = issues or []
        self.tables = tables
        self.seconds = seconds  # time taken to read it, for the batch run report

    @property
    def observations(self) -> list[Observation]:
        """Every observation, in the order the cells were read."""
        made = [
            obs for block in self.blocks for row in block.rows for obs in block.observations(row)
        ]
        return self.loose + made

    @property
    def readable(self) -> bool:
        return not any(i.code in UNREADABLE for i in self.issues)

    def refs_and_periods(self) -> tuple[set[str], set[Period]]:
        """The refs given any figure, and the periods given a value (for the batch run report)."""
        refs: set[str] = set()
        periods: set[Period] = set()
        for block in self.blocks:
            columns = block.columns
            for row in block.rows:
                given = [
                    i for i, raw in enumerate(row.cells) if raw is not None or i in row.missing
                ]
                if given:
                    refs.add(row.ref)
                periods.update(
                    columns[i].period or row.period
                    for i in given
                    if columns[i].field is Field.VALUE
                )
        for obs in self.loose:
            refs.add(obs.ref)
            if obs.field is Field.VALUE:
                periods.add(obs.period)
        return refs, periods

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ReturnFile) and self.__getstate__() == other.__getstate__()

    def __getstate__(self) -> dict[str, Any]:
        # plain tuples pickle several times faster than named ones (the readers send these back)
        state = self.__dict__.copy()
        state["loose"] = [tuple(o) for o in self.loose]
        state["blocks"] = [(*b[:4], [tuple(r) for r in b.rows]) for b in self.blocks]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["loose"] = list(map(Observation._make, state["loose"]))
        state["blocks"] = [
            Block(file, sheet, letter, columns, list(map(new_row, rows)))
            for file, sheet, letter, columns, rows in state["blocks"]
        ]
        self.__dict__.update(state)
