"""RAG ratings, YTD figures, activity alerts and direction of travel: pure functions, no I/O."""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from typing import NamedTuple

from kpixl.register.model import Indicator, Polarity, RagBasis, YtdMethod, displayed


class Rag(StrEnum):
    GREEN = "GREEN"
    AMBER = "AMBER"
    RED = "RED"


class Alert(StrEnum):
    YES = "Yes"
    ABOVE = "Above"
    BELOW = "Below"


class Direction(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"


def _shown(value: float, ind: Indicator) -> float:
    return displayed(value, ind.unit, ind.decimals)


def rag(value: float | None, ind: Indicator, basis: RagBasis | None = None) -> Rag | None:
    """GREEN/AMBER/RED for a KPI value; None for no value, an activity, or no target."""
    if value is None or not math.isfinite(value) or not ind.is_kpi or ind.target is None:
        return None
    basis = basis or ind.rag_basis
    v = _shown(value, ind) if basis is RagBasis.DISPLAYED else value
    if ind.polarity is Polarity.LOWER:
        # Mirror: "lower is better" is "higher is better" on the negated scale.
        v, target = -v, -ind.target
        floor = None if ind.floor is None else -ind.floor
    else:
        target, floor = ind.target, ind.floor
    if v >= target:
        return Rag.GREEN
    if floor is not None and v >= floor:
        return Rag.AMBER
    return Rag.RED


class Ytd(NamedTuple):
    """A computed year-to-date figure and how it was arrived at (a tuple: one per row is made)."""

    value: float | None
    method: YtdMethod  # the method actually used
    fell_back: bool = False  # ratio asked for but numerators/denominators missing -> mean used


def compute_ytd(
    ind: Indicator,
    values: Sequence[float | None],
    numerators: Sequence[float | None] | None = None,
    denominators: Sequence[float | None] | None = None,
) -> Ytd:
    """The YTD figure by the indicator's method, over the FY months given (None = no value):
    a ratio is Σ numerator / Σ denominator over the months with a value, falling back to the
    mean when a month lacks either or the denominators sum to 0."""
    running = running_ytd(ind, values, numerators, denominators)
    return running[-1] if running else Ytd(None, ind.ytd)


def running_ytd(
    ind: Indicator,
    values: Sequence[float | None],
    numerators: Sequence[float | None] | None = None,
    denominators: Sequence[float | None] | None = None,
) -> list[Ytd]:
    """The YTD at each FY month: `compute_ytd` over the months up to it, in one pass."""
    method = ind.ytd
    present: list[float] = []
    nums: list[float] = []
    dens: list[float] = []
    # a month with a value but no numerator or denominator rules the ratio out from then on
    ratio_ok = method is YtdMethod.RATIO and numerators is not None and denominators is not None
    out: list[Ytd] = []
    for i, v in enumerate(values):
        if v is not None:
            present.append(v)
            if ratio_ok:
                assert numerators is not None and denominators is not None
                n = numerators[i] if i < len(numerators) else None
                d = denominators[i] if i < len(denominators) else None
                if n is None or d is None:
                    ratio_ok = False
                else:
                    nums.append(n)
                    dens.append(d)
        out.append(_ytd_of(method, present, nums if ratio_ok else None, dens))
    return out


def _ytd_of(
    method: YtdMethod, present: list[float], nums: list[float] | None, dens: list[float]
) -> Ytd:
    """compute_ytd's rules for the values present so far (nums None: no ratio possible)."""
    if method is YtdMethod.NONE or not present:
        return Ytd(None, method)
    if method is YtdMethod.RATIO:
        total = math.fsum(dens) if nums is not None else 0
        if total != 0:
            assert nums is not None
            return Ytd(math.fsum(nums) / total, method)
        return Ytd(math.fsum(present) / len(present), YtdMethod.MEAN, fell_back=True)
    if method is YtdMethod.SUM:
        return Ytd(math.fsum(present), method)
    if method is YtdMethod.LATEST:
        return Ytd(present[-1], method)
    return Ytd(math.fsum(present) / len(present), method)


def alert(value: float | None, ind: Indicator) -> Alert | None:
    """Above/Below/Yes against the expected range; None without a range or a value."""
    if value is None or ind.upper is None or ind.lower is None:
        return None
    # Compare what the reader sees, so 90% is never flagged above a 90% upper bound.
    v = _shown(value, ind)
    if v > ind.upper:
        return Alert.ABOVE
    if v < ind.lower:
        return Alert.BELOW
    return Alert.YES


def direction(current: float | None, previous: float | None, ind: Indicator) -> Direction | None:
    """Better/worse/same than a previous figure, by the indicator's polarity, as displayed."""
    if current is None or previous is None:
        return None
    cur, prev = _shown(current, ind), _shown(previous, ind)
    if cur == prev:
        return Direction.SAME
    better = cur > prev if ind.polarity is Polarity.HIGHER else cur < prev
    return Direction.BETTER if better else Direction.WORSE


def same_when_displayed(a: float, b: float, ind: Indicator) -> bool:
    """True when two figures look identical on the dashboard (for the ytd-mismatch warning)."""
    return _shown(a, ind) == _shown(b, ind)
