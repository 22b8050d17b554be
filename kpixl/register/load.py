"""Read the register workbook: loose headers, defaults applied, every problem collected."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat
from pathlib import Path
from typing import TypeVar, cast

from kpixl.cells import a1
from kpixl.errors import RegisterError
from kpixl.issues import Issue, IssueCode, error
from kpixl.read.collector import collector_paused
from kpixl.read.workbook import Sheet, WorkbookError, read_workbook
from kpixl.register.model import (
    AlertOn,
    Frequency,
    Indicator,
    Kind,
    Polarity,
    RagBasis,
    Register,
    ServiceArea,
    Settings,
    Unit,
    YtdMethod,
)
from kpixl.register.rows import (
    ALIASES,
    COLUMNS,
    PERIODS_SHOWN_MAX,
    FastRows,
    default_range,
    default_ytd,
    enum_value,
)
from kpixl.register.settings import read_settings
from kpixl.values import NO_VALUE_WORDS, norm, parse_number, text_of

E = TypeVar("E", bound=StrEnum)

INDICATORS, AREAS, SETTINGS = "Indicators", "Service areas", "Settings"
REQUIRED = {
    INDICATORS: ("ref", "description", "service_area", "kind"),
    AREAS: ("service_area",),
}


def split_addresses(text: str) -> tuple[str, ...]:
    """`a@x.org; "Smith, John" <j@x.org>, c@x.org` -> each address as written: a ; or , in a
    quoted name (Outlook writes names as "Surname, First") or inside <…> does not split it."""
    pieces, start, quoted, angled = [], 0, False, False
    for i, char in enumerate(text):
        if char == '"' and not angled:
            quoted = not quoted
        elif char in "<>" and not quoted:
            angled = char == "<"
        elif char in ";," and not (quoted or angled):
            pieces.append(text[start:i])
            start = i + 1
    pieces.append(text[start:])
    return tuple(p.strip() for p in pieces if p.strip())


@dataclass
class _Table:
    """One register sheet: its header positions and data rows, with the sheet for messages."""

    sheet: str
    columns: dict[str, int]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)

    def get(self, row: list[object], name: str) -> object:
        col = self.columns.get(name)
        if col is None or col >= len(row):
            return None
        value = row[col]
        return None if value == "" else value

    def cell(self, row_index: int, name: str) -> str:
        return a1(row_index, self.columns.get(name, 0))

    def values(self, row: list[object]) -> dict[str, object]:
        """What `get` gives for each column of a row, blanks left out: read once per row."""
        width = len(row)
        return {
            name: row[col] for name, col in self.columns.items() if col < width and row[col] != ""
        }


class _Collector:
    def __init__(self, file: str) -> None:
        self.file = file
        self.issues: list[Issue] = []

    def add(self, code: IssueCode, message: str, sheet: str, cell: str = "", ref: str = "") -> None:
        self.issues.append(error(code, message, file=self.file, sheet=sheet, cell=cell, ref=ref))


def load_register(path: Path | str) -> Register:
    """Read and check the register; raise RegisterError listing every problem found."""
    with collector_paused():  # the sheets' cells and the indicators all live until the end
        return _load(Path(path))


def _load(path: Path) -> Register:
    try:
        book = read_workbook(path)
    except WorkbookError as exc:
        raise RegisterError(f"register {path.name}: {exc}") from None
    out = _Collector(path.name)
    sheets = {s.name.strip().lower(): s for s in book.sheets}
    tables: dict[str, _Table | None] = {}
    for name in (INDICATORS, AREAS):
        sheet = sheets.get(name.lower())
        if sheet is None:
            out.add(
                IssueCode.REGISTER_MISSING_SHEET,
                f"the register has no sheet '{name}': add it (see the register template)",
                sheet=name,
            )
            tables[name] = None
            continue
        tables[name] = _table(sheet, name, out)
    settings = read_settings(sheets.get(SETTINGS.lower()), out)
    areas = _service_areas(tables[AREAS], out)
    indicators = _indicators(tables[INDICATORS], areas, settings, out)
    if out.issues:
        n = len(out.issues)
        raise RegisterError(
            f"register {path.name} has {n} problem{'s' if n > 1 else ''}: fix them and run again",
            out.issues,
        )
    return Register(path, indicators, areas, settings)


def _table(sheet: Sheet, name: str, out: _Collector) -> _Table:
    header = sheet.rows[0] if sheet.rows else []
    columns: dict[str, int] = {}
    for col, value in enumerate(header):
        key = norm(value)
        if key and key not in columns:
            columns[key] = col
    table = _Table(name, columns)
    for col_name in REQUIRED.get(name, ()):
        if col_name not in columns:
            out.add(
                IssueCode.REGISTER_MISSING_COLUMN,
                f"sheet '{name}' has no '{col_name}' column in row 1: add it",
                sheet=name,
                cell="1:1",
            )
    # the rows are the sheet's own lists: nothing here or below changes them
    table.rows = [(i, row) for i, row in enumerate(sheet.rows[1:], start=1) if has_value(row)]
    return table


def has_value(row: list[object]) -> bool:
    """Whether any cell of the row holds something (n/a and - count as blank)."""
    for value in row:
        if isinstance(value, str):
            if value.strip().lower() not in NO_VALUE_WORDS:
                return True
        elif value is not None and value != "":
            return True
    return False


# Every column and setting the loader reads (docs/formats.md documents each, and a test holds
# it to that); headers are matched ignoring case, spaces and underscores.
INDICATOR_COLUMNS = COLUMNS
AREA_COLUMNS = (
    "service_area", "department", "lead_title", "lead_name", "cabinet_member", "dashboard",
    "recipients", "order",
)  # fmt: skip


def _service_areas(table: _Table | None, out: _Collector) -> dict[str, ServiceArea]:
    if table is None or "service_area" not in table.columns:
        return {}
    found: list[tuple[float, int, ServiceArea]] = []
    seen: set[str] = set()
    for index, row in table.rows:
        name = text_of(table.get(row, "service_area"))
        if not name:
            continue
        if name.lower() in seen:
            out.add(
                IssueCode.DUPLICATE_REF,
                f"service area '{name}' is listed twice: keep one row",
                sheet=AREAS,
                cell=table.cell(index, "service_area"),
            )
            continue
        seen.add(name.lower())
        department = text_of(table.get(row, "department"))
        recipients = split_addresses(text_of(table.get(row, "recipients")))
        order = parse_number(table.get(row, "order")).value
        area = ServiceArea(
            name=name,
            department=department,
            lead_title=text_of(table.get(row, "lead_title")) or "Director",
            lead_name=text_of(table.get(row, "lead_name")),
            cabinet_member=text_of(table.get(row, "cabinet_member")),
            dashboard=text_of(table.get(row, "dashboard")) or department or "Dashboard",
            recipients=recipients,
            order=order if order is not None else float(index),
        )
        found.append((area.order, index, area))
    return {a.name: a for _, _, a in sorted(found, key=lambda t: (t[0], t[1]))}


class _Row:
    """Typed access to one Indicators row; every bad value is reported with its cell."""

    def __init__(self, table: _Table, index: int, row: list[object], out: _Collector) -> None:
        self.table, self.index, self.row, self.out = table, index, row, out
        self.cells = table.values(row)
        self.ref = text_of(self.cells.get("ref"))

    def bad(self, name: str, message: str, code: IssueCode = IssueCode.REGISTER_BAD_VALUE) -> None:
        self.out.add(
            code, message, sheet=INDICATORS, cell=self.table.cell(self.index, name), ref=self.ref
        )

    def text(self, name: str) -> str:
        raw = self.cells.get(name)
        return "" if raw is None else text_of(raw)

    def enum(self, name: str, enum: type[E], default: E) -> E:
        raw = self.cells.get(name)
        if raw is None:
            return default
        if isinstance(raw, str):
            raw = ALIASES.get(name, {}).get(raw.strip().lower(), raw)
        return enum_value(raw, enum, default, lambda m: self.bad(name, f"{name} {m}"))

    def number(self, name: str, unit: Unit | None = None) -> float | None:
        raw = self.cells.get(name)
        if raw is None:
            return None
        parsed = parse_number(raw)
        if parsed.problem:
            self.bad(name, f"{name} {parsed.problem}: type a number")
            return None
        value = parsed.value
        if (
            value is not None
            and unit is Unit.PERCENT
            and abs(value) > 1
            and not parsed.was_percent_sign
        ):
            shown = text_of(raw)
            self.bad(
                name,
                f"{name} {shown} is a percentage written as a whole number: "
                f"type {shown}% (or {value / 100:g})",
            )
            return None
        return value


def _indicators(
    table: _Table | None, areas: dict[str, ServiceArea], settings: Settings, out: _Collector
) -> dict[str, Indicator]:
    if table is None or any(c not in table.columns for c in REQUIRED[INDICATORS]):
        return {}
    fast = FastRows(table.columns, areas, settings.rag_basis)
    rows = [row for _, row in table.rows]
    refs = fast.refs(rows)
    quick = fast.indicators([index for index, _ in table.rows], rows, refs)
    uppers = list(map(str.upper, refs))
    if "" in refs or len(set(uppers)) < len(uppers) or not all(quick):
        found = _checked(table, refs, quick, areas, settings, out)
    else:
        found = cast("list[Indicator]", quick)  # every row good: nothing to report
    place = map({name: i for i, name in enumerate(areas)}.get, map(_AREA, found), repeat(0))
    keys = list(zip(place, map(_ORDER, found), map(_ROW, found), strict=True))
    ordered = [found[i] for i in sorted(range(len(found)), key=keys.__getitem__)]
    return dict(zip(map(_REF, ordered), ordered, strict=True))


_AREA, _ORDER = operator.attrgetter("service_area"), operator.attrgetter("order")
_ROW, _REF = operator.attrgetter("row"), operator.attrgetter("ref")


def _checked(
    table: _Table,
    refs: list[str],
    quick: list[Indicator | None],
    areas: dict[str, ServiceArea],
    settings: Settings,
    out: _Collector,
) -> list[Indicator]:
    """The indicators of rows with a unique ref: the fast path's, or for a row it set aside,
    the rules' (which report each problem, in row order)."""
    found: list[Indicator] = []
    seen: dict[str, int] = {}  # ref in upper case -> its row
    for (index, row), ref, indicator in zip(table.rows, refs, quick, strict=True):
        if not ref or ref.upper() in seen:
            _bad_ref(_Row(table, index, row, out), seen)
            continue
        seen[ref.upper()] = index
        if indicator is None:
            indicator = _indicator(_Row(table, index, row, out), areas, settings)
        if indicator is not None:
            found.append(indicator)
    return found


