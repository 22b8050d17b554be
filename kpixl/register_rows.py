"""The register's Indicators rows read quickly: each distinct cell text parsed once, by the rules.

A register of thousands of indicators repeats the same few words (KPI, percent, monthly, mean)
and numbers typed as text on row after row. `FastRows` reads a row straight from its row list and
looks each cell's answer up, worked out once per distinct text by the very rules
`kpixl.register_loader` applies (`enum_value`, `parse_number`). It gives the row's Indicator
only when every cell of the row is good; for a row with any problem it gives None, and the
loader reads that row again with its plain rules, which report each problem in its own words.
tests/test_register_fast_path.py compares the two on generated rows.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping
from enum import Enum, StrEnum
from typing import Generic, TypeVar

from kpixl.register import (
    AlertOn,
    Frequency,
    Indicator,
    Kind,
    Polarity,
    RagBasis,
    ServiceArea,
    Unit,
    YtdMethod,
    indicator_from_values,
)
from kpixl.values import LARGEST, parse_number, text_of

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")

PERIODS_SHOWN_MAX = 24
ALIASES = {"kind": {"kpi": "KPI", "activity": "Activity"}}

# The Indicators columns a row is read from, in the order `FastRows.indicator` unpacks them.
COLUMNS = (
    "ref",
    "description",
    "service_area",
    "kind",
    "unit",
    "frequency",
    "ytd",
    "polarity",
    "alert_on",
    "rag_basis",
    "target",
    "floor",
    "upper",
    "lower",
    "prev_year",
    "min",
    "max",
    "order",
    "decimals",
    "periods_shown",
    "footnote",
    "short_description",
    "table",
)


def enum_value(raw: object, enum: type[E], default: E, complain: Callable[[str], None]) -> E:
    """The enum member a cell names (any case, spaces for underscores); blank: the default."""
    if raw is None:
        return default
    text = text_of(raw)
    if not text:
        return default
    member: E | None = _members(enum).get(text.lower().replace(" ", "_"))
    if member is not None:
        return member
    allowed = ", ".join(m.value for m in enum)
    complain(f"'{text}' is not one of: {allowed}")
    return default


@functools.cache
def _members(enum: type[E]) -> dict[str, E]:
    """An enum's members by their value in lower case (the first of equal ones)."""
    members: dict[str, E] = {}
    for member in enum:
        members.setdefault(member.value.lower(), member)
    return members


def default_ytd(kind: Kind, unit: Unit) -> YtdMethod:
    """Ratio for percent KPIs, sum for counts and money, else the mean."""
    return {
        Unit.PERCENT: YtdMethod.RATIO if kind is Kind.KPI else YtdMethod.MEAN,
        Unit.COUNT: YtdMethod.SUM,
        Unit.CURRENCY_K: YtdMethod.SUM,
    }.get(unit, YtdMethod.MEAN)


def default_range(unit: Unit) -> tuple[float | None, float | None]:
    if unit is Unit.PERCENT:
        return 0.0, 1.0
    if unit is Unit.NUMBER:
        return None, None
    return 0.0, None


class _Bad(Enum):
    BAD = "bad"


BAD = _Bad.BAD  # the cell has a problem: the plain rules must read the row and report it


def enum_answer(name: str, enum: type[E], raw: object) -> E | _Bad | None:
    """What the rules make of an enum cell: its member, None when blank (the row's default
    then applies), or BAD when the rules would report it."""
    if raw is None or raw == "":
        return None  # `_Table.values` leaves blank cells out
    if isinstance(raw, str):
        raw = ALIASES.get(name, {}).get(raw.strip().lower(), raw)
    problems: list[str] = []
    member = enum_value(raw, enum, next(iter(enum)), problems.append)
    if problems:
        return BAD
    return member if text_of(raw) else None


def number_answer(raw: object, percent: bool) -> float | _Bad | None:
    """What the rules make of a number cell: its value, None when blank or n/a, or BAD."""
    if raw is None or raw == "":
        return None
    parsed = parse_number(raw)
    if parsed.problem:
        return BAD
    value = parsed.value
    if value is not None and percent and abs(value) > 1 and not parsed.was_percent_sign:
        return BAD
    return value


class _Reject(Exception):
    """A cell of the row has a problem: the plain rules read the row and report it."""


class _Answers(dict[object, T | None], Generic[T]):
    """Cell value -> the rules' good answer, each distinct text worked out once. Only text is
    kept: 1, 1.0 and True are equal keys to a dict but not the same cell to the rules."""

    def __init__(self, rule: Callable[[object], T | _Bad | None]) -> None:
        super().__init__()
        self.rule = rule

    def __missing__(self, raw: object) -> T | None:
        answer = self.rule(raw)
        if answer is BAD:
            raise _Reject
        if type(raw) is str:
            self[raw] = answer
        return answer


def _enum_answers(name: str, enum: type[E]) -> _Answers[E]:
    return _Answers(functools.partial(enum_answer, name, enum))


def area_answer(areas: list[str], raw: object) -> str | _Bad:
    """The service area a cell names, as the Service areas sheet spells it, or BAD."""
    area = _text(raw)
    if area in areas:
        return area
    return next((a for a in areas if a.lower() == area.lower()), BAD)


def _conflicts(given: Polarity, target: float | None, floor: float | None) -> bool:
    """Whether the polarity a row gives says otherwise than its target and floor."""
    if target is None or floor is None or target == floor:
        return False
    return given is not (Polarity.LOWER if target < floor else Polarity.HIGHER)


