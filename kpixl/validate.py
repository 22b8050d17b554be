"""Check every figure a return gives against the register; keep the good ones, explain the rest."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from kpixl.issues import Issue, IssueCode, error, warning
from kpixl.periods import Period
from kpixl.plausibility import format_value
from kpixl.register import Indicator, Register, Unit
from kpixl.returns import Field, Observation, ReturnFile
from kpixl.values import LARGEST, parse_number, text_of

Key = tuple[str, Period]
_PERCENT_FIELDS = {Field.VALUE, Field.YTD, Field.PREV_YEAR, Field.TARGET, Field.FLOOR}
_RANGE_FIELDS = {Field.VALUE, Field.YTD, Field.PREV_YEAR}
_PER_PERIOD = {Field.VALUE, Field.NUMERATOR, Field.DENOMINATOR}


class Figure(NamedTuple):
    """A figure that passed every check, with the cell it came from (a tuple: made per figure)."""

    value: float
    obs: Observation

    @property
    def source(self) -> str:
        return self.obs.source


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

    by_ref: dict[str, dict[Field, dict[Period, Figure]]] = field(default_factory=dict)
    marked_na: dict[Key, Observation] = field(default_factory=dict)  # `n/a` or `-` typed
    rejected: set[tuple[Field, str, Period]] = field(default_factory=set)  # had an error
    notes: list[Note] = field(default_factory=list)
    areas_seen: set[str] = field(default_factory=set)

    def get(self, what: Field, ref: str, period: Period) -> Figure | None:
        return self.by_ref.get(ref, {}).get(what, {}).get(period)

    def of(self, ref: str, what: Field) -> dict[Period, Figure]:
        """Every figure of one kind for an indicator, by period."""
        return self.by_ref.get(ref, {}).get(what, {})

    def value_periods(self) -> set[Period]:
        return {p for fields in self.by_ref.values() for p in fields.get(Field.VALUE, {})}


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
        self.figures = Figures()
        self.issues: list[Issue] = []
        self.conflicted: set[tuple[Field, Key]] = set()
        self._unknown: set[tuple[str, str, str]] = set()
        self._mismatch: set[tuple[str, str, str, Field]] = set()
        self._found: dict[str, Indicator | None] = {}  # register.find, by ref as written
        self._plain: dict[str, tuple[float, float, bool]] = {}  # by ref: see _plain_values

    def check(self, obs: Observation) -> None:
        try:
            ind = self._found[obs.ref]
        except KeyError:
            ind = self._found[obs.ref] = self.register.find(obs.ref)
        if ind is None:
            self._unknown_ref(obs)
            return
        self.figures.areas_seen.add(ind.service_area)
        raw = obs.raw
        if obs.field is Field.VALUE and type(raw) is float and not obs.formula_without_value:
            # the usual figure: a plain number check_plainly would keep as it is
            try:
                plain = self._plain[ind.ref]
            except KeyError:
                plain = self._plain[ind.ref] = _plain_values(ind)
            low, high, points = plain
            if low <= raw <= high and not (points and 1 < abs(raw) <= 100):
                self._keep(obs, ind, raw)
                return
        self.check_plainly(obs, ind)

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
        if obs.field is Field.COMMENTARY:
            text = text_of(obs.raw)
            if text:
                self.figures.notes.append(Note(ind.ref, obs.period, text, obs))
            return
        value = self._number(obs, ind)
        if value is not None:
            self._store(obs, ind, value)

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
        self._keep(obs, ind, value)

    def _keep(self, obs: Observation, ind: Indicator, value: float) -> None:
        """Store a figure that passed every check, unless it conflicts with one kept before."""
        tables = self.figures.by_ref.get(ind.ref) or self.figures.by_ref.setdefault(ind.ref, {})
        table = tables.get(obs.field) or tables.setdefault(obs.field, {})
        if self.conflicted and (obs.field, (ind.ref, obs.period)) in self.conflicted:
            return
        first = table.get(obs.period)
        if first is None:
            table[obs.period] = Figure(value, obs)
        elif abs(first.value - value) > 1e-9 * max(1.0, abs(value)):
            self._conflict(obs, ind, first, value)

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


def _plain_values(ind: Indicator) -> tuple[float, float, bool]:
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
        for obs in return_file.observations:
            check(obs)
