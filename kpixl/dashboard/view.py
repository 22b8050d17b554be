"""What one dashboard shows: its service areas, periods and each indicator's figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpixl.dashboard import styles
from kpixl.errors import UsageError
from kpixl.periods import Period
from kpixl.register.model import Indicator, Kind, Polarity, ServiceArea, YtdMethod, as_shown
from kpixl.results import DATA_COLUMNS, Commentary, Results

QUARTERS_SHOWN = 4
NA = "N/A"  # no rating, no YTD, no alert

Row = dict[str, Any]


def clean(value: object) -> Any:
    """None for a missing value (None, NaN, pandas NA); plain Python numbers otherwise."""
    if value is None or type(value) is str:
        return value
    if type(value) is float:
        return None if value != value else value
    try:
        if value != value:  # NaN and NaT are not equal to themselves
            return None
    except (TypeError, ValueError):  # pandas NA cannot say whether it equals itself
        return None
    item = getattr(value, "item", None)  # numpy scalars
    return item() if callable(item) else value


def number(value: object) -> float | None:
    value = clean(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def text(value: object) -> str | None:
    value = clean(value)
    return None if value is None else str(value)


def _row(record: tuple[object, ...]) -> Row:
    return {col: clean(value) for col, value in zip(DATA_COLUMNS, record, strict=True)}


@dataclass
class DashboardView:
    """One dashboard group of a Results, with the figures indexed by ref and period."""

    results: Results
    dashboard: str
    areas: list[ServiceArea] = field(init=False)
    rows: list[Row] = field(init=False)
    _index: dict[tuple[str, str], Row] = field(init=False)

    def __post_init__(self) -> None:
        self.areas = self.results.dashboard_areas(self.dashboard)
        if not self.areas:
            known = ", ".join(sorted(self.results.register.dashboards())) or "none"
            raise UsageError(f"no dashboard '{self.dashboard}' in the register (it has: {known})")
        # only this dashboard's rows are turned into dicts: the data holds every dashboard's
        self.rows = [_row(r) for r in self.results.rows_of(a.name for a in self.areas)]
        self._index = {(str(r["ref"]), str(r["period"])): r for r in self.rows}

    @property
    def period(self) -> Period:
        return self.results.period

    @property
    def fy_start(self) -> int:
        return self.results.register.settings.fy_start_month

    def indicators(self, area: str, kind: Kind | None = None) -> list[Indicator]:
        found = self.results.indicators_of(area)
        return [i for i in found if kind is None or i.kind is kind]

    def months(self, shown: int) -> list[Period]:
        """The last `shown` months of the financial year up to the reporting period."""
        return self.period.fy_months(self.fy_start)[-shown:]

    def kpi_months(self) -> list[Period]:
        return self.months(self.results.register.settings.periods_shown_kpi)

    def activity_months(self) -> list[Period]:
        return self.months(self.results.register.settings.periods_shown_activity)

    def quarter_ends(self, shown: int = QUARTERS_SHOWN) -> list[Period]:
        months = self.period.fy_months(self.fy_start)
        return [p for p in months if p.is_quarter_end(self.fy_start)][-shown:]

    def table_periods(self, inds: list[Indicator], quarterly: bool) -> list[Period]:
        """The periods a table of `inds` shows: the largest `periods_shown` its indicators give
        (months; quarter ends for a quarterly table), else the setting for its kind."""
        given = [i.periods_shown for i in inds if i.periods_shown is not None]
        if quarterly:
            return self.quarter_ends(max(given, default=QUARTERS_SHOWN))
        settings = self.results.register.settings
        default = settings.periods_shown_kpi if inds[0].is_kpi else settings.periods_shown_activity
        return self.months(max(given, default=default))

    def latest_period(self, ind: Indicator) -> Period | None:
        """The reporting period, or for a quarterly indicator its latest quarter end."""
        if not ind.is_quarterly:
            return self.period
        ends = self.quarter_ends()
        return ends[-1] if ends else None

    def row(self, ref: str, period: Period | None) -> Row | None:
        return None if period is None else self._index.get((ref, str(period)))

    def latest(self, ind: Indicator) -> Row | None:
        return self.row(ind.ref, self.latest_period(ind))

    def value(self, ind: Indicator, period: Period) -> float | None:
        row = self.row(ind.ref, period)
        return None if row is None else number(row["value"])

    def earlier(self, ind: Indicator) -> dict[Period, float]:
        """The KPI's values before this financial year, from the history store (see
        Results.earlier), by month; empty without a store or earlier years in it."""
        return self.results.earlier.get(ind.ref, {})

    def latest_field(self, ind: Indicator, name: str) -> Any:
        row = self.latest(ind)
        return None if row is None else row[name]

    def has_ytd(self, ind: Indicator) -> bool:
        return ind.ytd is not YtdMethod.NONE

    def rags(self, ind: Indicator) -> tuple[str, str]:
        """The latest Month/Qtr RAG and the YTD RAG of a KPI, `N/A` where there is none."""
        latest = text(self.latest_field(ind, "month_rag")) or NA
        ytd = text(self.latest_field(ind, "ytd_rag")) if self.has_ytd(ind) else None
        return latest, ytd or NA

    def direction(self, ind: Indicator) -> str:
        """`▲ better`, `▼ worse` or `► same` than the period before the latest; `N/A` if unknown."""
        word = text(self.latest_field(ind, "direction"))
        return styles.DIRECTION_SIGNS.get(word or "", NA)

    @property
    def show_forecast(self) -> bool:
        """The register's Settings key `show_forecast` (yes/no): the year-end forecast columns."""
        said = self.results.register.settings.other.get("show_forecast", "")
        return said.strip().lower() in {"yes", "y", "true", "1", "on"}

    def forecast(self, ind: Indicator) -> tuple[float | None, str | None, bool]:
        """The year-end forecast, its RAG (or alert) word, and whether the KPI is at risk: GREEN
        to date, but not by the forecast."""
        value = number(self.latest_field(ind, "forecast"))
        word = text(self.latest_field(ind, "forecast_rag"))
        at_risk = ind.is_kpi and self.rags(ind)[1] == "GREEN" and word not in (None, "GREEN")
        return value, word, at_risk

    def at_risk_reason(self, ind: Indicator) -> str | None:
        """One line on why a KPI is at risk, in the officer's words: `AA01 – at risk: GREEN to
        date (90%), but on course for 89% by the year end (likely 88% to 90%), AMBER: below
        the 90% target`; None when it is not at risk."""
        value, word, at_risk = self.forecast(ind)
        if not at_risk or value is None or word not in ("AMBER", "RED"):
            return None

        def shown(x: float) -> str:
            return as_shown(x, ind.unit, ind.decimals)

        ytd = number(self.latest_field(ind, "ytd"))
        span = self.likely_range(ind)
        likely = f" (likely {span})" if span else ""
        side = "below" if ind.polarity is Polarity.HIGHER else "above"
        bound, name = (ind.target, "target") if word == "AMBER" else (ind.floor, "floor")
        against = f": {side} the {shown(bound)} {name}" if bound is not None else ""
        return (
            f"{ind.ref} – at risk: GREEN to date"
            f"{f' ({shown(ytd)})' if ytd is not None else ''}, but on course for "
            f"{shown(value)} by the year end{likely}, {word}{against}"
        )

    def likely_range(self, ind: Indicator) -> str | None:
        """Where the year end should fall four times in five, as the dashboard shows figures:
        `85% to 87%`, or `99%` when both ends show as the same figure; None when unknown."""
        low = number(self.latest_field(ind, "forecast_low"))
        high = number(self.latest_field(ind, "forecast_high"))
        if low is None or high is None:
            return None
        ends = [as_shown(v, ind.unit, ind.decimals) for v in (low, high)]
        return ends[0] if ends[0] == ends[1] else " to ".join(ends)

    def prev_year(self, ind: Indicator) -> float | None:
        found = number(self.latest_field(ind, "prev_year"))
        return ind.prev_year if found is None else found

    def commentary(self, ind: Indicator, period: Period | None) -> list[Commentary]:
        return [] if period is None else self.results.commentary_for(ind.ref, period)

    def all_commentary(self) -> list[Commentary]:
        """This dashboard's commentary lines, by service area, indicator and period."""
        area_order = {a.name: n for n, a in enumerate(self.areas)}
        ind_order = {ref: n for n, ref in enumerate(self.results.register.indicators)}
        mine = [c for c in self.results.commentary if c.service_area in area_order]
        return sorted(
            mine,
            key=lambda c: (
                area_order[c.service_area],
                ind_order.get(c.ref, len(ind_order)),
                c.ref,
                c.period,
            ),
        )
