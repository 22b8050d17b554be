"""Why a figure is what it is: one indicator's months, YTD arithmetic and ratings, cell by cell.

`explain(results, figures, ref)` reads what a run made (the Data table's rows and the validated
figures with their cells, from `pipeline.run_with_figures`) and the register, and says how each
number and colour of the reporting period came about, for the officer asked "why is this AMBER?".
"""

from __future__ import annotations

import difflib
import math
from dataclasses import asdict, dataclass
from typing import Any

from kpixl.check.figures import Figures
from kpixl.errors import UsageError
from kpixl.issues import Issue
from kpixl.periods import Period
from kpixl.rate.rating import Ytd, rag, running_ytd
from kpixl.rate.scoring import forecast_of
from kpixl.read.observations import Field
from kpixl.register.model import (
    AlertOn,
    Indicator,
    Polarity,
    RagBasis,
    Unit,
    YtdMethod,
    as_shown,
    displayed,
)
from kpixl.results import DATA_COLUMNS, Results

_COL = {name: i for i, name in enumerate(DATA_COLUMNS)}

NO_PREV_YEAR = "none: neither the returns nor the register give one"


@dataclass(frozen=True)
class Month:
    """One due period of the indicator: its figures, where each came from, and its ratings."""

    period: str  # YYYY-MM
    label: str  # Mar-25
    value: float | None
    shown: str  # as the dashboard shows it; "" when there is no value
    source: str  # file!sheet!cell of the value; "" when there is none
    numerator: float | None
    numerator_source: str
    denominator: float | None
    denominator_source: str
    rag: str | None
    ytd: float | None
    ytd_rag: str | None
    alert: str | None
    direction: str | None


@dataclass(frozen=True)
class YtdWorking:
    """How the YTD of the reporting period was arrived at, with its arithmetic."""

    method: str  # the register's method: ratio, mean, sum, latest, none
    used: str  # what was done: that method, `mean` when a ratio fell back, or `given`
    value: float | None  # the YTD shown and rated (the Data table's)
    shown: str
    working: str  # the arithmetic, in words and figures
    numerator_total: float | None = None
    denominator_total: float | None = None
    given_source: str = ""  # the cell of a YTD a return gives


@dataclass(frozen=True)
class Band:
    """One rating and what decided it."""

    rated: str  # `Mar-25` or `YTD`
    value: float | None
    compared: float | None  # the figure compared with target and floor (displayed or exact)
    rag: str | None
    reason: str


@dataclass(frozen=True)
class Explanation:
    """How one indicator's figures and ratings for the reporting period were made."""

    ref: str
    description: str
    service_area: str
    kind: str
    frequency: str
    unit: str
    decimals: int
    polarity: str
    target: float | None
    floor: float | None
    upper: float | None
    lower: float | None
    alert_on: str
    rag_basis: str
    period: str
    year: str  # the financial year, 2024/25
    rounding: str
    months: list[Month]
    ytd: YtdWorking
    month_band: Band
    ytd_band: Band
    alert: str
    prev_year: float | None
    prev_year_source: str
    direction: str
    forecast: str  # how the year-end forecast was made, or "" when there is none
    issues: list[Issue]

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["issues"] = [i.as_dict() for i in self.issues]
        return out

    def lines(self) -> list[str]:
        """The explanation for people: plain sentences, one idea a line."""
        return _lines(self)


