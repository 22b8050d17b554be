"""Rate validated figures: values, YTDs, RAGs, alerts and directions in the tidy results table."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from kpixl.check.level import Level
from kpixl.check.plausibility import check_series, format_value
from kpixl.check.ratios import disagreements, no_value, parts_queried
from kpixl.check.validate import Figure, Figures
from kpixl.forked import can_fork, streamed_map
from kpixl.issues import Issue, IssueCode, warning
from kpixl.periods import Period
from kpixl.rate.forecast import Forecast, YearFigures, year_end
from kpixl.rate.rating import (
    Alert,
    Direction,
    Rag,
    Ytd,
    alert,
    compute_ytd,
    direction,
    rag,
    running_ytd,
    same_when_displayed,
)
from kpixl.read.returns import Field
from kpixl.register.model import AlertOn, Indicator, Register, YtdMethod
from kpixl.results import Commentary, DataRow

if TYPE_CHECKING:
    from kpixl.check.screen import Screened

# the screen is made in parts: the first parts' indicators are judged (on the other core) while
# the rest are screened, so a run with many warnings costs little more than one with none
SCREEN_PARTS = 4


@dataclass(frozen=True)
class _Due:
    """The periods an indicator reports in up to the reporting period, and their `YYYY-MM` text."""

    periods: tuple[Period, ...]
    texts: tuple[str, ...]


class _Series:
    """One indicator's due periods and the figures the returns gave for them, period by period."""

    def __init__(self, ind: Indicator, due: _Due, figures: Figures, fy_start: int) -> None:
        self.ind, self.due, self.figures, self.fy_start = ind, due, figures, fy_start
        self.periods = due.periods
        self.tables = figures.tables(ind.ref)
        self.value_figures = self.figures_of(Field.VALUE)
        self.values = [f.value if f is not None else None for f in self.value_figures]

    def figures_of(self, what: Field) -> list[Figure | None]:
        table = self.tables.get(what)
        if not table:
            return [None] * len(self.periods)
        return [table.get(p) for p in self.periods]

    def values_of(self, what: Field) -> list[float | None]:
        return [f.value if f is not None else None for f in self.figures_of(what)]

    @functools.cached_property
    def has_last_year(self) -> bool:
        """True when the returns give a value for this indicator before this FY."""
        if not self.periods:
            return False
        table = self.tables.get(Field.VALUE, {})
        if len(table) == len(self.values) - self.values.count(None):
            return False  # every value given is for a due period, so none is for last year
        this_fy = self.periods[0].fy_start(self.fy_start)
        return any(q < this_fy for q in table)


def _value(figures: Figures, what: Field, ref: str, period: Period) -> float | None:
    figure = figures.get(what, ref, period)
    return figure.value if figure else None


def due_periods(ind: Indicator, period: Period, fy_start: int) -> list[Period]:
    """The FY months up to `period` an indicator reports in (quarter ends when quarterly)."""
    return list(_due(ind.is_quarterly, period, fy_start).periods)


@functools.lru_cache(maxsize=256)
def _due(quarterly: bool, period: Period, fy_start: int) -> _Due:
    months = period.fy_months(fy_start)
    periods = tuple(p for p in months if not quarterly or p.is_quarter_end(fy_start))
    return _Due(periods, tuple(str(p) for p in periods))


def score(
    register: Register, figures: Figures, period: Period
) -> tuple[Callable[[], list[DataRow]], list[Commentary], list[Issue]]:
    """The Data table's rows for the reporting period, the commentary lines, and the rating
    warnings. The rows are rated when first asked for (Results.data builds the table from
    them): every warning is found here, so a run that only validates never rates a row."""
    fy_start = register.settings.fy_start_month
    from kpixl.check import screen  # numpy: only once there is something to rate

    parts = screen.parts(register, figures, period, SCREEN_PARTS if can_fork() else 1)
    judge = functools.partial(_judged, figures, period, fy_start)
    ytds: dict[str, list[float | None] | None] = {}
    issues: list[Issue] = []
    for judged in streamed_map(judge, [functools.partial(_todo, part) for part in parts]):
        if judged.rated:
            ytds[judged.ref] = judged.ytds
        issues += judged.issues
    issues.extend(_areas_without_figures(register, figures))
    rows = functools.partial(_table, register, figures, period, ytds)
    return rows, _commentary(register, figures), issues


def _todo(part: Callable[[], Screened]) -> list[tuple[Indicator, Level | None]]:
    """A part of the screen's indicators to rate one by one, with the levels it measured."""
    screened = part()
    return [(ind, screened.levels.get(ind.ref)) for ind in screened.todo]


class _Judged(NamedTuple):
    """What rating one indicator found: its YTDs (when worked out) and its warnings."""

    ref: str
    rated: bool
    ytds: list[float | None] | None
    issues: list[Issue]


