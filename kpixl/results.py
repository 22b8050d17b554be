"""The tidy results table that every output (dashboard, CSV, e-mail) reads."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kpixl.issues import Report
from kpixl.periods import Period
from kpixl.register import Indicator, Register, ServiceArea

# The `Data` sheet and `--results` CSV columns, exactly as SPEC §4.1 names them.
DATA_COLUMNS = (
    "ref", "description", "service_area", "kind", "period", "value", "month_rag", "ytd",
    "ytd_rag", "alert", "target", "floor", "upper", "lower", "prev_year", "direction", "source",
)  # fmt: skip


@dataclass(frozen=True)
class Commentary:
    """One commentary line from a return, with where it came from."""

    service_area: str
    ref: str
    period: Period
    text: str
    source: str  # file!sheet!cell


@dataclass
class Results:
    """Everything a dashboard needs: the register, the period, the rated data and the issues.

    `data` has DATA_COLUMNS, one row per indicator and FY month up to `period` (quarterly
    indicators: quarter-end months only), in register order then period order. `period` values
    are `YYYY-MM` strings; numbers are floats or None (NaN-free); RAG words are GREEN/AMBER/RED,
    alerts Yes/Above/Below, direction better/worse/same, and None where not applicable.
    """

    register: Register
    period: Period
    data: pd.DataFrame
    report: Report
    commentary: list[Commentary] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # the returns read, as given
    folders: list[str] = field(default_factory=list)  # folders of returns given; never written in

    @property
    def fy_label(self) -> str:
        return self.period.fy_label(self.register.settings.fy_start_month)

    def rows_for(self, ref: str) -> pd.DataFrame:
        return self.data[self.data["ref"] == ref]

    def latest(self, ref: str) -> dict[str, object] | None:
        """The row of `ref` at the reporting period (or its latest quarter end), if any."""
        rows = self.rows_for(ref)
        if rows.empty:
            return None
        return {str(k): v for k, v in rows.iloc[-1].to_dict().items()}

    def value(self, ref: str, period: Period) -> float | None:
        rows = self.data[(self.data["ref"] == ref) & (self.data["period"] == str(period))]
        if rows.empty:
            return None
        value = rows.iloc[0]["value"]
        return None if value is None or pd.isna(value) else float(value)

    def dashboard_areas(self, dashboard: str) -> list[ServiceArea]:
        return self.register.dashboards().get(dashboard, [])

    def indicators_of(self, area: str) -> list[Indicator]:
        return self.register.indicators_of(area)

    def commentary_for(self, ref: str, period: Period) -> list[Commentary]:
        return [c for c in self.commentary if c.ref == ref and c.period == period]
