"""Check every figure a return gives against the register; keep the good ones, explain the rest."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import cast

from kpixl.check.figures import Figure, Figures, Key, Note, Placed
from kpixl.check.plausibility import format_value
from kpixl.issues import Issue, IssueCode, error, warning
from kpixl.periods import Period, quarter_label
from kpixl.read.observations import Block, Field, Observation, ReturnFile, Row
from kpixl.register.model import Indicator, Register, Unit
from kpixl.values import ERROR_VALUES, LARGEST, error_value, parse_number, text_of

__all__ = ["Figure", "Figures", "Note", "Validator", "validate"]
_PERCENT_FIELDS = {Field.VALUE, Field.YTD, Field.PREV_YEAR, Field.TARGET, Field.FLOOR}
_RANGE_FIELDS = {Field.VALUE, Field.YTD, Field.PREV_YEAR}
_PER_PERIOD = {Field.VALUE, Field.NUMERATOR, Field.DENOMINATOR}
_UNIT_WORDS = {
    Unit.COUNT: "a count",
    Unit.CURRENCY_K: "a sum of money (£000s)",
    Unit.SECONDS: "a time in seconds",
    Unit.NUMBER: "a number",
}


def _at(obs: Observation, ref: str = "") -> dict[str, str]:
    return {
        "file": obs.file,
        "sheet": obs.sheet,
        "cell": obs.cell,
        "ref": ref or obs.ref,
        "period": str(obs.period),
    }


class _Checker:
    def __init__(self, register: Register) -> None:
        self.register = register
        from kpixl.check.dense import Dense  # numpy: imported once a register is read, not at start

        self.figures = Figures(dense=Dense(register))
        self.issues: list[Issue] = []
        self.conflicted: set[tuple[Field, Key]] = set()
        self._unknown: set[tuple[str, str, str]] = set()
        self._mismatch: set[tuple[str, str, str, Field]] = set()
        self._found: dict[str, Indicator | None] = {}  # register.find, by ref as written
        self._plain: dict[str, tuple[float, float, bool]] = {}  # by ref: see plain_values
        self._counts = any(i.unit is Unit.COUNT for i in register.indicators.values())

    def check(self, obs: Observation) -> None:
        ind = self.indicator(obs.ref)
        if ind is None:
            self._unknown_ref(obs)
            return
        self.figures.areas_seen.add(ind.service_area)
        raw = obs.raw
        if (
            obs.field is Field.VALUE
            and not obs.formula_without_value
            and _kept_as_is(raw, self.plain(ind))
        ):
            self._keep(ind, obs.field, obs.period, Figure(cast(float, raw), obs))
            return
        self.check_plainly(obs, ind)

    def indicator(self, ref: str) -> Indicator | None:
        try:
            return self._found[ref]
        except KeyError:
            ind = self._found[ref] = self.register.find(ref)
            return ind

    def plain(self, ind: Indicator) -> tuple[float, float, bool]:
        try:
            return self._plain[ind.ref]
        except KeyError:
            plain = self._plain[ind.ref] = plain_values(ind)
            return plain

    def check_block(self, block: Block) -> None:
        """`check` for each cell of a table, quickly: a row of plain monthly values (the usual
        row) is kept whole; any other cell is made an observation and checked by the rules."""
        if any(column.quarter for column in block.columns):
            block = self._quarter_cells(block)
        periods = _own_periods(block)
        inds = list(map(self.register.find, (row.ref for row in block.rows)))
        dense = self.figures.dense
        if periods is not None and dense is not None:
            kept = dense.keep(block, inds, periods, self.figures.areas_seen)
        else:
            kept = [False] * len(inds)
        counts = self._counts
        for row, ind, done in zip(block.rows, inds, kept, strict=True):
            if done:
                if counts and ind is not None and ind.unit is Unit.COUNT:
                    self._whole_count(block, row, ind)  # told in row order, as one by one
                continue
            if ind is None or row.missing:
                for obs in block.observations(row):
                    self.check(obs)
            else:
                self._check_row(block, row, ind)

    def _quarter_cells(self, block: Block) -> Block:
        """Check the cells of a table's quarter columns (`Q4 2024/25`): a quarterly indicator's
        figure is the quarter's last month's (in the register's financial year); any other
        indicator's is refused, as a quarter is not a month. The table without those cells is
        returned, for the rest of its cells to be checked as usual."""
        quarters = {i for i, column in enumerate(block.columns) if column.quarter}
        start = self.register.settings.fy_start_month
        rows = []
        for row in block.rows:
            ind = self.indicator(row.ref)
            for i in sorted(quarters):
                if row.cells[i] is None and i not in row.missing:
                    continue
                obs = block.observation(row, i)
                if ind is None or ind.is_quarterly:  # an unknown ref is told as usual
                    self.check(obs._replace(period=obs.period.shift(start - 4)))
                else:
                    self._not_a_quarter(obs, ind, start)
            cells = tuple(None if i in quarters else v for i, v in enumerate(row.cells))
            missing = tuple(i for i in row.missing if i not in quarters)
            rows.append(row._replace(cells=cells, missing=missing))
        return block._replace(rows=rows)

    def _not_a_quarter(self, obs: Observation, ind: Indicator, start: int) -> None:
        label = quarter_label(obs.period.shift(start - 4), start)
        message = (
            f"{ind.ref} is monthly, but this column is a quarter ({label}): its figure is not "
            "used; give the figure under its month's heading"
        )
        self.reject(obs, ind, error(IssueCode.BAD_PERIOD, message, **_at(obs, ind.ref)))

    def _whole_count(self, block: Block, row: Row, ind: Indicator) -> None:
        """`not_whole` for the plain monthly values of a count's row `Dense` kept."""
        cells = cast(tuple[float, ...], row.cells)
        try:
            if all(map(float.is_integer, cells)):  # the usual row, at C's speed
                return
        except TypeError:  # a blank among them: one by one
            pass
        for i, value in enumerate(row.cells):
            if value is not None and not cast(float, value).is_integer():
                self.not_whole(block.observation(row, i), ind, cast(float, value))

    def not_whole(self, obs: Observation, ind: Indicator, value: float) -> None:
        self.issues.append(
            warning(
                IssueCode.NOT_WHOLE,
                (
                    f"{ind.ref} {obs.period.label} is {value:g}, but {ind.ref} is a count, so a "
                    "whole number: check the figure (was a percentage or an average typed?)"
                ),
                **_at(obs, ind.ref),
            )
        )

    def _check_row(self, block: Block, row: Row, ind: Indicator) -> None:
        """`check` for each cell of a row of a known indicator, one by one."""
        plain = self.plain(ind)
        columns, placed, given = block.columns, Placed(block, row), False
        for i, raw in enumerate(row.cells):
            if raw is None:
                continue
            given = True
            period = columns[i].period or row.period
            if columns[i].field is Field.VALUE and _kept_as_is(raw, plain):
                self._keep(ind, Field.VALUE, period, _figure((cast(float, raw), placed, i)))
            else:
                self.check_plainly(block.observation(row, i), ind)
        if given:
            self.figures.areas_seen.add(ind.service_area)

    def check_plainly(self, obs: Observation, ind: Indicator) -> None:
        """Every rule, one by one (`check` keeps a plain number without them when it may)."""
        if obs.formula_without_value:
            self.reject(
                obs,
                ind,
                error(
                    IssueCode.FORMULA_NO_VALUE,
                    (
                        f"{ind.ref} {obs.period.label}: the formula in this cell has no saved result (the "
                        "file was saved without calculating): open it in Excel, recalculate (F9), save "
                        "and send it again, or type the figure"
                    ),
                    **_at(obs, ind.ref),
                ),
            )
            return
        shown = error_value(obs.raw)
        if shown is not None:
            self._error_value(obs, ind, shown)
            return
        if obs.field is Field.COMMENTARY:
            text = text_of(obs.raw)
            if text:
                self.figures.notes.append(Note(ind.ref, obs.period, text, obs))
            return
        value = self._number(obs, ind)
        if value is not None:
            self._store(obs, ind, value)

    def _error_value(self, obs: Observation, ind: Indicator, shown: str) -> None:
        """A cell showing an Excel error (#DIV/0!): an error for a figure, which is left out;
        a warning for commentary, left out too."""
        what = "" if obs.field is Field.VALUE else " " + obs.field.value.replace("_", " ")
        where = _at(obs, ind.ref)
        if obs.field is Field.COMMENTARY:
            message = f"{ind.ref} {obs.period.label} commentary is {shown}: {ERROR_VALUES[shown]}; type the commentary"
            self.issues.append(warning(IssueCode.ERROR_VALUE, message, **where))
            return
        message = f"{ind.ref} {obs.period.label}{what} is {shown}: {ERROR_VALUES[shown]}; type the figure or n/a"
        self.reject(obs, ind, error(IssueCode.ERROR_VALUE, message, **where))

    def reject(self, obs: Observation, ind: Indicator, issue: Issue) -> None:
        self.issues.append(issue)
        self.figures.rejected.add((obs.field, ind.ref, obs.period))

    def _unknown_ref(self, obs: Observation) -> None:
        key = (obs.file, obs.sheet, obs.ref.upper())
        if key in self._unknown:
            return
        self._unknown.add(key)
        self.issues.append(
            error(
                IssueCode.UNKNOWN_REF,
                (
                    f"'{obs.ref}' is not an indicator in the register: correct the ref, or add the "
                    "indicator to the register"
                ),
                **(_at(obs) | {"cell": obs.ref_cell or obs.cell}),
            )
        )

    def _number(self, obs: Observation, ind: Indicator) -> float | None:
        raw = obs.raw
        if type(raw) is float and abs(raw) <= LARGEST:  # the usual cell (NaN and inf fail here)
            return self._checked(obs, ind, raw, percent_sign=False)
        parsed = parse_number(raw)
        if parsed.problem:
            what = obs.field.value.replace("_", " ")
            self.reject(
                obs,
                ind,
                error(
                    IssueCode.NOT_NUMERIC,
                    (
                        f"{ind.ref} {obs.period.label} {what} {parsed.problem}: type a number, or n/a "
                        "if there is no figure"
                    ),
                    **_at(obs, ind.ref),
                ),
            )
            return None
        value = parsed.value
        if value is None:
            if obs.field is Field.VALUE:
                self.figures.marked_na[(ind.ref, obs.period)] = obs
            return None
        return self._checked(obs, ind, value, parsed.was_percent_sign)

    def _checked(
        self, obs: Observation, ind: Indicator, value: float, percent_sign: bool
    ) -> float | None:
        """A number read from a cell, as a fraction when typed as percentage points, in range."""
        if percent_sign and ind.unit is not Unit.PERCENT:
            what = obs.field.value.replace("_", " ")
            self.reject(
                obs,
                ind,
                error(
                    IssueCode.UNEXPECTED_PERCENT,
                    (
                        f"{ind.ref} {obs.period.label} {what} is {text_of(obs.raw)}, a percentage, "
                        f"but {ind.ref} is {_UNIT_WORDS.get(ind.unit, 'not a percentage')}: type "
                        "the figure itself, without %"
                    ),
                    **_at(obs, ind.ref),
                ),
            )
            return None
        if (
            ind.unit is Unit.PERCENT
            and obs.field in _PERCENT_FIELDS
            and not percent_sign
            and 1 < abs(value) <= 100
        ):
            what = obs.field.value.replace("_", " ")
            self.issues.append(
                warning(
                    IssueCode.PERCENT_POINTS,
                    (
                        f"{ind.ref} {obs.period.label} {what} is {text_of(obs.raw)}, read as "
                        f"{value:g}%: type percentages as {value:g}% (or {value / 100:g}), not as "
                        "whole numbers"
                    ),
                    **_at(obs, ind.ref),
                )
            )
            value /= 100
        return self._in_range(obs, ind, value)

    def _in_range(self, obs: Observation, ind: Indicator, value: float) -> float | None:
        if obs.field in _RANGE_FIELDS:
            low, high = ind.min, ind.max
        elif obs.field in (Field.NUMERATOR, Field.DENOMINATOR):
            low, high = 0.0, None
        else:
            return value
        if (low is not None and value < low) or (high is not None and value > high):
            allowed = (
                f"from {format_value(low, ind)} to {format_value(high, ind)}"
                if low is not None and high is not None
                else f"at least {format_value(low, ind)}"
                if low is not None
                else f"at most {format_value(high or 0.0, ind)}"
            )
            what = obs.field.value.replace("_", " ")
            shown = format_value(value, ind) if obs.field in _RANGE_FIELDS else f"{value:g}"
            self.reject(
                obs,
                ind,
                error(
                    IssueCode.OUT_OF_RANGE,
                    (
                        f"{ind.ref} {obs.period.label} {what} is {shown}, but it must be {allowed}: check "
                        "the figure"
                    ),
                    **_at(obs, ind.ref),
                ),
            )
            return None
        return value

    def _store(self, obs: Observation, ind: Indicator, value: float) -> None:
        if obs.field in (Field.TARGET, Field.FLOOR):
            self._threshold(obs, ind, value)
            return
        if (
            ind.is_quarterly
            and obs.field in _PER_PERIOD
            and not obs.period.is_quarter_end(self.register.settings.fy_start_month)
        ):
            self.reject(
                obs,
                ind,
                error(
                    IssueCode.NOT_QUARTER_END,
                    (
                        f"{ind.ref} is quarterly, but a figure is given for {obs.period.label}, which is "
                        "not a quarter end: move it to the quarter-end month or remove it"
                    ),
                    **_at(obs, ind.ref),
                ),
            )
            return
        self._keep(ind, obs.field, obs.period, Figure(value, obs))

    def _keep(self, ind: Indicator, what: Field, period: Period, figure: Figure) -> None:
        """Store a figure that passed every check, unless it conflicts with one kept before."""
        tables = self.figures.tables(ind.ref, create=True)
        table = tables.get(what) or tables.setdefault(what, {})
        if self.conflicted and (what, (ind.ref, period)) in self.conflicted:
            return
        first = table.get(period)
        if first is None:
            table[period] = figure
            if ind.unit is Unit.COUNT and what is Field.VALUE and not figure.value.is_integer():
                self.not_whole(figure.obs, ind, figure.value)
        elif abs(first.value - figure.value) > 1e-9 * max(1.0, abs(figure.value)):
            self._conflict(figure.obs, ind, first, figure.value)

    def _conflict(self, obs: Observation, ind: Indicator, first: Figure, value: float) -> None:
        key = (ind.ref, obs.period)
        self.conflicted.add((obs.field, key))
        del self.figures.by_ref[ind.ref][obs.field][obs.period]
        what = obs.field.value.replace("_", " ")
        here, there = format_value(value, ind), format_value(first.value, ind)
        if here == there:  # they differ beyond the shown decimals: show the figures in full
            here, there = f"{value:.10g}", f"{first.value:.10g}"
        self.reject(
            obs,
            ind,
            error(
                IssueCode.CONFLICTING_VALUE,
                (
                    f"{ind.ref} {obs.period.label} {what} is {here} here but {there} in {first.obs.file}, sheet '{first.obs.sheet}', cell "
                    f"{first.obs.cell}: keep one figure (remove the out-of-date return); neither is "
                    "used"
                ),
                **_at(obs, ind.ref),
            ),
        )

    def _threshold(self, obs: Observation, ind: Indicator, value: float) -> None:
        expected = ind.target if obs.field is Field.TARGET else ind.floor
        key = (obs.file, obs.sheet, ind.ref, obs.field)
        if (expected is not None and abs(expected - value) <= 1e-9) or key in self._mismatch:
            return
        self._mismatch.add(key)
        code = IssueCode.TARGET_MISMATCH if obs.field is Field.TARGET else IssueCode.FLOOR_MISMATCH
        register_says = format_value(expected, ind) if expected is not None else "nothing"
        self.issues.append(
            warning(
                code,
                (
                    f"{ind.ref}'s {obs.field.value} here is {format_value(value, ind)} but the register says "
                    f"{register_says}: the register's figure is used; update the register if the "
                    f"{obs.field.value} has changed"
                ),
                **_at(obs, ind.ref),
            )
        )


_FLOAT = {float}


def _own_periods(block: Block) -> tuple[Period, ...] | None:
    """Each column's period when every column holds monthly values for a period of its own,
    each a different one (the usual wide table); else None."""
    periods = tuple(c.period for c in block.columns if c.field is Field.VALUE and c.period)
    if len(periods) != len(block.columns) or len(set(periods)) != len(periods):
        return None
    return periods


# Figure((value, at, col)) without NamedTuple's __new__ in Python: one is made per figure
_figure = cast(
    Callable[[tuple[float, Placed, int]], Figure], functools.partial(tuple.__new__, Figure)
)


def _kept_as_is(raw: object, plain: tuple[float, float, bool]) -> bool:
    """True for a plain number check_plainly would keep as it is (`plain`: plain_values)."""
    low, high, points = plain
    return type(raw) is float and low <= raw <= high and not (points and 1 < abs(raw) <= 100)


def plain_values(ind: Indicator) -> tuple[float, float, bool]:
    """The values of an indicator's monthly Value a plain float cell may hold to be kept as it
    is, with no issue: (lowest, highest, whether 1 < |v| <= 100 is taken for percentage points).

    The range is empty for a quarterly indicator (a figure's month must be checked) and within
    LARGEST (NaN, inf and huge numbers take the plain path and its messages)."""
    if ind.is_quarterly:
        return (1.0, 0.0, False)
    low = -LARGEST if ind.min is None else max(-LARGEST, ind.min)
    high = LARGEST if ind.max is None else min(LARGEST, ind.max)
    return (low, high, ind.unit is Unit.PERCENT)


def validate(register: Register, files: Iterable[ReturnFile]) -> tuple[Figures, list[Issue]]:
    """Check every observation of every return; values with errors are left out."""
    validator = Validator(register)
    for return_file in files:
        validator.add(return_file)
    return validator.figures, validator.issues


class Validator:
    """`validate`, one return at a time: add the returns in order, then read the outcome."""

    def __init__(self, register: Register) -> None:
        self._checker = _Checker(register)
        self.figures, self.issues = self._checker.figures, self._checker.issues

    def add(self, return_file: ReturnFile) -> None:
        checker = self._checker
        checker.issues.extend(return_file.issues)
        check = checker.check
        for obs in return_file.loose:
            check(obs)
        for block in return_file.blocks:
            checker.check_block(block)