def _judged(
    figures: Figures, period: Period, fy_start: int, item: tuple[Indicator, Level | None]
) -> _Judged:
    """The warnings of an indicator the screen could not prove free of them (sure to raise no
    warning: not gone through); its YTDs too, unless its values are plain (the screen measured
    their level: `item`'s second part), where nothing but plausibility can warn."""
    ind, measured = item
    due = _due(ind.is_quarterly, period, fy_start)
    if measured is not None:
        points = list(zip(due.periods, measured.values, strict=True))
        found = [
            f.warning(ind.ref, figures.get(Field.VALUE, ind.ref, f.period))
            for f in check_series(ind, points, (), fy_start, measured)
        ]
        return _Judged(ind.ref, False, None, found)
    series = _Series(ind, due, figures, fy_start)
    issues = _ratios(series)
    queried = {i.period for i in issues}  # a month the hard edit queried needs no soft one
    ytds = _ytds(series, issues)
    last_year = functools.partial(_last_year, series)
    parts = parts_queried(ind, series.tables, series.periods, last_year, fy_start)
    queried |= {i.period for i in parts}  # the value is their quotient: theirs is the query
    soft = [i for i in _plausibility(series) if i.period not in queried] + parts
    return _Judged(ind.ref, True, ytds, issues + _missing(series) + soft)


def _ratios(series: _Series) -> list[Issue]:
    """Months whose value is not their numerator / denominator (kpixl.check.ratios)."""
    if not (series.tables.get(Field.NUMERATOR) and series.tables.get(Field.DENOMINATOR)):
        return []
    return disagreements(
        series.ind,
        series.periods,
        series.value_figures,
        series.figures_of(Field.NUMERATOR),
        series.figures_of(Field.DENOMINATOR),
    )


def _table(
    register: Register,
    figures: Figures,
    period: Period,
    ytds: dict[str, list[float | None] | None],
) -> list[DataRow]:
    """Every indicator's rows, in register order; YTDs worked out now unless rating found them."""
    figures.gather()
    fy_start = register.settings.fy_start_month
    rows: list[DataRow] = []
    for ind in register.indicators.values():
        series = _Series(ind, _due(ind.is_quarterly, period, fy_start), figures, fy_start)
        shown = ytds.get(ind.ref)
        rows += _rows(series, _computed_ytds(series) if shown is None else shown)
    return rows


def _computed_ytds(series: _Series) -> list[float | None]:
    return [c.value for c in running_ytd(series.ind, series.values)]


def _rows(series: _Series, ytds: list[float | None]) -> list[DataRow]:
    ind = series.ind
    prev_years = _prev_years(series)
    fixed = (ind.ref, ind.description, ind.service_area, ind.kind.value)
    thresholds = (ind.target, ind.floor, ind.upper, ind.lower)
    on_ytd = ind.alert_on is AlertOn.YTD
    rated = ind.is_kpi and ind.target is not None  # else rag() gives None
    ranged = ind.upper is not None and ind.lower is not None  # else alert() gives None
    rows: list[DataRow] = []
    previous: float | None = None
    for i, text in enumerate(series.due.texts):
        value, ytd, figure = series.values[i], ytds[i], series.value_figures[i]
        rows.append(
            (
                *fixed,
                text,
                value,
                _WORDS[rag(value, ind)] if rated else None,
                ytd,
                _WORDS[rag(ytd, ind)] if rated else None,
                _WORDS[alert(ytd if on_ytd else value, ind)] if ranged else None,
                *thresholds,
                prev_years[i],
                _WORDS[direction(value, previous, ind)],
                figure.source if figure is not None else None,
                *_NO_FORECAST,
            )
        )
        if value is not None:
            previous = value
    if rows:
        rows[-1] = rows[-1][:-4] + _forecast(series)
    return rows


_NO_FORECAST: tuple[object, ...] = (None, None, None, None)


def forecast_of(register: Register, figures: Figures, period: Period, ref: str) -> Forecast | None:
    """The year-end forecast of `ref` at `period`, as the Data table has it (for explaining)."""
    fy_start = register.settings.fy_start_month
    ind = register.indicators[ref]
    return _made(_Series(ind, _due(ind.is_quarterly, period, fy_start), figures, fy_start))


def _made(series: _Series) -> Forecast | None:
    ind = series.ind
    slots = 4 if ind.is_quarterly else 12
    if ind.ytd is YtdMethod.NONE or not 3 <= len(series.periods) * 12 // slots < 12:
        return None
    this_year = _year(series, 0, slots, known=len(series.periods))
    return year_end(ind, this_year, _earlier_years(series, slots))


