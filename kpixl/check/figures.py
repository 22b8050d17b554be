"""The figures that passed validation, by indicator, kind and period, each with its cell.

Most are kept as numbers in one table (kpixl.check.dense) until asked for: `tables(ref)` is the
one way in, and moves an indicator's numbers into Figure objects the first time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from kpixl.periods import Period
from kpixl.read.observations import Block, Field, Observation, Row

if TYPE_CHECKING:
    from kpixl.check.dense import Dense

Key = tuple[str, Period]
Tables = dict[Field, dict[Period, "Figure"]]


class Placed(NamedTuple):
    """A row of a return's table, with the table: where a figure kept from it came from."""

    block: Block
    row: Row


class Figure(NamedTuple):
    """A figure that passed every check, with the cell it came from (a tuple: made per figure).

    `at` is the observation itself, or (`col` >= 0) the table row holding it, so the usual
    figure is kept without an observation being made for it."""

    value: float
    at: Observation | Placed
    col: int = -1

    @property
    def obs(self) -> Observation:
        at = self.at
        return at if isinstance(at, Observation) else at.block.observation(at.row, self.col)

    @property
    def source(self) -> str:
        at = self.at
        return at.source if isinstance(at, Observation) else at.block.source(at.row, self.col)


@dataclass(frozen=True)
class Note:
    """A commentary line for an indicator and period."""

    ref: str
    period: Period
    text: str
    obs: Observation


@dataclass
class Figures:
    """The validated figures of all returns, by field, indicator and period."""

    by_ref: dict[str, Tables] = field(default_factory=dict)  # use `tables`
    marked_na: dict[Key, Observation] = field(default_factory=dict)  # `n/a` or `-` typed
    rejected: set[tuple[Field, str, Period]] = field(default_factory=set)  # had an error
    notes: list[Note] = field(default_factory=list)
    areas_seen: set[str] = field(default_factory=set)

    dense: Dense | None = field(default=None, compare=False)  # most monthly values: see `tables`

    def tables(self, ref: str, create: bool = False) -> Tables:
        """An indicator's figures, by kind and period. `create`: a table stored to keep figures
        in, one by one; the indicator's figures are never kept in `dense` again after that."""
        dense = self.dense
        if dense is not None and ref not in dense.popped and (create or dense.has(ref)):
            self._put(dense.pop(ref))
        found = self.by_ref.get(ref)
        if found is not None:
            return found
        if create:
            self.by_ref[ref] = {}
            return self.by_ref[ref]
        return {}

    def gather(self) -> None:
        """Every figure as a Figure: `tables` for every indicator, all at once (to rate all)."""
        if self.dense is not None:
            self._put(self.dense.pop_all())

    def _put(self, taken: Iterable[tuple[str, Period, float, Block, Row, int]]) -> None:
        """Monthly values taken out of `dense`, kept as Figures."""
        for ref, period, value, block, row, col in taken:
            tables = self.by_ref.get(ref) or self.by_ref.setdefault(ref, {})
            table = tables.get(Field.VALUE) or tables.setdefault(Field.VALUE, {})
            table[period] = Figure(value, Placed(block, row), col)

    def get(self, what: Field, ref: str, period: Period) -> Figure | None:
        dense = self.dense
        if what is Field.VALUE and dense is not None:  # one figure: not the whole row taken out
            kept = dense.peek(ref, period)
            if kept is not None:
                value, block, row, col = kept
                return Figure(value, Placed(block, row), col)
        return self.tables(ref).get(what, {}).get(period)

    def of(self, ref: str, what: Field) -> dict[Period, Figure]:
        """Every figure of one kind for an indicator, by period."""
        return self.tables(ref).get(what, {})

    def value_periods(self) -> set[Period]:
        periods = {p for fields in self.by_ref.values() for p in fields.get(Field.VALUE, {})}
        return periods | (self.dense.value_periods() if self.dense is not None else set())
