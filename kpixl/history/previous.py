"""Last financial year's figures from the store, where the returns do not give them: the
previous-year column then comes from the store (SPEC's order: a return's own Prev. Year, then
last year's figures, from the returns or else the store, then the register's prev_year)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from kpixl.check.figures import Figure, Figures
from kpixl.history import schema
from kpixl.history.store import Store
from kpixl.periods import Period
from kpixl.read.observations import Field, Observation
from kpixl.register.model import Register
from kpixl.results import TREND_MONTHS

# What of last year's figures the previous year is worked out from (see kpixl.rate.scoring).
_FIELDS = {
    "value": Field.VALUE,
    "numerator": Field.NUMERATOR,
    "denominator": Field.DENOMINATOR,
    "ytd": Field.YTD,
}


@dataclass(frozen=True)
class Filled:
    """What the store gave: figures added, and the indicators they were for; `held`: the
    indicators the store holds figures of earlier years for (given by the returns or not)."""

    figures: int
    indicators: int
    held: frozenset[str] = frozenset()


def last_year(register: Register, period: Period) -> tuple[Period, Period]:
    """The first and last month of the financial year before the one `period` is in."""
    this_year = period.fy_start(register.settings.fy_start_month)
    return this_year.shift(-12), this_year.shift(-1)


# Whole earlier years give the year-end forecast its seasons (kpixl.rate.forecast uses up to 3).
EARLIER_YEARS = 3


def fill_last_year(store: Store, register: Register, figures: Figures, period: Period) -> Filled:
    """Add to `figures` the earlier financial years' figures the store holds (the current
    version of each; last year's for the previous-year column, up to EARLIER_YEARS for the
    forecast's seasons) and the returns do not give; call it before the rows are rated.
    `Filled.indicators` counts those given last year's figures."""
    last_start, last = last_year(register, period)
    first = last_start.shift(-12 * (EARLIER_YEARS - 1))
    f = schema.figures.c
    query = sa.select(f.ref, f.period, f.file, f.sheet, f.cell, *(f[n] for n in _FIELDS)).where(
        f.superseded_by.is_(None), f.period >= str(first), f.period <= str(last)
    )
    with store.reading() as conn:
        stored = conn.execute(query).all()
    added, refs, held = 0, set(), set()
    months: dict[str, Period] = {}  # three years of a batch are a million rows, of 36 months
    for ref, month, file, sheet, cell, *numbers in stored:
        if ref not in register.indicators:
            continue
        held.add(ref)
        when = months.get(month) or months.setdefault(month, Period.parse(month))
        given = figures.tables(ref)
        for field, number in zip(_FIELDS.values(), numbers, strict=True):
            if number is None or given.get(field, {}).get(when) is not None:
                continue  # a return's own figure wins
            where = Observation(ref, when, field, number, f"{file} (history store)", sheet, cell)
            table = figures.tables(ref, create=True).setdefault(field, {})
            table[when] = Figure(float(number), where)
            added += 1
            if when >= last_start:
                refs.add(ref)
    return Filled(added, len(refs), frozenset(held))


def earlier_values(
    register: Register, figures: Figures, period: Period, refs: Iterable[str]
) -> dict[str, dict[Period, float]]:
    """The values of `refs`' KPIs in the months before this financial year that the Trends
    sheet's TREND_MONTHS to `period` take in (from the returns, else the store: call it after
    fill_last_year), by ref and month; a KPI with none is left out."""
    this_year = period.fy_start(register.settings.fy_start_month)
    first = period.shift(1 - TREND_MONTHS)
    found: dict[str, dict[Period, float]] = {}
    for ref in refs:
        ind = register.indicators.get(ref)
        if ind is None or not ind.is_kpi:
            continue
        values = {
            month: figure.value
            for month, figure in figures.of(ref, Field.VALUE).items()
            if first <= month < this_year
        }
        if values:
            found[ref] = dict(sorted(values.items()))
    return found
