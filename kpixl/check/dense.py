"""The usual figures of all returns, kept as one table of numbers: indicator by period.

Most cells of most returns are plain numbers in range for a monthly indicator, in a table with
a column per month. Checking those one by one in Python is most of the time `kpixl validate`
takes, so a table's rows are checked together here (numpy), and the figures of the rows that
pass are kept as numbers with the cell each came from. Any other row goes through the rules
one by one (kpixl.check.validate), and an indicator with any figure kept that way has its numbers
moved out of this table first (`pop`), so each figure is kept in exactly one place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import chain

import numpy as np
import numpy.typing as npt

from kpixl.periods import Period
from kpixl.read.observations import Block, Row
from kpixl.register.model import Frequency, Indicator, Register, Unit
from kpixl.values import LARGEST

_PLAIN_TYPES = {float, type(None)}
# Months kept as numbers (five years): the table is indicators x months, so a return whose
# header names more months than that (a hostile one may name thousands) goes one by one.
MAX_PERIODS = 60
# where a value came from, as one number: block << 34 | row in the block << 14 | column
_ROW_SHIFT, _BLOCK_SHIFT = 14, 34
_COL_MASK, _ROW_MASK = (1 << 14) - 1, (1 << 20) - 1


def _code(
    block: int, row: npt.NDArray[np.intp], col: npt.NDArray[np.intp]
) -> npt.NDArray[np.int64]:
    """The source codes of cells (Excel has at most 16,384 columns; a table, 1,048,576 rows)."""
    return (np.int64(block) << _BLOCK_SHIFT) | (row.astype(np.int64) << _ROW_SHIFT) | col


class Dense:
    """Plain monthly values by indicator (rows, in register order) and period (columns)."""

    def __init__(self, register: Register) -> None:
        self.refs = list(register.indicators)
        self.row_of = {ref: i for i, ref in enumerate(self.refs)}
        self.periods: list[Period] = []
        self.col_of: dict[Period, int] = {}
        self.values = np.full((len(self.refs), 0), np.nan)
        self.source = np.zeros((len(self.refs), 0), dtype=np.int64)  # see _code
        self.blocks: list[Block] = []
        self.popped: set[str] = set()  # indicators kept the careful way (see `pop`)
        self.low, self.high, self.points = _ranges(register)

    def keep(
        self,
        block: Block,
        inds: Sequence[Indicator | None],
        periods: Sequence[Period],
        seen: set[str],
    ) -> list[bool]:
        """Keep the rows of a table (columns: one month each, `periods`) whose every given
        cell is a plain number `check` keeps as it is, for an indicator with nothing kept
        for those months before; the service areas of rows given figures join `seen`.
        True for each row kept (or given nothing): the others must be checked one by one."""
        rows = block.rows
        plain_types = _PLAIN_TYPES.issuperset(map(type, chain.from_iterable(r.cells for r in rows)))
        where = [self._row(r, ind, plain_types) for r, ind in zip(rows, inds, strict=True)]
        if max(where, default=-1) < 0:
            return [False] * len(rows)
        refs = [ind.ref for ind in inds if ind is not None]
        if len(set(refs)) < len(refs):  # one indicator on two rows: those one by one, in order
            twice = {ref for ref in refs if refs.count(ref) > 1}
            where = [
                -1 if ind and ind.ref in twice else i for i, ind in zip(where, inds, strict=True)
            ]
        cols = self._columns(periods)
        if cols is None:
            return [False] * len(rows)
        at = np.array(where, dtype=np.intp)
        values = _numbers(rows, plain_types)
        given = ~np.isnan(values)
        blanks = np.array([r.cells.count(None) for r in rows])
        at[(~given).sum(axis=1) != blanks] = -1  # a NaN typed in: that row one by one
        prior = self.values[at[:, None], cols]  # row -1 (unknown) is masked by _plain
        ok = self._plain(values, given, at) & ~(given & ~np.isnan(prior)).any(axis=1)
        take = np.flatnonzero(ok & given.any(axis=1))  # rows given nothing: nothing to keep
        if take.size:
            self._store(block, values[take], given[take], at[take], cols, take)
            seen.update(ind.service_area for ind in map(inds.__getitem__, take.tolist()) if ind)
        return ok.tolist()  # type: ignore[no-any-return]

    def _row(self, row: Row, ind: Indicator | None, plain_types: bool) -> int:
        """The indicator's row here, or -1 if the row must be checked the careful way."""
        if ind is None or row.missing or ind.ref in self.popped:
            return -1
        if not plain_types and not _PLAIN_TYPES.issuperset(map(type, row.cells)):
            return -1
        return self.row_of.get(ind.ref, -1)

    def _columns(self, periods: Sequence[Period]) -> npt.NDArray[np.intp] | None:
        """The columns of `periods` (distinct), made where new; None past MAX_PERIODS."""
        new = [p for p in periods if p not in self.col_of]
        if len(self.periods) + len(new) > MAX_PERIODS:
            return None
        if new:
            self._grow(len(self.periods) + len(new))
            for period in new:
                self.col_of[period] = len(self.periods)
                self.periods.append(period)
        return np.array([self.col_of[p] for p in periods], dtype=np.intp)

    def _grow(self, needed: int) -> None:
        """Room for `needed` months, made a year or a doubling at a time (never past MAX)."""
        n, room = self.values.shape
        if needed <= room:
            return
        room = min(MAX_PERIODS, max(needed, 2 * room, 12))
        values, source = np.full((n, room), np.nan), np.zeros((n, room), dtype=np.int64)
        values[:, : self.values.shape[1]] = self.values
        source[:, : self.source.shape[1]] = self.source
        self.values, self.source = values, source

    def _plain(
        self,
        values: npt.NDArray[np.float64],
        given: npt.NDArray[np.bool_],
        at: npt.NDArray[np.intp],
    ) -> npt.NDArray[np.bool_]:
        """Rows of known indicators whose every given value is in range (and not a percentage
        typed as points); NaN and infinities are never plain."""
        low, high = self.low[at, None], self.high[at, None]
        with np.errstate(invalid="ignore"):
            plain = (values >= low) & (values <= high)
            points = self.points[at]
            if points.any():
                size = np.abs(values)
                plain &= ~(points[:, None] & (size > 1) & (size <= 100))
        result: npt.NDArray[np.bool_] = (at >= 0) & (plain | ~given).all(axis=1)
        return result

    def _store(
        self,
        block: Block,
        values: npt.NDArray[np.float64],
        given: npt.NDArray[np.bool_],
        at: npt.NDArray[np.intp],
        cols: npt.NDArray[np.intp],
        rows: npt.NDArray[np.intp],
    ) -> None:
        """Keep the given values of the rows `rows` of `block` for indicators `at`."""
        code = _code(len(self.blocks), rows[:, None], np.arange(len(cols))[None, :])
        target = (at[:, None], cols[None, :])
        self.values[target] = np.where(given, values, self.values[target])
        self.source[target] = np.where(given, code, self.source[target])
        self.blocks.append(block)

    def has(self, ref: str) -> bool:
        """True when any figure of the indicator is kept here."""
        i = self.row_of.get(ref)
        return i is not None and ref not in self.popped and bool((~np.isnan(self.values[i])).any())

    def peek(self, ref: str, period: Period) -> tuple[float, Block, Row, int] | None:
        """One figure kept here, with its cell, left in place (a warning names its cell; the
        indicator's other figures need not become objects for it). None where none is kept."""
        i, j = self.row_of.get(ref), self.col_of.get(period)
        if i is None or j is None or ref in self.popped:
            return None
        value = float(self.values[i, j])
        if math.isnan(value):
            return None
        return (value, *self._cell(int(self.source[i, j])))

    def pop(self, ref: str) -> list[tuple[str, Period, float, Block, Row, int]]:
        """The indicator's figures kept here, each with its cell, taken out for good: its
        figures are kept the careful way from now on."""
        self.popped.add(ref)
        i = self.row_of.get(ref)
        return [] if i is None else self._take(np.array([i]))

    def pop_all(self) -> list[tuple[str, Period, float, Block, Row, int]]:
        """`pop` for every indicator at once, in register order."""
        taken = self._take(np.arange(len(self.refs)))
        self.popped.update(ref for ref, *_ in taken)
        return taken

    def _take(self, rows: npt.NDArray[np.intp]) -> list[tuple[str, Period, float, Block, Row, int]]:
        """The figures kept for the indicators at `rows`, in order, each with its cell; their
        places are emptied."""
        found, cols = np.nonzero(~np.isnan(self.values[rows]))
        at = rows[found]
        taken = [
            (self.refs[i], self.periods[j], value, *self._cell(code))
            for i, j, value, code in zip(
                at.tolist(),
                cols.tolist(),
                self.values[at, cols].tolist(),
                self.source[at, cols].tolist(),
                strict=True,
            )
        ]
        self.values[rows] = np.nan
        return taken

    def _cell(self, code: int) -> tuple[Block, Row, int]:
        block = self.blocks[code >> _BLOCK_SHIFT]
        return block, block.rows[(code >> _ROW_SHIFT) & _ROW_MASK], code & _COL_MASK

    def value_periods(self) -> set[Period]:
        used = self.values[:, : len(self.periods)]
        given = ~np.isnan(used).all(axis=0) if used.size else []
        return {p for p, g in zip(self.periods, given, strict=True) if g}


