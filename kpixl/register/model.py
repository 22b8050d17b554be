"""The indicator register: what each KPI and activity is, its thresholds, and who sees it."""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from kpixl.read.collector import collector_paused
from kpixl.values import round_half_away


class Kind(StrEnum):
    KPI = "KPI"
    ACTIVITY = "Activity"


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Unit(StrEnum):
    PERCENT = "percent"
    COUNT = "count"
    CURRENCY_K = "currency_k"  # £000s
    SECONDS = "seconds"
    NUMBER = "number"


@functools.lru_cache(maxsize=65536)
def displayed(value: float, unit: Unit, decimals: int) -> float:
    """The value as the dashboard shows it (a percent is a fraction, so two more places)."""
    places = decimals + 2 if unit is Unit.PERCENT else decimals
    return round_half_away(value, places)


def as_shown(value: float, unit: Unit, decimals: int) -> str:
    """A value written as the dashboard shows it: `86%`, `26,436`, `4.7%`."""
    # Round the fraction first: 0.945 * 100 is 94.4999…, but the dashboard shows 95%.
    shown = displayed(value, unit, decimals)
    if unit is Unit.PERCENT:
        return f"{shown * 100:,.{decimals}f}%"
    return f"{shown:,.{decimals}f}"


class Polarity(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class YtdMethod(StrEnum):
    RATIO = "ratio"
    MEAN = "mean"
    SUM = "sum"
    LATEST = "latest"
    NONE = "none"


class AlertOn(StrEnum):
    YTD = "ytd"
    LATEST = "latest"


class RagBasis(StrEnum):
    DISPLAYED = "displayed"
    EXACT = "exact"


@dataclass(frozen=True)
class Indicator:
    """One row of the register's `Indicators` sheet, with defaults applied."""

    ref: str
    description: str
    service_area: str
    kind: Kind
    frequency: Frequency = Frequency.MONTHLY
    unit: Unit = Unit.PERCENT
    decimals: int = 0
    polarity: Polarity = Polarity.HIGHER
    target: float | None = None
    floor: float | None = None  # None: two bands only (GREEN at target, else RED)
    ytd: YtdMethod = YtdMethod.MEAN
    upper: float | None = None
    lower: float | None = None
    alert_on: AlertOn = AlertOn.YTD
    prev_year: float | None = None
    rag_basis: RagBasis = RagBasis.DISPLAYED
    min: float | None = None
    max: float | None = None
    footnote: str = ""
    order: float = 0.0
    short_description: str = ""
    # Layout of the service-area sheet: a label that starts a new block of tables where it
    # changes (blank: one block), and how many periods the indicator's table shows (None: the
    # setting; a table shows the largest of its indicators').
    table: str = ""
    periods_shown: int | None = None
    row: int = 0  # Excel row in the register, for messages

    def __reduce__(self) -> tuple[Any, tuple[tuple[object, ...]]]:
        # a plain tuple of the fields pickles several times faster than the field dict
        return indicator_from_values, (_indicator_values(self),)

    @property
    def is_kpi(self) -> bool:
        return self.kind is Kind.KPI

    @property
    def is_quarterly(self) -> bool:
        return self.frequency is Frequency.QUARTERLY

    @property
    def has_range(self) -> bool:
        return self.upper is not None and self.lower is not None

    @property
    def summary_text(self) -> str:
        return self.short_description or self.description


@dataclass(frozen=True)
class ServiceArea:
    """One row of the register's `Service areas` sheet."""

    name: str
    department: str = ""
    lead_title: str = "Director"
    lead_name: str = ""
    cabinet_member: str = ""
    dashboard: str = ""
    recipients: tuple[str, ...] = ()
    order: float = 0.0


@dataclass(frozen=True)
class Settings:
    """The register's `Settings` sheet."""

    organisation: str = ""
    title: str = "Performance Dashboard for {dashboard}"
    titles: dict[str, str] = field(default_factory=dict)  # per dashboard: `title.<dashboard>`
    fy_start_month: int = 4
    periods_shown_kpi: int = 4
    periods_shown_activity: int = 4
    rag_basis: RagBasis = RagBasis.DISPLAYED
    smtp_host: str = ""
    smtp_port: int = 0
    smtp_security: str = ""
    smtp_user: str = ""
    mail_from: str = ""
    language: str = "en-GB"  # of the dashboard's web page and PDF (a BCP 47 tag)
    other: dict[str, str] = field(default_factory=dict)

    def title_for(self, dashboard: str) -> str:
        return self.titles.get(dashboard) or self.title.replace("{dashboard}", dashboard)


@dataclass
class Register:
    """The whole register; indicators and service areas keep their sorted order."""

    path: Path
    indicators: dict[str, Indicator]
    service_areas: dict[str, ServiceArea]
    settings: Settings

    def __getstate__(self) -> dict[str, Any]:
        # The reader processes send the register back pickled: the indicators go as one list
        # per field, so a value many share (an enum member, an area's name) is pickled once and
        # then costs a memo reference, and the parent makes 24 lists, not a tuple per indicator.
        indicators = list(self.indicators.values())
        columns = [list(map(operator.attrgetter(name), indicators)) for name in _WIRE_FIELDS]
        return {
            "path": self.path,
            "columns": columns,
            "areas": self.service_areas,
            "settings": self.settings,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.indicators = _indicators_from_columns(state["columns"])
        self.path, self.service_areas = state["path"], state["areas"]
        self.settings = state["settings"]

    def find(self, ref: str) -> Indicator | None:
        """Look a ref up as services type it: case and surrounding spaces do not matter."""
        key = ref.strip().upper()
        return self._by_upper().get(key)

    def _by_upper(self) -> dict[str, Indicator]:
        cache: dict[str, Indicator] | None = getattr(self, "_upper_cache", None)
        if cache is None:
            cache = {ref.upper(): ind for ref, ind in self.indicators.items()}
            self._upper_cache = cache
        return cache

    def indicators_of(self, service_area: str) -> list[Indicator]:
        """A service area's indicators, in register order (looked up, not searched for: a
        dashboard asks for each of its areas' several times)."""
        cache: dict[str, list[Indicator]] | None = getattr(self, "_area_cache", None)
        if cache is None:
            cache = {}
            for ind in self.indicators.values():
                cache.setdefault(ind.service_area, []).append(ind)
            self._area_cache = cache
        return list(cache.get(service_area, ()))

    def dashboards(self) -> dict[str, list[ServiceArea]]:
        """Dashboard name -> its service areas, in register order."""
        groups: dict[str, list[ServiceArea]] = {}
        for area in self.service_areas.values():
            groups.setdefault(area.dashboard, []).append(area)
        return groups


INDICATOR_FIELDS = tuple(f.name for f in fields(Indicator))
_new = object.__new__
_indicator_values = operator.attrgetter(*INDICATOR_FIELDS)
# The fields in the order a pickled register sends them: those with few distinct values first,
# whose values then cost the shortest memo references. Every field once (or the import fails).
_WIRE_FIELDS = (
    "kind", "frequency", "unit", "polarity", "ytd", "alert_on", "rag_basis", "decimals",
    "periods_shown", "min", "max", "table", "service_area", "footnote", "short_description",
    "target", "floor", "upper", "lower", "prev_year", "order", "ref", "description", "row",
)  # fmt: skip
_WIRE_POSITIONS = [_WIRE_FIELDS.index(name) for name in INDICATOR_FIELDS]


def indicator_from_values(values: tuple[object, ...]) -> Indicator:
    """An Indicator from its field values in field order, as `Indicator(*values)` makes it but
    without the frozen dataclass's one `__setattr__` per field (it has no `__post_init__`):
    each value is stored straight into the instance's dict, which is twice as fast as
    `dict.update` (tests/test_register_fast_path.py checks the fields against the class)."""
    indicator: Indicator = _new(Indicator)
    d = indicator.__dict__
    (
        d["ref"], d["description"], d["service_area"], d["kind"], d["frequency"], d["unit"],
        d["decimals"], d["polarity"], d["target"], d["floor"], d["ytd"], d["upper"], d["lower"],
        d["alert_on"], d["prev_year"], d["rag_basis"], d["min"], d["max"], d["footnote"],
        d["order"], d["short_description"], d["table"], d["periods_shown"], d["row"],
    ) = values  # fmt: skip
    return indicator


def _indicators_from_columns(columns: list[list[object]]) -> dict[str, Indicator]:
    """The indicators `Register.__getstate__` sent as columns, by ref, in their order."""
    in_field_order = [columns[position] for position in _WIRE_POSITIONS]
    refs = cast("list[str]", columns[_WIRE_FIELDS.index("ref")])
    with collector_paused():  # thousands of new objects, none of them garbage
        indicators = map(indicator_from_values, zip(*in_field_order, strict=True))
        return dict(zip(refs, indicators, strict=True))