def explain(results: Results, figures: Figures, ref: str) -> Explanation:
    """How `ref`'s figures and ratings for `results.period` were made. UsageError, naming the
    closest refs, when `ref` is not an indicator of the register."""
    ind = _indicator(results, ref)
    rows = [row for row in results.rows() if row[_COL["ref"]] == ind.ref]
    if not rows:
        raise UsageError(
            f"{ind.ref} is quarterly and no quarter end of the year is due by "
            f"{results.period.label}: give a later --period"
        )
    months = [_month(row, ind, figures) for row in rows]
    last = months[-1]
    fy_start = results.register.settings.fy_start_month
    return Explanation(
        **_register_says(ind),
        period=str(results.period),
        year=results.fy_label,
        rounding=_rounding(ind),
        months=months,
        ytd=_ytd_working(ind, months, figures),
        month_band=_band(ind, last.label, last.value, last.rag),
        ytd_band=_band(ind, "YTD", last.ytd, last.ytd_rag),
        alert=_alert(ind, last),
        prev_year=_number(rows[-1][_COL["prev_year"]]),
        prev_year_source=_prev_year_source(ind, results.period, figures, fy_start),
        direction=_direction(ind, months),
        forecast=_forecast_said(results, figures, ind),
        issues=[i for i in results.report if i.ref.strip().upper() == ind.ref.upper()],
    )


def _forecast_said(results: Results, figures: Figures, ind: Indicator) -> str:
    """`103,928 (102,456 to 105,400): 7 months known; the rest projected from …`."""
    made = forecast_of(results.register, figures, results.period, ind.ref)
    if made is None:
        return ""
    rating = ""
    if ind.is_kpi and ind.target is not None:
        rating = f", {rag(made.value, ind) or 'N/A'}"
    span = f"{_shown(made.low, ind)} to {_shown(made.high, ind)}"
    slot = "quarter" if ind.is_quarterly else "month"
    return f"{_shown(made.value, ind)} ({span}{rating}): {made.how(slot)}"


def _register_says(ind: Indicator) -> dict[str, Any]:
    """The indicator's register row, as Explanation's first fields."""
    return {
        "ref": ind.ref, "description": ind.description, "service_area": ind.service_area,
        "kind": ind.kind.value, "frequency": ind.frequency.value, "unit": ind.unit.value,
        "decimals": ind.decimals, "polarity": ind.polarity.value, "target": ind.target,
        "floor": ind.floor, "upper": ind.upper, "lower": ind.lower,
        "alert_on": ind.alert_on.value, "rag_basis": ind.rag_basis.value,
    }  # fmt: skip


def _indicator(results: Results, ref: str) -> Indicator:
    ind = results.register.find(ref)
    if ind is not None:
        return ind
    refs = list(results.register.indicators)
    by_upper = {r.upper(): r for r in refs}
    close = difflib.get_close_matches(ref.strip().upper(), list(by_upper), n=3, cutoff=0.6)
    hint = (
        f"did you mean {', '.join(by_upper[c] for c in close)}?"
        if close
        else "see the Indicators sheet for its refs"
    )
    name = results.register.path.name
    raise UsageError(f"'{ref}' is not an indicator in the register {name}: {hint}")


def _month(row: tuple[object, ...], ind: Indicator, figures: Figures) -> Month:
    period = Period.parse(str(row[_COL["period"]]))
    value = _number(row[_COL["value"]])
    num = figures.get(Field.NUMERATOR, ind.ref, period)
    den = figures.get(Field.DENOMINATOR, ind.ref, period)
    return Month(
        str(period), period.label, value, _shown(value, ind), str(row[_COL["source"]] or ""),
        num.value if num else None, num.source if num else "",
        den.value if den else None, den.source if den else "",
        _word(row[_COL["month_rag"]]), _number(row[_COL["ytd"]]), _word(row[_COL["ytd_rag"]]),
        _word(row[_COL["alert"]]), _word(row[_COL["direction"]]),
    )  # fmt: skip


def _number(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]  # the Data table holds floats or None
    return None if math.isnan(number) else number


def _word(value: object) -> str | None:
    return None if value is None else str(value)


def _shown(value: float | None, ind: Indicator) -> str:
    """As the dashboard shows it: `85%`, `26,439`, `2.2%`."""
    return _as_shown(value, ind.unit, ind.decimals)


def _as_shown(value: float | None, unit: Unit, decimals: int) -> str:
    return "" if value is None else as_shown(value, unit, decimals)


def _exact(value: float, ind: Indicator) -> str:
    """A figure to two more places than shown, less the zeros at the end: 84.97%, 4.7%."""
    return _as_exact(value, ind.unit, ind.decimals)