def _forecast(series: _Series) -> tuple[object, ...]:
    """forecast, forecast_low, forecast_high, forecast_rag for the reporting period's row: the
    year end projected from the months so far and the earlier years the returns hold."""
    ind = series.ind
    made = _made(series)
    if made is None:
        return _NO_FORECAST
    rating: object = None
    if ind.is_kpi and ind.target is not None:
        rating = _WORDS[rag(made.value, ind)]
    elif ind.upper is not None and ind.lower is not None and ind.alert_on is AlertOn.YTD:
        rating = _WORDS[alert(made.value, ind)]
    return (made.value, made.low, made.high, rating)


def _year(series: _Series, back: int, slots: int, known: int | None = None) -> YearFigures:
    """This financial year's figures (`back` = 0) up to the reporting period (`known` slots),
    or the whole year `back` years before, a slot each."""
    step = 12 // slots
    first = series.periods[0].fy_start(series.fy_start).shift(-12 * back + step - 1)
    periods = [first.shift(step * i) for i in range(slots)]  # months, or quarter ends

    def of(what: Field) -> tuple[float | None, ...] | None:
        table = series.tables.get(what)
        if not table:
            return None
        found = [
            table.get(p) if known is None or i < known else None for i, p in enumerate(periods)
        ]
        return tuple(f.value if f is not None else None for f in found)

    values = of(Field.VALUE) or (None,) * slots
    return YearFigures(values, of(Field.NUMERATOR), of(Field.DENOMINATOR))


def _earlier_years(series: _Series, slots: int) -> list[YearFigures]:
    """Up to three earlier financial years the returns give, oldest first (the forecast takes
    the last as last year, and fills in or leaves out a year with months missing)."""
    if not series.has_last_year:
        return []
    years = [_year(series, back, slots) for back in (3, 2, 1)]
    return [y for y in years if any(v is not None for v in y.values)]


# The Data table's words for ratings, alerts and directions (None where there is none).
_WORDS: dict[object, str | None] = {None: None} | {
    m: m.value for enum in (Rag, Alert, Direction) for m in enum
}


def _ytds(series: _Series, issues: list[Issue]) -> list[float | None] | None:
    """The YTD shown at each due period (see `_ytd`); None when no warning can come of them
    (no YTD given, and not a rate): they are then worked out with the rows, if those are wanted."""
    ind, periods = series.ind, series.periods
    if ind.ytd is YtdMethod.NONE:
        return [None] * len(periods)
    if ind.ytd is not YtdMethod.RATIO and not series.tables.get(Field.YTD):
        return None
    if ind.ytd is YtdMethod.RATIO:
        parts = (series.values_of(Field.NUMERATOR), series.values_of(Field.DENOMINATOR))
        computed = running_ytd(ind, series.values, *parts)
    else:
        computed = running_ytd(ind, series.values)
    last = len(periods) - 1
    if not series.tables.get(Field.YTD):  # none given (the usual case): only the last may warn
        shown = [c.value for c in computed]
        if shown:
            shown[last] = _ytd(series, last, computed[last], None, issues, last=True)
        return shown
    supplied = series.figures_of(Field.YTD)
    return [
        _ytd(series, i, computed[i], supplied[i], issues, i == last) for i in range(len(periods))
    ]


def _ytd(
    series: _Series, i: int, computed: Ytd, supplied: Figure | None, issues: list[Issue], last: bool
) -> float | None:
    """The supplied YTD if a return gives one (warning when it disagrees), else the computed one."""
    ind, p = series.ind, series.periods[i]
    if supplied is None:
        if computed.fell_back and last:
            issues.append(
                warning(
                    IssueCode.YTD_FALLBACK,
                    (
                        f"{ind.ref}'s YTD is a rate (total numerator / total denominator), but the "
                        "returns do not give a numerator and denominator for every month: the mean of "
                        f"the monthly values ({format_value(computed.value or 0.0, ind)}) is shown "
                        "instead; add Numerators and Denominators to the return"
                    ),
                    ref=ind.ref,
                    period=str(p),
                )
            )
        return computed.value
    if computed.value is not None and not same_when_displayed(supplied.value, computed.value, ind):
        issues.append(
            warning(
                IssueCode.YTD_MISMATCH,
                (
                    f"{ind.ref} {p.label} YTD is given as {format_value(supplied.value, ind)}, but the "
                    f"monthly figures give {format_value(computed.value, ind)} ({computed.method.value}): "
                    "the given YTD is used; check which is right"
                ),
                file=supplied.obs.file,
                sheet=supplied.obs.sheet,
                cell=supplied.obs.cell,
                ref=ind.ref,
                period=str(p),
            )
        )
    return supplied.value


