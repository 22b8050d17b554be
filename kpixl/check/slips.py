"""The typing slips that explain a figure far from its level, and the value probably meant.

Each slip is one edit away from the value meant (as Statistics Netherlands corrects typing
errors): a digit too many or too few or pounds in a £000 cell (×/÷ 10, 100, 1000), two
adjacent digits swapped, a lost minus sign, the year-to-date total typed in the month.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import NamedTuple

from kpixl.issues import IssueCode
from kpixl.register.model import Indicator, Unit, YtdMethod

TYPED_DIGITS = 6  # a figure with more significant digits was worked out, not typed
PERCENT_MAX = 1.5  # a meant percentage above 150% is no explanation (unless the register allows)
YTD_WHY = "it is the year-to-date total with that month: the YTD typed in the month"


class Slip(NamedTuple):
    """A value the figure may have been meant to be, and how it came to be typed wrongly (a
    tuple, quick to make: ten are made for every month judged)."""

    code: IssueCode
    meant: float
    why: str


def candidates(
    ind: Indicator, value: float, year_before: Sequence[float] | None, *, swaps: bool = True
) -> Iterator[Slip]:
    """Every slip that turns some meant value into `value`, within the indicator's range.

    `year_before` holds this financial year's earlier months (None when one is missing);
    without `swaps`, swapped digits are not tried."""
    for slip in _all(ind, value, year_before, swaps):
        if _allowed(ind, slip.meant) and slip.meant != value:
            yield slip


def _all(
    ind: Indicator, value: float, year_before: Sequence[float] | None, swaps: bool
) -> Iterator[Slip]:
    if year_before and ind.ytd is YtdMethod.SUM and ind.unit is not Unit.PERCENT:
        meant = value - sum(year_before)
        yield Slip(IssueCode.YTD_IN_MONTH, meant, YTD_WHY)
    if value:
        sign = "the minus sign lost" if value > 0 else "a stray minus sign"
        yield Slip(IssueCode.WRONG_SIGN, -value, sign)
    for factor, too_small, too_large in _scale_whys(ind.unit):
        yield Slip(IssueCode.SCALE_SLIP, value * factor, too_small)
        yield Slip(IssueCode.SCALE_SLIP, value / factor, too_large)
    if not swaps:
        return
    for meant in swapped(value, percent=ind.unit is Unit.PERCENT):
        yield Slip(IssueCode.SWAPPED_DIGITS, meant, "two digits swapped")


@functools.cache  # a few words, asked for every month judged
def _scale_whys(unit: Unit) -> tuple[tuple[int, str, str], ...]:
    """For ×/÷ 10, 100 and 1000: the factor, and why the figure is that many times too small
    and too large."""
    return tuple(
        (10**p, _scale_why(unit, 10**p, small=True), _scale_why(unit, 10**p, small=False))
        for p in (1, 2, 3)
    )


def _scale_why(unit: Unit, factor: int, *, small: bool) -> str:
    size = f"{factor:,} times too {'small' if small else 'large'}"
    if unit is Unit.PERCENT:
        return f"{size}: a percentage on the wrong scale"
    if unit is Unit.CURRENCY_K and factor == 1000 and not small:
        return f"{size}: pounds typed in a £000s cell"
    if factor == 1000 and small:
        return f"{size}: the thousands typed without the rest"
    return f"{size}: a digit {'missing' if small else 'too many'} or the decimal point slipped"


def swapped(value: float, *, percent: bool) -> Iterator[float]:
    """The values that differ from `value`, as typed, by two adjacent digits swapped."""
    typed = f"{abs(value) * 100 if percent else abs(value):.10g}"
    if "e" in typed or sum(c.isdigit() for c in typed.lstrip("0.")) > TYPED_DIGITS:
        return  # a worked-out ratio, not a figure anyone typed
    sign = -1.0 if value < 0 else 1.0
    for j in range(len(typed) - 1):
        a, b = typed[j], typed[j + 1]
        if not (a.isdigit() and b.isdigit()) or a == b or (j == 0 and b == "0"):
            continue
        number = float(typed[:j] + b + a + typed[j + 2 :]) * sign
        yield number / 100 if percent else number


def _allowed(ind: Indicator, meant: float) -> bool:
    """A meant value the register's range and the unit allow."""
    if ind.min is not None and meant < ind.min:
        return False
    if ind.max is not None and meant > ind.max:
        return False
    if ind.unit is Unit.PERCENT:
        return (ind.min is not None or meant >= 0) and (ind.max is not None or meant <= PERCENT_MAX)
    return True