def _as_exact(value: float, unit: Unit, decimals: int) -> str:
    number = value * 100 if unit is Unit.PERCENT else value
    text = f"{number:,.{decimals + 2}f}"
    whole, _, places = text.partition(".")
    places = places.rstrip("0").ljust(decimals, "0")
    return (f"{whole}.{places}" if places else whole) + ("%" if unit is Unit.PERCENT else "")


def _plain(value: float, places: int = 2) -> str:
    """A count or total: `88,144`, or `3,621.5` when it is not whole."""
    if value == round(value):
        return f"{value:,.0f}"
    return f"{value:,.{places}f}".rstrip("0").rstrip(".")


def _threshold(value: float, ind: Indicator) -> str:
    """A target, floor or bound as typed in the register (85%, 5%, 383,000)."""
    if ind.unit is Unit.PERCENT:
        return f"{_plain(value * 100, 4)}%"
    return _plain(value, 4)


def _rounding(ind: Indicator) -> str:
    places = f"{ind.decimals} decimal{'s' if ind.decimals != 1 else ''}"
    what = "as a percentage " if ind.unit is Unit.PERCENT else ""
    basis = (
        "ratings compare the value as displayed (rag_basis displayed)"
        if ind.rag_basis is RagBasis.DISPLAYED
        else "ratings compare the exact value (rag_basis exact)"
    )
    return f"shown {what}with {places}, halves rounded away from zero; {basis}"


def _ytd_working(ind: Indicator, months: list[Month], figures: Figures) -> YtdWorking:
    """The reporting period's YTD: given by a return, or worked out, with the arithmetic."""
    last = months[-1]
    method = ind.ytd.value
    if ind.ytd is YtdMethod.NONE:
        return YtdWorking(method, "none", None, "", "none for this indicator: N/A, not rated")
    given = figures.get(Field.YTD, ind.ref, Period.parse(last.period))
    values = [m.value for m in months]
    nums = [m.numerator for m in months]
    dens = [m.denominator for m in months]
    computed = running_ytd(ind, values, nums, dens)[-1]
    working, num_total, den_total = _arithmetic(ind, months, computed)
    if given is not None:
        said = (
            f"given as {_shown(given.value, ind)} in {given.source}, and used; the months give "
            f"{_shown(computed.value, ind) or 'none'}"
            + (f" ({working})" if computed.value is not None else "")
        )
        return YtdWorking(method, "given", last.ytd, _shown(last.ytd, ind), said,
                          num_total, den_total, given.source)  # fmt: skip
    return YtdWorking(
        method, computed.method.value, last.ytd, _shown(last.ytd, ind), working, num_total,
        den_total,
    )  # fmt: skip


def _arithmetic(
    ind: Indicator, months: list[Month], ytd: Ytd
) -> tuple[str, float | None, float | None]:
    """The YTD's working in figures, and the totals of a ratio."""
    present = [m for m in months if m.value is not None]
    if ytd.value is None:
        return "no value given yet this year: N/A", None, None
    result = _exact(ytd.value, ind)
    if result != _shown(ytd.value, ind):
        result += f", shown as {_shown(ytd.value, ind)}"
    n = len(present)
    over = f"over the {n} {'quarter' if ind.is_quarterly else 'month'}{'s' if n != 1 else ''}"
    if ytd.method is YtdMethod.RATIO:
        num = math.fsum(m.numerator or 0.0 for m in present)
        den = math.fsum(m.denominator or 0.0 for m in present)
        terms = ""
        if n <= 4:
            terms = (
                f"({' + '.join(_plain(m.numerator or 0.0) for m in present)}) / "
                f"({' + '.join(_plain(m.denominator or 0.0) for m in present)}) = "
            )
        said = f"Σ numerators / Σ denominators {over} = {terms}{_plain(num)} / {_plain(den)}"
        return f"{said} = {result}", num, den
    values = [m.value for m in present if m.value is not None]
    if ytd.method is YtdMethod.SUM:
        return f"sum of the values {over} = {result}", None, None
    if ytd.method is YtdMethod.LATEST:
        return f"the latest value given, {present[-1].label}: {result}", None, None
    mean = f"mean of the values {over} = {_exact(math.fsum(values), ind)} / {n} = {result}"
    if ytd.fell_back:
        return (
            f"{mean} (a ratio, but a month lacks its numerator or denominator, so the mean "
            "is used: add Numerators and Denominators to the return)",
            None,
            None,
        )
    return mean, None, None