def _bad_ref(r: _Row, seen: dict[str, int]) -> None:
    if not r.ref:
        r.bad(
            "ref",
            "this row has no ref: give every indicator a unique code",
            IssueCode.REGISTER_MISSING_VALUE,
        )
    else:
        first = r.table.cell(seen[r.ref.upper()], "ref")
        r.bad(
            "ref",
            f"ref {r.ref} is used twice (first at {first}): refs must be unique",
            IssueCode.DUPLICATE_REF,
        )


def _indicator(r: _Row, areas: dict[str, ServiceArea], settings: Settings) -> Indicator | None:
    before = len(r.out.issues)
    description, area, kind = _identity(r, areas)
    unit = r.enum("unit", Unit, Unit.PERCENT if kind is Kind.KPI else Unit.COUNT)
    target, floor = r.number("target", unit), r.number("floor", unit)
    if kind is Kind.KPI and target is None and not r.text("target"):
        r.bad(
            "target",
            f"{r.ref} is a KPI but has no target: add one (or make it an Activity)",
            IssueCode.REGISTER_MISSING_VALUE,
        )
    polarity = _polarity(r, target, floor)
    upper, lower = _expected_range(r, unit)
    decimals = _decimals(r)
    lo_default, hi_default = default_range(unit)
    lo, hi = r.number("min", unit), r.number("max", unit)
    order = r.number("order")
    shown = _periods_shown(r)
    if len(r.out.issues) > before:
        return None
    return Indicator(
        ref=r.ref,
        description=description,
        service_area=area,
        kind=kind,
        frequency=r.enum("frequency", Frequency, Frequency.MONTHLY),
        unit=unit,
        decimals=int(decimals or 0),
        polarity=polarity,
        target=target,
        floor=floor,
        ytd=r.enum("ytd", YtdMethod, default_ytd(kind, unit)),
        upper=upper,
        lower=lower,
        alert_on=r.enum("alert_on", AlertOn, AlertOn.YTD),
        prev_year=r.number("prev_year", unit),
        rag_basis=r.enum("rag_basis", RagBasis, settings.rag_basis),
        min=lo if lo is not None else lo_default,
        max=hi if hi is not None else hi_default,
        footnote=r.text("footnote"),
        order=order if order is not None else float(r.index),
        short_description=r.text("short_description"),
        table=r.text("table"),
        periods_shown=shown,
        row=r.index + 1,
    )