def _prev_years(series: _Series) -> list[float | None]:
    """The previous-year figure at each due period (see `_prev_year`)."""
    if not series.tables.get(Field.PREV_YEAR) and not series.has_last_year:
        return [series.ind.prev_year] * len(series.periods)  # the usual case, quickly
    return [_prev_year(series, i) for i in range(len(series.periods))]


def _prev_year(series: _Series, i: int) -> float | None:
    """Previous year: from the return, else last FY's data at the same point, else the register."""
    ind, figures, p = series.ind, series.figures, series.periods[i]
    given = series.tables.get(Field.PREV_YEAR)
    supplied = given.get(p) if given else None
    if supplied is not None:
        return supplied.value
    if not series.has_last_year:
        return ind.prev_year  # the inputs hold nothing of last year
    last_year = p.shift(-12)
    months = due_periods(ind, last_year, series.fy_start)
    values = [_value(figures, Field.VALUE, ind.ref, m) for m in months]
    if ind.ytd is not YtdMethod.NONE and any(v is not None for v in values):
        given_ytd = figures.get(Field.YTD, ind.ref, last_year)
        if given_ytd is not None:
            return given_ytd.value
        return compute_ytd(
            ind,
            values,
            [_value(figures, Field.NUMERATOR, ind.ref, m) for m in months],
            [_value(figures, Field.DENOMINATOR, ind.ref, m) for m in months],
        ).value
    return ind.prev_year


def _missing(series: _Series) -> list[Issue]:
    ind, figures = series.ind, series.figures
    if ind.service_area not in figures.areas_seen:
        return []
    issues: list[Issue] = []
    for p, figure in zip(series.periods, series.value_figures, strict=True):
        if figure is not None or (Field.VALUE, ind.ref, p) in figures.rejected:
            continue
        marked = figures.marked_na.get((ind.ref, p))
        if marked is not None:
            issues.append(
                warning(
                    IssueCode.MISSING_VALUE,
                    (
                        f"{ind.ref} {p.label} is marked '{marked.raw}': there is no figure to show or "
                        "rate; give the figure if it exists"
                    ),
                    file=marked.file,
                    sheet=marked.sheet,
                    cell=marked.cell,
                    ref=ind.ref,
                    period=str(p),
                )
            )
        else:
            parts = (
                figures.get(Field.NUMERATOR, ind.ref, p),
                figures.get(Field.DENOMINATOR, ind.ref, p),
            )
            issues.append(
                no_value(ind, p, *parts)
                or warning(
                    IssueCode.MISSING_VALUE,
                    (
                        f"no figure for {ind.ref} {p.label} in any return: add it to the "
                        f"{ind.service_area} return (or n/a if there is none)"
                    ),
                    ref=ind.ref,
                    period=str(p),
                )
            )
    return issues


def _plausibility(series: _Series) -> list[Issue]:
    ind = series.ind
    pairs = zip(series.periods, series.value_figures, strict=True)
    points = [(p, f.value) for p, f in pairs if f is not None]
    if not points:
        return []
    findings = check_series(ind, points, _last_year(series), series.fy_start)
    table = series.tables[Field.VALUE]
    return [f.warning(ind.ref, table.get(f.period)) for f in findings]


def _last_year(series: _Series, what: Field = Field.VALUE) -> list[tuple[Period, float]]:
    """Last financial year's values, when the returns give them: the plausibility checks'
    history (the level, the noise, the same month last year)."""
    if not series.periods or not series.has_last_year:
        return []
    this_fy = series.periods[0].fy_start(series.fy_start)
    last_fy = this_fy.shift(-12)
    table = series.tables.get(what, {})
    return sorted((p, f.value) for p, f in table.items() if last_fy <= p < this_fy)


def _areas_without_figures(register: Register, figures: Figures) -> list[Issue]:
    with_indicators = {ind.service_area for ind in register.indicators.values()}
    return [
        warning(
            IssueCode.MISSING_VALUE,
            (
                f"no figures at all for service area '{area}': its indicators are shown without "
                "values; check its return was included"
            ),
        )
        for area in register.service_areas
        if area not in figures.areas_seen and area in with_indicators
    ]


def _commentary(register: Register, figures: Figures) -> list[Commentary]:
    order = {ref: i for i, ref in enumerate(register.indicators)}
    notes = sorted(figures.notes, key=lambda n: (order.get(n.ref, 0), n.period))
    # the same line read twice (a dashboard read back holds it on two sheets) is kept once
    unique = {(n.ref, n.period, n.text): n for n in reversed(notes)}  # the first one wins
    return [
        Commentary(register.indicators[n.ref].service_area, n.ref, n.period, n.text, n.obs.source)
        for n in sorted(unique.values(), key=lambda n: (order.get(n.ref, 0), n.period))
    ]
