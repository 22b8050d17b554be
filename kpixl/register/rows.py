"""The register's Indicators rows read quickly: a column at a time, each distinct text once.

A register of thousands of indicators repeats the same few words (KPI, percent, monthly, mean)
and numbers typed as text on row after row. `FastRows` reads each column of the sheet in one
pass and looks each cell's answer up, worked out once per distinct text by the very rules
`kpixl.register.load` applies (`enum_value`, `parse_number`); a column the sheet does not have
costs nothing. It gives a row's Indicator only when every cell of the row is good; for a row
with any problem it gives None, and the loader reads that row again with its plain rules, which
report each problem in its own words. tests/test_register_fast_path.py compares the two on
generated sheets and register files.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Iterable, Mapping
from enum import Enum, StrEnum
from typing import Any, Generic, TypeVar

from kpixl.register.model import (
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


class _Answers(dict[object, T | _Bad | None], Generic[T]):
    """Cell value -> what the rules make of it, each distinct text worked out once. Only text is
    kept: 1, 1.0 and True are equal keys to a dict but not the same cell to the rules. `bad`
    says whether any cell looked up so far had a problem (a BAD answer)."""

    def __init__(self, rule: Callable[[object], T | _Bad | None]) -> None:
        super().__init__()
        self.rule = rule
        self.bad = False

    def __missing__(self, raw: object) -> T | _Bad | None:
        answer = self.rule(raw)
        if answer is BAD:
            self.bad = True
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


_DEFAULT_LO = {unit: lo for unit, (lo, _) in _DEFAULT_RANGES.items()}
_DEFAULT_HI = {unit: hi for unit, (_, hi) in _DEFAULT_RANGES.items()}
_ENUMS: dict[str, type[StrEnum]] = {
    "kind": Kind,
    "unit": Unit,
    "frequency": Frequency,
    "ytd": YtdMethod,
    "polarity": Polarity,
    "alert_on": AlertOn,
    "rag_basis": RagBasis,
}
_RANGED = ("target", "floor", "upper", "lower", "prev_year", "min", "max")  # in the unit
Column = list[Any]  # one field's values, a row each
Columns = dict[str, Column]


def _column(rows: list[list[object]], col: int) -> Column | None:
    """The cells of one sheet column, a row each ("" past a short row's end); None when the
    sheet has no such column (its cells then read as "", as a padded row's last cell does)."""
    if col < 0:
        return None
    try:
        return list(map(operator.itemgetter(col), rows))
    except IndexError:
        return [row[col] if col < len(row) else "" for row in rows]


def _texts(cells: Column | None, n: int) -> Column:
    if cells is None:
        return [""] * n
    return [x.strip() if type(x) is str else text_of(x) for x in cells]


def _looked_up(answers: _Answers[T], cells: Column | None, n: int, bad: set[int]) -> Column:
    """Each cell's answer; the rows of BAD ones are added to `bad`."""
    found = [answers[""]] * n if cells is None else list(map(answers.__getitem__, cells))
    if answers.bad:
        bad.update(i for i, value in enumerate(found) if value is BAD)
    return found


def _without(kept: list[int], values: Columns, bad: set[int]) -> tuple[list[int], Columns]:
    """The rows kept, and every column, without the `bad` ones (positions in `kept`)."""
    if not bad:
        return kept, values
    keep = [i for i in range(len(kept)) if i not in bad]
    return [kept[i] for i in keep], {k: [column[i] for i in keep] for k, column in values.items()}


class FastRows:
    """Indicators rows to Indicators, a column at a time, for rows whose every cell is good.

    Each column is read once: a cell's answer is looked up (worked out once per distinct text by
    the rules), and a row is set aside (None) when any of its cells has a problem or its cells
    together break a rule, for the rules to read it again and report each problem."""

    def __init__(
        self, columns: Mapping[str, int], areas: Mapping[str, ServiceArea], rag_basis: RagBasis
    ) -> None:
        self._columns = {name: columns.get(name, -1) for name in COLUMNS}
        self._absent = {name for name, col in self._columns.items() if col < 0}
        self._area: _Answers[str] = _Answers(functools.partial(area_answer, list(areas)))
        self._text: _Answers[str] = _Answers(_text)
        self._rag_basis = rag_basis
        self._enums: dict[str, _Answers[Any]] = {
            name: _enum_answers(name, enum) for name, enum in _ENUMS.items()
        }
        self._plain: _Answers[float] = _Answers(functools.partial(number_answer, percent=False))
        self._percent: _Answers[float] = _Answers(functools.partial(number_answer, percent=True))

    def refs(self, rows: list[list[object]]) -> list[str]:
        """Each row's ref, as `_Row.ref` reads it."""
        return _texts(_column(rows, self._columns["ref"]), len(rows))

    def indicators(
        self, indices: list[int], rows: list[list[object]], refs: list[str]
    ) -> list[Indicator | None]:
        """Each row's Indicator as the rules make it; None for a row where any cell has a
        problem. `indices`: the rows' places in the sheet (0 for Excel's row 1)."""
        n = len(rows)
        raw = {name: _column(rows, col) for name, col in self._columns.items()}
        bad: set[int] = set()
        values = self._answers(raw, n, bad)
        values |= {"ref": refs, "index": indices, "raw_target": raw["target"] or [""] * n}
        kept, values = _without(list(range(n)), values, bad)
        kept, values = _without(kept, values, self._rules_across(values))
        made = self._made(values)
        if len(kept) == n:
            return list(made)
        found: list[Indicator | None] = [None] * n
        for position, indicator in zip(kept, made, strict=True):
            found[position] = indicator
        return found

    def _answers(self, raw: dict[str, Column | None], n: int, bad: set[int]) -> Columns:
        """Every field's answers, cell by cell; rows with a bad cell (or with no description
        or kind) are added to `bad`."""
        values = {"description": _texts(raw["description"], n)}
        values["service_area"] = _looked_up(self._area, raw["service_area"], n, bad)
        for name, answers in self._enums.items():
            values[name] = _looked_up(answers, raw[name], n, bad)
        for name in ("footnote", "short_description", "table"):
            values[name] = _looked_up(self._text, raw[name], n, bad)
        kinds, units = values["kind"], values["unit"]
        if "" in values["description"]:
            bad.update(i for i, d in enumerate(values["description"]) if not d)
        if None in kinds:
            bad.update(i for i, kind in enumerate(kinds) if kind is None)
        if None in units:
            values["unit"] = units = [
                (Unit.PERCENT if k is Kind.KPI else Unit.COUNT) if u is None else u
                for u, k in zip(units, kinds, strict=True)
            ]
        values |= self._numbers(raw, units, n)
        if self._percent.bad or self._plain.bad:
            for name in (*_RANGED, "order", "decimals", "periods_shown"):
                bad.update(i for i, value in enumerate(values[name]) if value is BAD)
        return values

    def _numbers(self, raw: dict[str, Column | None], units: Column, n: int) -> Columns:
        """The number cells as the rules read them (BAD: a problem). A float is taken as it is
        when the rules would (a percentage's within -1 to 1, as 100% is 1); anything else is
        looked up. A float out of bounds (or not finite) fails the rules' checks."""
        values: Columns = {}
        pct, plain, b = self._percent, self._plain, LARGEST
        percent = [u is Unit.PERCENT for u in units]
        for name in _RANGED:
            cells = raw[name]
            values[name] = [None] * n if cells is None else [
                (x if type(x) is float and -1.0 <= x <= 1.0 else pct[x]) if p
                else (x if type(x) is float and -b <= x <= b else plain[x])
                for x, p in zip(cells, percent, strict=True)
            ]  # fmt: skip
        cells = raw["order"]
        values["order"] = [None] * n if cells is None else [
            x if type(x) is float and -b <= x <= b else plain[x] for x in cells
        ]  # fmt: skip
        for name in ("decimals", "periods_shown"):
            cells = raw[name]
            values[name] = [None] * n if cells is None else [
                x if type(x) is float else plain[x] for x in cells
            ]  # fmt: skip
        return values

    def _rules_across(self, values: Columns) -> set[int]:
        """The rows whose good cells together break a rule; sets each row's polarity."""
        bad = {
            i
            for i, (k, t, r) in enumerate(
                zip(values["kind"], values["target"], values["raw_target"], strict=True)
            )
            if k is Kind.KPI and t is None and not _text(r)
        }  # a KPI with no target (n/a will do)
        if not {"upper", "lower"} <= self._absent:
            bad.update(
                i
                for i, (u, lo) in enumerate(zip(values["upper"], values["lower"], strict=True))
                if (u is None) != (lo is None) or (u or 0.0) < (lo or 0.0)
            )
        for name, least, top in (("decimals", 0, 6), ("periods_shown", 1, PERIODS_SHOWN_MAX)):
            if name not in self._absent:
                bad.update(
                    i
                    for i, x in enumerate(values[name])
                    if x is not None and not (x.is_integer() and least <= x <= top)
                )
        polarities = values["polarity"] = [
            p if p is not None else
            Polarity.LOWER if t is not None and f is not None and t < f else Polarity.HIGHER
            for p, t, f in zip(values["polarity"], values["target"], values["floor"], strict=True)
        ]  # fmt: skip
        if "polarity" not in self._absent:
            bad.update(
                i
                for i, (p, t, f) in enumerate(
                    zip(polarities, values["target"], values["floor"], strict=True)
                )
                if _conflicts(p, t, f)
            )
        return bad

    def _made(self, values: Columns) -> list[Indicator]:
        """The Indicators of rows whose every cell and rule is good, with defaults applied (a
        column the sheet does not have is all defaults)."""
        n, kinds, units, absent = len(values["ref"]), values["kind"], values["unit"], self._absent

        def given_or(name: str, default: object) -> Iterable[object]:
            if name in absent:
                return itertools.repeat(default, n)
            return [x or default for x in values[name]]

        ytd: Iterable[object] = map(_DEFAULT_YTD.__getitem__, zip(kinds, units, strict=True))
        if "ytd" not in absent:
            ytd = [y or d for y, d in zip(values["ytd"], ytd, strict=True)]
        lo: Iterable[float | None] = map(_DEFAULT_LO.__getitem__, units)
        hi: Iterable[float | None] = map(_DEFAULT_HI.__getitem__, units)
        if "min" not in absent:
            lo = (d if x is None else x for x, d in zip(values["min"], lo, strict=True))
        if "max" not in absent:
            hi = (d if x is None else x for x, d in zip(values["max"], hi, strict=True))
        indices = values["index"]
        order: Iterable[float] = map(float, indices)
        if "order" not in absent:
            order = (d if x is None else x for x, d in zip(values["order"], order, strict=True))
        decimals = (int(x or 0) for x in values["decimals"])
        shown = (None if x is None else int(x) for x in values["periods_shown"])
        return list(map(indicator_from_values, zip(
            values["ref"], values["description"], values["service_area"], kinds,
            given_or("frequency", Frequency.MONTHLY), units, decimals, values["polarity"],
            values["target"], values["floor"], ytd, values["upper"], values["lower"],
            given_or("alert_on", AlertOn.YTD), values["prev_year"],
            given_or("rag_basis", self._rag_basis), lo, hi, values["footnote"], order,
            values["short_description"], values["table"], shown,
            map(operator.add, indices, itertools.repeat(1)), strict=True,
        )))  # fmt: skip