def _numbers(rows: list[Row], plain_types: bool) -> npt.NDArray[np.float64]:
    """The rows' cells as numbers, blanks NaN; a row holding anything but numbers is all NaN
    (it is never kept here: see `_row`)."""
    if plain_types:
        return np.array([r.cells for r in rows], dtype=np.float64)
    return np.array(
        [r.cells if _PLAIN_TYPES.issuperset(map(type, r.cells)) else [math.nan] * len(r.cells)
         for r in rows],
        dtype=np.float64,
    )  # fmt: skip


def _ranges(
    register: Register,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """kpixl.check.validate.plain_values of every indicator, in register order, as three arrays (the
    same rules, for all at once: tests/test_check_dense.py holds them equal)."""
    inds = register.indicators.values()
    low = np.array([i.min for i in inds], dtype=np.float64)  # None: NaN
    high = np.array([i.max for i in inds], dtype=np.float64)
    low = np.where(np.isnan(low), -LARGEST, np.maximum(low, -LARGEST))
    high = np.where(np.isnan(high), LARGEST, np.minimum(high, LARGEST))
    quarterly = np.array([i.frequency is Frequency.QUARTERLY for i in inds], dtype=bool)
    low[quarterly], high[quarterly] = 1.0, 0.0
    points = np.array([i.unit is Unit.PERCENT for i in inds], dtype=bool)
    points[quarterly] = False
    return low, high, points
