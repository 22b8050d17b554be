"""Rate validated figures: values, YTDs, RAGs, alerts and directions in the tidy results table."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pandas as pd

from kpixl.issues import Issue, IssueCode, warning
from kpixl.periods import Period
from kpixl.plausibility import check_series, format_value
from kpixl.rating import alert, compute_ytd, direction, rag, same_when_displayed
from kpixl.register import AlertOn, Indicator, Register, YtdMethod
from kpixl.results import DATA_COLUMNS, Commentary
from kpixl.returns import Field
from kpixl.validate import Figure, Figures


@dataclass
class _Series:
    """One indicator's due periods and the figures the returns gave for them."""

    ind: Indicator
    periods: list[Period]
    figures: Figures
    fy_start: int

    def __post_init__(self) -> None:
        this_fy = self.periods[0].fy_start(self.fy_start) if self.periods else None
        self.has_last_year = this_fy is not None and any(
            q < this_fy for q in self.figures.of(self.ind.ref, Field.VALUE)
        )
        self._lists = {
            what: [_figure_value(self.figures.of(self.ind.ref, what).get(p)) for p in self.periods]
            for what in (Field.VALUE, Field.NUMERATOR, Field.DENOMINATOR)
        }

    def values(self, what: Field, upto: int | None = None) -> list[float | None]:
        values = self._lists[what]
        return values if upto is None else values[: upto + 1]


def _figure_value(figure: Figure | None) -> float | None:
    return figure.value if figure else None


def _value(figures: Figures, what: Field, ref: str, period: Period) -> float | None:
    return _figure_value(figures.get(what, ref, period))


def due_periods(ind: Indicator, period: Period, fy_start: int) -> list[Period]:
    """The FY months up to `period` an indicator reports in (quarter ends when quarterly)."""
    return list(_due(ind.is_quarterly, period, fy_start))


@functools.lru_cache(maxsize=256)
def _due(quarterly: bool, period: Period, fy_start: int) -> tuple[Period, ...]:
    months = period.fy_months(fy_start)
    return tuple(p for p in months if not quarterly or p.is_quarter_end(fy_start))


def score(
    register: Register, figures: Figures, period: Period
) -> tuple[pd.DataFrame, list[Commentary], list[Issue]]:
    """The Data table for the reporting period, the commentary lines, and the rating warnings."""
    fy_start = register.settings.fy_start_month
    rows: list[dict[str, object]] = []
    issues: list[Issue] = []
    for ind in register.indicators.values():
        series = _Series(ind, due_periods(ind, period, fy_start), figures, fy_start)
        rows.extend(_rows(series, fy_start, issues))
        issues.extend(_missing(series, period))
        issues.extend(_plausibility(series))
    issues.extend(_areas_without_figures(register, figures))
    frame = pd.DataFrame(rows, columns=list(DATA_COLUMNS), dtype=object)
    return frame, _commentary(register, figures), issues


def _rows(series: _Series, fy_start: int, issues: list[Issue]) -> list[dict[str, object]]:
    ind, figures = series.ind, series.figures
    rows: list[dict[str, object]] = []
    previous: float | None = None
    values = series.values(Field.VALUE)
    for i, p in enumerate(series.periods):
        value = values[i]
        ytd = _ytd(series, i, issues, last=i == len(series.periods) - 1)
        figure = figures.get(Field.VALUE, ind.ref, p)
        rows.append(
            {
                "ref": ind.ref,
                "description": ind.description,
                "service_area": ind.service_area,
                "kind": ind.kind.value,
                "period": str(p),
                "value": value,
                "month_rag": _word(rag(value, ind)),
                "ytd": ytd,
                "ytd_rag": _word(rag(ytd, ind)) if ind.is_kpi else None,
                "alert": _word(alert(ytd if ind.alert_on is AlertOn.YTD else value, ind)),
                "target": ind.target,
                "floor": ind.floor,
                "upper": ind.upper,
                "lower": ind.lower,
                "prev_year": _prev_year(series, p, fy_start),
                "direction": _word(direction(value, previous, ind)),
                "source": figure.source if figure else None,
            }
        )
        if value is not None:
            previous = value
    return rows


def _word(value: object) -> str | None:
    return None if value is None else str(value)


def _ytd(series: _Series, i: int, issues: list[Issue], last: bool) -> float | None:
    """The supplied YTD if a return gives one (warning when it disagrees), else the computed one."""
    ind, p = series.ind, series.periods[i]
    if ind.ytd is YtdMethod.NONE:
        return None
    computed = compute_ytd(
        ind,
        series.values(Field.VALUE, i),
        series.values(Field.NUMERATOR, i),
        series.values(Field.DENOMINATOR, i),
    )
    supplied = series.figures.get(Field.YTD, ind.ref, p)
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


def _prev_year(series: _Series, p: Period, fy_start: int) -> float | None:
    """Previous year: from the return, else last FY's data at the same point, else the register."""
    ind, figures = series.ind, series.figures
    supplied = figures.get(Field.PREV_YEAR, ind.ref, p)
    if supplied is not None:
        return supplied.value
    if not series.has_last_year:
        return ind.prev_year  # the inputs hold nothing of last year
    last_year = p.shift(-12)
    months = due_periods(ind, last_year, fy_start)
    values = [_value(figures, Field.VALUE, ind.ref, m) for m in months]
    if ind.ytd is not YtdMethod.NONE and any(v is not None for v in values):
        given = figures.get(Field.YTD, ind.ref, last_year)
        if given is not None:
            return given.value
        return compute_ytd(
            ind,
            values,
            [_value(figures, Field.NUMERATOR, ind.ref, m) for m in months],
            [_value(figures, Field.DENOMINATOR, ind.ref, m) for m in months],
        ).value
    return ind.prev_year


def _missing(series: _Series, period: Period) -> list[Issue]:
    ind, figures = series.ind, series.figures
    if ind.service_area not in figures.areas_seen:
        return []
    issues: list[Issue] = []
    for p in series.periods:
        if figures.get(Field.VALUE, ind.ref, p) or (Field.VALUE, ind.ref, p) in figures.rejected:
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
            issues.append(
                warning(
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
    ind, figures = series.ind, series.figures
    points = [(p, f.value) for p in series.periods if (f := figures.get(Field.VALUE, ind.ref, p))]
    issues: list[Issue] = []
    for finding in check_series(ind, points):
        figure = figures.get(Field.VALUE, ind.ref, finding.period)
        where = (
            {"file": figure.obs.file, "sheet": figure.obs.sheet, "cell": figure.obs.cell}
            if figure
            else {}
        )
        issues.append(
            warning(
                finding.code,
                f"{ind.ref}: {finding.message}",
                ref=ind.ref,
                period=str(finding.period),
                **where,
            )
        )
    return issues


def _areas_without_figures(register: Register, figures: Figures) -> list[Issue]:
    return [
        warning(
            IssueCode.MISSING_VALUE,
            (
                f"no figures at all for service area '{area}': its indicators are shown without "
                "values; check its return was included"
            ),
        )
        for area in register.service_areas
        if area not in figures.areas_seen and register.indicators_of(area)
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