def _identity(r: _Row, areas: dict[str, ServiceArea]) -> tuple[str, str, Kind]:
    """Description, service area (as the register spells it) and kind, each checked."""
    description = r.text("description")
    if not description:
        r.bad(
            "description", f"{r.ref} has no description: add one", IssueCode.REGISTER_MISSING_VALUE
        )
    area = r.text("service_area")
    if area not in areas:
        match = next((a for a in areas if a.lower() == area.lower()), None)
        if match:
            area = match
        else:
            r.bad(
                "service_area",
                f"{r.ref}'s service area '{area}' is not a row of sheet "
                f"'{AREAS}': add it there or correct the name",
                IssueCode.UNKNOWN_SERVICE_AREA,
            )
    kind = r.enum("kind", Kind, Kind.KPI)
    if not r.text("kind"):
        r.bad(
            "kind", f"{r.ref} has no kind: write KPI or Activity", IssueCode.REGISTER_MISSING_VALUE
        )
    return description, area, kind


def _expected_range(r: _Row, unit: Unit) -> tuple[float | None, float | None]:
    upper, lower = r.number("upper", unit), r.number("lower", unit)
    if (upper is None) != (lower is None):
        r.bad(
            "upper" if upper is None else "lower",
            f"{r.ref} has only one of upper and lower: give both or neither",
        )
    elif upper is not None and lower is not None and upper < lower:
        r.bad("upper", f"{r.ref}'s upper ({upper:g}) is below its lower ({lower:g}): swap them")
    return upper, lower