def _band(ind: Indicator, rated: str, value: float | None, rag: str | None) -> Band:
    """The rating of one figure and, in words, the target, floor and polarity that decided it."""
    if not ind.is_kpi:
        return Band(rated, value, None, None, "an activity: never rated GREEN, AMBER or RED")
    if ind.target is None:
        return Band(rated, value, None, None, "no target in the register: not rated")
    if value is None:
        return Band(rated, None, None, None, "no figure, so no rating (N/A)")
    exact = ind.rag_basis is RagBasis.EXACT
    compared = value if exact else displayed(value, ind.unit, ind.decimals)
    figure = _exact(value, ind) if exact else _shown(value, ind)
    higher = ind.polarity is Polarity.HIGHER
    better, worse = ("above", "below") if higher else ("below", "above")
    target, floor = _threshold(ind.target, ind), ""
    if ind.floor is not None:
        floor = _threshold(ind.floor, ind)
    if rag == "GREEN":
        why = f"at or {better} the target {target}"
    elif rag == "AMBER":
        why = f"{worse} the target {target} but at or {better} the floor {floor}"
    elif ind.floor is None:
        why = f"{worse} the target {target}, with no floor (two bands only)"
    else:
        why = f"{worse} the floor {floor}"
    aim = "higher is better" if higher else "lower is better"
    how = "compared exactly" if exact else "compared as displayed"
    if not exact and figure != _exact(value, ind):
        how = f"shown as {figure}, {how}"
    said = f"{_exact(value, ind)}, {how} ({aim}): {why}: {rag}"
    return Band(rated, value, compared, rag, said)


def _alert(ind: Indicator, last: Month) -> str:
    """The expected range of an activity and where the figure it is checked on falls."""
    if ind.upper is None or ind.lower is None:
        if ind.is_kpi:
            return "a KPI: no expected range"
        return "no expected range in the register: no alert (the dashboard shows the previous year)"
    on_ytd = ind.alert_on is AlertOn.YTD
    value = last.ytd if on_ytd else last.value
    which = "the YTD" if on_ytd else f"{last.label}'s own value"
    bounds = f"expected range {_threshold(ind.lower, ind)} to {_threshold(ind.upper, ind)}"
    if value is None:
        return f"{bounds}, checked on {which}, which is N/A: no alert"
    where = {"Above": "above the upper bound", "Below": "below the lower bound"}.get(
        last.alert or "", "within the range"
    )
    return (
        f"{bounds}, checked on {which} as displayed: {_shown(value, ind)} is {where}: {last.alert}"
    )


def _prev_year_source(ind: Indicator, period: Period, figures: Figures, fy_start: int) -> str:
    """Where the previous-year figure comes from, in the order rates/scoring.py looks."""
    given = figures.get(Field.PREV_YEAR, ind.ref, period)
    if given is not None:
        return f"the return: {given.source}"
    this_fy = period.fy_start(fy_start)
    earlier = any(p < this_fy for p in figures.of(ind.ref, Field.VALUE))
    if earlier and ind.ytd is not YtdMethod.NONE:
        last_year = period.shift(-12)
        ytd = figures.get(Field.YTD, ind.ref, last_year)
        if ytd is not None:
            return f"last year's YTD for {last_year.label}, given in {ytd.source}"
        return (
            f"last year's figures in the returns, worked out as the YTD to {last_year.label} "
            f"by {ind.ytd.value}"
        )
    if ind.prev_year is None:
        return NO_PREV_YEAR
    return "the register's prev_year column"


