"""The tidy results table that every output (dashboard, CSV, e-mail) reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kpixl.issues import Report
from kpixl.periods import Period
from kpixl.register.model import Indicator, Register, ServiceArea

if TYPE_CHECKING:
    import pandas as pd  # imported when the table is first asked for: `validate` never needs it

# The `Data` sheet and `--results` CSV columns, as docs/formats.md lists them.
DATA_COLUMNS = (
    "ref", "description", "service_area", "kind", "period", "value", "month_rag", "ytd",
    "ytd_rag", "alert", "target", "floor", "upper", "lower", "prev_year", "direction", "source",
    "forecast", "forecast_low", "forecast_high", "forecast_rag",
)  # fmt: skip


@dataclass(frozen=True)
class Commentary:
    """One commentary line from a return, with where it came from."""

    service_area: str
    ref: str
    period: Period
    text: str
    source: str  # file!sheet!cell


# The Trends sheet's span, in months to the reporting period, when the history store holds
# earlier years (Results.earlier); without them a chart spans this financial year.
TREND_MONTHS = 36

DataRow = tuple[object, ...]  # one row of the Data table, in DATA_COLUMNS order
_AREA = DATA_COLUMNS.index("service_area")


def data_frame(rows: list[DataRow]) -> pd.DataFrame:
    """The Data table from its rows: DATA_COLUMNS, every column of dtype object."""
    import pandas as pd

    return pd.DataFrame(rows, columns=list(DATA_COLUMNS), dtype=object)


@dataclass(init=False)
class Results:
    """Everything a dashboard needs: the register, the period, the rated data and the issues.

    `data` has DATA_COLUMNS, one row per indicator and FY month up to `period` (quarterly
    indicators: quarter-end months only), in register order then period order. `period` values
    are `YYYY-MM` strings; numbers are floats or None (NaN-free); RAG words are GREEN/AMBER/RED,
    alerts Yes/Above/Below, direction better/worse/same, and None where not applicable.
    `data` may be given as its rows (DataRow tuples), or a function making them: the rows are
    made and the table built the first time it is asked for, so a run that only reports issues
    never rates a row nor imports pandas.
    """

    register: Register
    period: Period
    report: Report
    commentary: list[Commentary]
    files: list[str]  # the returns read, as given
    folders: list[str]  # folders of returns given; never written in
    # KPIs' values of the months before this FY the Trends sheet shows (from the history
    # store, kpixl.history.previous.earlier_values), by ref and month; empty without a store
    earlier: dict[str, dict[Period, float]]

    def __init__(
        self,
        register: Register,
        period: Period,
        data: pd.DataFrame | list[DataRow] | Callable[[], list[DataRow]],
        report: Report,
        commentary: list[Commentary] | None = None,
        files: list[str] | None = None,
        folders: list[str] | None = None,
        earlier: dict[str, dict[Period, float]] | None = None,
    ) -> None:
        self.register, self.period, self.report = register, period, report
        self._data = data
        self._rows: list[DataRow] | None = None
        self.commentary = commentary if commentary is not None else []
        self.files = files if files is not None else []
        self.folders = folders if folders is not None else []
        self.earlier = earlier if earlier is not None else {}

    @property
    def data(self) -> pd.DataFrame:
        rows = self.rows()
        if isinstance(self._data, list):  # rated rows: tabled once, on first use
            self._data = data_frame(rows)
        assert not isinstance(self._data, list) and not callable(self._data)
        return self._data

    def rows(self) -> list[DataRow]:
        """The rows of `data` as tuples in DATA_COLUMNS order: what a dashboard reads, without
        pandas (the rows are kept beside the table once it is built)."""
        if callable(self._data):  # rows still to be rated: once, on first use
            self._data = self._data()
        if isinstance(self._data, list):
            self._rows = self._data
        elif self._rows is None:  # a table given as such
            self._rows = list(self._data.itertuples(index=False, name=None))
        return self._rows

    def rows_of(self, areas: Iterable[str]) -> list[DataRow]:
        """The rows of these service areas (a dashboard's), in the order of `rows()`."""
        wanted = set(areas)
        return [row for row in self.rows() if row[_AREA] in wanted]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if callable(state["_data"]):  # a function may not pickle: send the rows
            state["_data"] = state["_data"]()
        return state

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
        import pandas as pd

        value = rows.iloc[0]["value"]
        return None if value is None or pd.isna(value) else float(value)

    def dashboard_areas(self, dashboard: str) -> list[ServiceArea]:
        return self.register.dashboards().get(dashboard, [])

    def indicators_of(self, area: str) -> list[Indicator]:
        return self.register.indicators_of(area)

    def commentary_for(self, ref: str, period: Period) -> list[Commentary]:
        return [c for c in self.commentary if c.ref == ref and c.period == period]