def _decimals(r: _Row) -> float | None:
    decimals = r.number("decimals")
    if decimals is not None and (not decimals.is_integer() or not 0 <= decimals <= 6):
        r.bad("decimals", f"{r.ref}'s decimals must be a whole number from 0 to 6")
        return None
    return decimals


def _periods_shown(r: _Row) -> int | None:
    """The optional `periods_shown` column: a whole number of periods, 1 to 24."""
    shown = r.number("periods_shown")
    if shown is None:
        return None
    if not shown.is_integer() or not 1 <= shown <= PERIODS_SHOWN_MAX:
        r.bad(
            "periods_shown",
            f"{r.ref}'s periods_shown must be a whole number from 1 to {PERIODS_SHOWN_MAX}, "
            f"not '{r.text('periods_shown')}': correct it or leave it blank",
        )
        return None
    return int(shown)


def _polarity(r: _Row, target: float | None, floor: float | None) -> Polarity:
    inferred = (
        Polarity.LOWER
        if target is not None and floor is not None and target < floor
        else Polarity.HIGHER
    )
    if not r.text("polarity"):
        return inferred
    given = r.enum("polarity", Polarity, inferred)
    if target is not None and floor is not None and target != floor and given is not inferred:
        better = "above" if given is Polarity.HIGHER else "below"
        r.bad(
            "polarity",
            f"{r.ref} says polarity '{given}' but its target ({target:g}) is not "
            f"{better} its floor ({floor:g}): correct the polarity or swap target "
            "and floor",
            IssueCode.POLARITY_CONFLICT,
        )
    return given