def _text(raw: object) -> str:
    return raw.strip() if type(raw) is str else text_of(raw)


_DEFAULT_RANGES = {unit: default_range(unit) for unit in Unit}
_DEFAULT_YTD = {(kind, unit): default_ytd(kind, unit) for kind in Kind for unit in Unit}


class FastRows:
    """Indicators rows to Indicators, for rows whose every cell is good.

    Rows must be padded as `register_loader._table` pads them: every named column present and
    one blank cell after the last, which stands in for the columns the sheet does not have."""

    def __init__(
        self, columns: Mapping[str, int], areas: Mapping[str, ServiceArea], rag_basis: RagBasis
    ) -> None:
        self._cells = operator.itemgetter(*(columns.get(name, -1) for name in COLUMNS))
        self._ref = columns.get("ref", -1)
        self._area: _Answers[str] = _Answers(functools.partial(area_answer, list(areas)))
        self._text: _Answers[str] = _Answers(_text)
        self._rag_basis = rag_basis
        self._kind = _enum_answers("kind", Kind)
        self._unit = _enum_answers("unit", Unit)
        self._frequency = _enum_answers("frequency", Frequency)
        self._ytd = _enum_answers("ytd", YtdMethod)
        self._polarity = _enum_answers("polarity", Polarity)
        self._alert_on = _enum_answers("alert_on", AlertOn)
        self._rag = _enum_answers("rag_basis", RagBasis)
        self._plain: _Answers[float] = _Answers(functools.partial(number_answer, percent=False))
        self._percent: _Answers[float] = _Answers(functools.partial(number_answer, percent=True))

    def ref(self, row: list[object]) -> str:
        """The row's ref, as `_Row.ref` reads it."""
        return _text(row[self._ref])

    def indicator(self, index: int, row: list[object], ref: str) -> Indicator | None:
        """The row's Indicator, as the rules make it; None if any cell has a problem."""
        try:
            return self._read(index, row, ref)
        except _Reject:
            return None

    def _read(self, index: int, row: list[object], ref: str) -> Indicator | None:
        cells = self._cells(row)
        description = _text(cells[1])
        kind, unit, area = self._kind[cells[3]], self._unit[cells[4]], self._area[cells[2]]
        if kind is None or not description:
            return None
        if unit is None:
            unit = Unit.PERCENT if kind is Kind.KPI else Unit.COUNT
        numbers = self._numbers(cells, unit)
        if numbers is None or (kind is Kind.KPI and numbers[0] is None and not _text(cells[10])):
            return None
        target, floor, upper, lower, prev_year, lo, hi, order, decimals, shown = numbers
        polarity = self._polarity[cells[7]]
        if polarity is None:
            lower_is_better = target is not None and floor is not None and target < floor
            polarity = Polarity.LOWER if lower_is_better else Polarity.HIGHER
        elif _conflicts(polarity, target, floor):
            return None
        lo_default, hi_default = _DEFAULT_RANGES[unit]
        text = self._text
        return indicator_from_values((
            ref, description, area, kind, self._frequency[cells[5]] or Frequency.MONTHLY, unit,
            int(decimals or 0), polarity, target, floor,
            self._ytd[cells[6]] or _DEFAULT_YTD[kind, unit], upper, lower,
            self._alert_on[cells[8]] or AlertOn.YTD, prev_year,
            self._rag[cells[9]] or self._rag_basis,
            lo_default if lo is None else lo, hi_default if hi is None else hi,
            text[cells[20]], float(index) if order is None else order, text[cells[21]],
            text[cells[22]], None if shown is None else int(shown), index + 1,
        ))  # fmt: skip

    def _numbers(self, cells: tuple[object, ...], unit: Unit) -> tuple[float | None, ...] | None:
        """The row's number cells as the rules read them, or None if they break a rule. A float
        is taken as it is when the rules would (a percentage's within -1 to 1, as 100% is 1);
        anything else is looked up."""
        num, b = (self._percent, 1.0) if unit is Unit.PERCENT else (self._plain, LARGEST)
        target = x if type(x := cells[10]) is float and -b <= x <= b else num[x]
        floor = x if type(x := cells[11]) is float and -b <= x <= b else num[x]
        upper = x if type(x := cells[12]) is float and -b <= x <= b else num[x]
        lower = x if type(x := cells[13]) is float and -b <= x <= b else num[x]
        prev_year = x if type(x := cells[14]) is float and -b <= x <= b else num[x]
        lo = x if type(x := cells[15]) is float and -b <= x <= b else num[x]
        hi = x if type(x := cells[16]) is float and -b <= x <= b else num[x]
        plain = self._plain
        order = x if type(x := cells[17]) is float and -LARGEST <= x <= LARGEST else plain[x]
        # a float out of bounds (or not finite) fails the checks below, as the rules' would
        decimals = x if type(x := cells[18]) is float else plain[x]
        shown = x if type(x := cells[19]) is float else plain[x]
        if (upper is None) != (lower is None) or (upper or 0.0) < (lower or 0.0):
            return None
        if decimals is not None and not (decimals.is_integer() and 0 <= decimals <= 6):
            return None
        if shown is not None and not (shown.is_integer() and 1 <= shown <= PERIODS_SHOWN_MAX):
            return None
        return target, floor, upper, lower, prev_year, lo, hi, order, decimals, shown
