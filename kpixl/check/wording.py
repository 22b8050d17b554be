"""A plausibility finding and the way its values are written: as shown, as typed, roughly."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kpixl.issues import Issue, IssueCode, warning
from kpixl.periods import Period
from kpixl.register.model import Indicator, Unit, as_shown

if TYPE_CHECKING:
    from kpixl.check.figures import Figure


@dataclass(frozen=True)
class Finding:
    """One plausibility warning, pinned to the period a reader should look at."""

    code: IssueCode
    period: Period  # the odd month itself; the last period of a run
    message: str

    def warning(self, ref: str, figure: Figure | None, what: str = "") -> Issue:
        """This finding as a warning at the figure's cell, for the indicator `ref` (`what`
        names the series when it is a rate's numerators or denominators)."""
        obs = figure.obs if figure else None  # made from its table row each time it is asked
        where = {"file": obs.file, "sheet": obs.sheet, "cell": obs.cell} if obs else {}
        name = f"{ref} {what}" if what else ref
        return warning(
            self.code, f"{name}: {self.message}", ref=ref, period=str(self.period), **where
        )


def format_value(value: float, ind: Indicator) -> str:
    """A value as the dashboard shows it: `86%`, `26,436`, `4.7%`."""
    return as_shown(value, ind.unit, ind.decimals)


def as_typed(value: float, ind: Indicator) -> str:
    """A value with every figure that was typed (to six places): `708.7`, `0.85%`, `-1,200`."""
    number = value * 100 if ind.unit is Unit.PERCENT else value
    text = f"{number:,.6f}".rstrip("0").rstrip(".")
    places = len(text.split(".")[1]) if "." in text else 0
    if places < ind.decimals:
        text = f"{number:,.{ind.decimals}f}"
    if text in ("-0", "-0.0"):
        text = text[1:]
    return text + ("%" if ind.unit is Unit.PERCENT else "")


def about(value: float, ind: Indicator) -> str:
    """A level rounded to two significant figures: `~7,100`, `~93%`, `~0.45`."""
    number = value * 100 if ind.unit is Unit.PERCENT else value
    places = 0
    if number:
        places = 1 - math.floor(math.log10(abs(number)))  # two significant figures
        number = round(number, places)
    return f"~{number:,.{max(0, min(places, 6))}f}" + ("%" if ind.unit is Unit.PERCENT else "")


def change(value: float, ind: Indicator) -> str:
    """A typical month-to-month change in words: `about 600`, `about 3 percentage points`."""
    if ind.unit is Unit.PERCENT:
        return f"about {about(value, ind)[1:-1]} percentage points"
    return f"about {about(value, ind)[1:]}"