def _direction(ind: Indicator, months: list[Month]) -> str:
    """The direction of travel of the reporting period, against the value before it."""
    last = months[-1]
    if last.value is None:
        return f"{last.label} has no value: no direction"
    before = [m for m in months[:-1] if m.value is not None]
    if not before or last.direction is None:
        return f"{last.label} is the first value of the year: no direction"
    prev = before[-1]
    aim = (
        "a rise counts as better for an activity"
        if not ind.is_kpi
        else ("higher is better" if ind.polarity is Polarity.HIGHER else "lower is better")
    )
    return (
        f"{last.direction} ({prev.label} {prev.shown} → {last.label} {last.shown}, compared as "
        f"displayed; {aim})"
    )


def _lines(e: Explanation) -> list[str]:
    """Explanation.lines: a heading, the rules, each month, then the working and the ratings."""
    quarterly = e.frequency == "quarterly"
    lines = [
        f"{e.ref}: {e.description} ({e.service_area}, {e.kind}"
        + (", quarterly" if quarterly else "")
        + f"), up to {Period.parse(e.period).long_label} (FY {e.year})",
        f"Rounding: {e.rounding}.",
        _thresholds_said(e),
        "Values (each from its cell):" if not quarterly else "Quarter ends (each from its cell):",
    ]
    lines += [_month_line(e, m) for m in e.months]
    lines += [
        f"YTD ({e.ytd.method}): {e.ytd.working}.",
        f"{e.month_band.rated} rating: {e.month_band.reason}." if e.kind == "KPI" else "",
        f"YTD rating: {e.ytd_band.reason}." if e.kind == "KPI" and e.ytd.method != "none" else "",
        f"Alert: {e.alert}." if e.kind != "KPI" else "",
        _prev_line(e),
        f"Direction of travel: {e.direction}.",
        f"Year-end forecast: {e.forecast}." if e.forecast else "",
    ]
    if e.issues:
        lines.append(f"Issues on {e.ref}:")
        lines += [f"  {i.line()}" for i in e.issues]
    else:
        lines.append(f"No issue on {e.ref}.")
    return [line for line in lines if line]


def _thresholds_said(e: Explanation) -> str:
    if e.kind != "KPI":
        return "An activity: never rated GREEN, AMBER or RED."
    unit = Unit(e.unit)

    def said(v: float | None) -> str:
        if v is None:
            return "none"
        return f"{_plain(v * 100, 4)}%" if unit is Unit.PERCENT else _plain(v, 4)

    return f"{e.polarity.capitalize()} is better; target {said(e.target)}, floor {said(e.floor)}."


def _month_line(e: Explanation, m: Month) -> str:
    if m.value is None:
        return f"  {m.label}: no value"
    unit = Unit(e.unit)
    exact = _as_exact(m.value, unit, e.decimals)
    shown = f", shown {m.shown}" if m.shown != exact else ""
    parts = [f"  {m.label}: {exact}{shown}", f"from {m.source}"]
    if m.numerator is not None and m.denominator is not None:
        parts.append(
            f"numerator {_plain(m.numerator)} ({m.numerator_source}) / denominator "
            f"{_plain(m.denominator)} ({m.denominator_source})"
        )
    if m.rag:
        parts.append(f"{m.rag}")
    if m.ytd is not None:
        parts.append(f"YTD {_as_shown(m.ytd, unit, e.decimals)} {m.ytd_rag or ''}".rstrip())
    return "; ".join(parts)


def _prev_line(e: Explanation) -> str:
    """Where the previous-year figure came from, or that nothing gives one."""
    if e.prev_year is None and e.prev_year_source == NO_PREV_YEAR:
        return f"Previous year: {NO_PREV_YEAR}."
    return f"Previous year: {_prev_said(e)}, from {e.prev_year_source}."


def _prev_said(e: Explanation) -> str:
    return _as_shown(e.prev_year, Unit(e.unit), e.decimals) or "N/A"
