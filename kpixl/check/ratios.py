"""A rate's parts: its value against its own numerator and denominator (the hard edit before
the soft ones), and its numerators and denominators as series of their own.

A return that gives a month's value and that month's numerator and denominator says the same
figure twice. When the two disagree as the dashboard would show them, one of them was typed
wrong (two digits swapped, a numerator from another month), and the dashboard would rate the
value while working out the YTD from the numerators and denominators. A statistical office
checks such an identity before anything else; so does kpixl, exactly, for every month.

The YTD the committee reads is Σ numerators / Σ denominators, so a slip in the counts moves it
even where the value agrees with them (a value worked out by a formula, or the year-to-date
counts typed in a month, whose quotient looks like any month's): the counts are checked for
plausibility as the values are, each as a series of counts added up over the year.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from kpixl.check.figures import Figure
from kpixl.check.level import resolution
from kpixl.check.plausibility import check_series
from kpixl.check.wording import as_typed
from kpixl.issues import Issue, IssueCode, warning
from kpixl.periods import Period
from kpixl.read.observations import Field
from kpixl.register.model import Indicator, Unit, YtdMethod, displayed
from kpixl.values import LARGEST

__all__ = ["as_counts", "disagreements", "no_value", "parts_queried"]

WHOLE_PERCENT = 0.01  # a percentage is typed to a whole point at the coarsest
SCALE_TOLERANCE = 0.01  # values this close to a power of ten times n/d, every month: one cause


class Month(NamedTuple):
    """One month's three figures, each from its cell."""

    period: Period
    value: Figure
    numerator: Figure
    denominator: Figure
    quotient: float


def disagreements(
    ind: Indicator,
    periods: Sequence[Period],
    values: Sequence[Figure | None],
    numerators: Sequence[Figure | None],
    denominators: Sequence[Figure | None],
) -> list[Issue]:
    """A warning for each month whose value is not its numerator / denominator as the dashboard
    shows it (allowing the value's own last typed digit either way: 86% for 86.5% is rounding,
    not a slip); one warning for the indicator when every month's value is the same power of
    ten times its quotient (a rate per 1,000 given with its counts)."""
    given = [
        Month(p, v, n, d, q)
        for p, v, n, d in zip(periods, values, numerators, denominators, strict=True)
        if v is not None
        and n is not None
        and d is not None
        and (q := _quotient_of(n, d)) is not None
    ]
    wrong = [m for m in given if not _agree(ind, m.value.value, m.quotient)]
    if not wrong:
        return []
    power = _common_power(wrong) if len(wrong) == len(given) > 1 else None
    if power is not None:
        return [_scaled(ind, wrong[-1], power)]
    return [_disagreement(ind, m) for m in wrong]


def _quotient_of(numerator: Figure | None, denominator: Figure | None) -> float | None:
    """numerator / denominator, or None where there is no figure a return could hold as a
    value: a count not given, a denominator of 0, a quotient beyond LARGEST (1 / 1e-310)."""
    if numerator is None or denominator is None or denominator.value == 0:
        return None
    quotient = numerator.value / denominator.value
    return quotient if abs(quotient) <= LARGEST else None


def _agree(ind: Indicator, value: float, quotient: float) -> bool:
    """True when the value is its quotient as the dashboard shows both, or within one step of
    the value's own last typed digit (a quotient truncated, or rounded the other way)."""
    if displayed(value, ind.unit, ind.decimals) == displayed(quotient, ind.unit, ind.decimals):
        return True
    return abs(value - quotient) <= _last_digit(ind, value) * (1 + 1e-9)


def _last_digit(ind: Indicator, value: float) -> float:
    """One step of the value's last typed digit: 0.01 for 86% or 0.86, 0.001 for 86.3%, 1 for
    a whole number (120 is typed to the unit, not the hundred), 1e-6 for a worked-out one."""
    whole = WHOLE_PERCENT if ind.unit is Unit.PERCENT else 1.0
    return min(resolution([value]), whole)


def _common_power(wrong: Sequence[Month]) -> int | None:
    """The power of ten (not 0) every month's value is of its quotient, if there is one."""
    powers = set()
    for m in wrong:
        value, quotient = m.value.value, m.quotient
        if value == 0 or quotient == 0 or (value < 0) != (quotient < 0):
            return None
        ratio = math.log10(abs(value)) - math.log10(abs(quotient))  # 1e300 / 1e-320 too
        power = round(ratio)
        if power == 0 or abs(10 ** (ratio - power) - 1) > SCALE_TOLERANCE:
            return None
        powers.add(power)
    return powers.pop() if len(powers) == 1 else None


