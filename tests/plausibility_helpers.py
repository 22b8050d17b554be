"""Shared by the plausibility tests: an indicator, a monthly series, findings as a reader sees."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kpixl.check.plausibility import Finding, check_series
from kpixl.periods import Period
from kpixl.register.model import Indicator, Kind, Unit, YtdMethod

APR24 = Period(2024, 4)
STEADY = [4510, 4480, 4530, 4495, 4520, 4470, 4530, 4505, 4490, 4525, 4500, 4515]
SUMMED = [1000, 1040, 980, 1010, 1020, 990, 1005, 1030, 995, 1015, 985, 1000]


def ind(unit: Unit = Unit.COUNT, **kw: Any) -> Indicator:
    return Indicator(
        ref="X01", description="Test", service_area="Test", kind=Kind.ACTIVITY, unit=unit, **kw
    )


def monthly(
    values: Sequence[float], start: Period = APR24, step: int = 1
) -> list[tuple[Period, float]]:
    return [(start.shift(i * step), v) for i, v in enumerate(values)]


def with_month(values: Sequence[float], i: int, value: float) -> list[float]:
    changed = list(values)
    changed[i] = value
    return changed


def screen_clears_only_what_the_rules_leave(values: list[float], unit: Unit, summed: bool) -> None:
    """Where the screen (kpixl.check.screen) clears a row of plain values, the rules raise
    nothing for it (`summed`: its YTD is a sum)."""
    import numpy as np

    from kpixl.check import screen

    clear = screen._ordinary(np.array([values], dtype=float), [unit], np.array([summed]))[0]
    if clear:
        indicator = ind(unit, ytd=YtdMethod.SUM) if summed else ind(unit)
        assert check_series(indicator, monthly(values)) == []


def flat(findings: list[Finding]) -> list[list[str]]:
    """Findings as a reader would list them: code and period label."""
    return [[f.code.value, f.period.label] for f in findings]