def _parts(m: Month) -> str:
    """`112 / 130 in 'Numerators'!F5 and 'Denominators'!F5` (the file too, if another)."""
    return _cells(m.numerator, m.denominator, m.value.obs.file)


def _cells(numerator: Figure, denominator: Figure, file: str) -> str:
    def where(figure: Figure) -> str:
        obs = figure.obs
        place = f"'{obs.sheet}'!{obs.cell}"
        return place if obs.file == file else f"{obs.file}, {place}"

    n, d = numerator.value, denominator.value
    return f"{n:,.10g} / {d:,.10g} in {where(numerator)} and {where(denominator)}"


def no_value(
    ind: Indicator, period: Period, numerator: Figure | None, denominator: Figure | None
) -> Issue | None:
    """The missing-value warning for a month given its numerator and denominator but no value:
    it names the figure they give, and the sheet they are on (where the value belongs)."""
    quotient = _quotient_of(numerator, denominator)
    if quotient is None or numerator is None or denominator is None:
        return None
    obs = numerator.obs
    return warning(
        IssueCode.MISSING_VALUE,
        f"no value for {ind.ref} {period.label}, but its numerator and denominator give "
        f"{_quotient(ind, quotient)} ({_cells(numerator, denominator, obs.file)}): type the "
        "value too (only a value given is shown and rated), or n/a if there is none",
        file=obs.file,
        sheet=obs.sheet,
        ref=ind.ref,
        period=str(period),
    )


def _disagreement(ind: Indicator, m: Month) -> Issue:
    obs = m.value.obs
    return warning(
        IssueCode.RATIO_MISMATCH,
        f"{ind.ref} {m.period.label} is {as_typed(m.value.value, ind)}, but its numerator and "
        f"denominator give {_quotient(ind, m.quotient)} ({_parts(m)}): the value is rated "
        "and the YTD is worked out from the numerators and denominators; correct whichever "
        "is wrong",
        file=obs.file,
        sheet=obs.sheet,
        cell=obs.cell,
        ref=ind.ref,
        period=str(m.period),
    )


def _scaled(ind: Indicator, m: Month, power: int) -> Issue:
    obs = m.value.obs
    times = f"{10 ** abs(power):,}"
    how = f"{times} times" if power > 0 else f"1/{times} of"
    fix = (
        f"for a rate per {times}, give the numerators times {times}"
        if power > 0
        else "check the values' scale"
    )
    return warning(
        IssueCode.RATIO_MISMATCH,
        f"{ind.ref}'s values are {how} their numerator / denominator every month "
        f"({m.period.label}: {as_typed(m.value.value, ind)} against {_parts(m)}): the YTD is "
        "worked out as total numerator / total denominator, so it is not on the values' "
        f"scale; {fix}",
        file=obs.file,
        sheet=obs.sheet,
        cell=obs.cell,
        ref=ind.ref,
        period=str(m.period),
    )


def _quotient(ind: Indicator, quotient: float) -> str:
    """The quotient to one place more than the dashboard shows (86.2%, not 86%)."""
    number = quotient * 100 if ind.unit is Unit.PERCENT else quotient
    text = f"{number:,.{ind.decimals + 1}f}"
    return text + ("%" if ind.unit is Unit.PERCENT else "")


def parts_queried(
    ind: Indicator,
    tables: Mapping[Field, Mapping[Period, Figure]],
    periods: Sequence[Period],
    last_year: Callable[[Field], list[tuple[Period, float]]],
    fy_start: int,
) -> list[Issue]:
    """The plausibility warnings of a rate's numerators and of its denominators, each measured
    as a series of counts (`last_year`: a field's figures of last financial year, if given),
    at their cells: `FN07 denominator: Dec-24 is 84,020; the usual level is ~8,400: …`."""
    issues = []
    for field in (Field.NUMERATOR, Field.DENOMINATOR):
        table = tables.get(field)
        if not table:
            continue
        points = [(p, table[p].value) for p in periods if p in table]
        if not points:
            continue
        counts = as_counts(ind, [v for _, v in points])
        for finding in check_series(counts, points, last_year(field), fy_start):
            issues.append(finding.warning(ind.ref, table.get(finding.period), field.value))
    return issues


def as_counts(ind: Indicator, values: Sequence[float]) -> Indicator:
    """The indicator as its numerators or denominators are measured: counts (numbers, where one
    has a fraction) added up over the year, with no range of the rate's own."""
    whole = all(float(v).is_integer() for v in values)
    return dataclasses.replace(
        ind,
        unit=Unit.COUNT if whole else Unit.NUMBER,
        ytd=YtdMethod.SUM,
        decimals=0 if whole else 2,
        min=None,
        max=None,
    )
