"""Cell values as people type them: numbers, `85%`, `1,234`, `n/a`, `-`."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

# No KPI figure is anywhere near this; beyond it sums lose every unit (and 1e308 overflows).
LARGEST = 1e15
NO_VALUE_WORDS = frozenset({"", "n/a", "na", "-", "–", "—", "n.a.", "n/a.", "nil return"})
# Excel's error values, as kpixl.read.workbook gives a cell holding one, and what each means
ERROR_VALUES = {
    "#DIV/0!": "the formula divides by zero",
    "#N/A": "the formula's lookup found nothing",
    "#VALUE!": "the formula uses text where it needs a number",
    "#REF!": "the formula refers to cells that were deleted",
    "#NAME?": "the formula uses a name Excel does not know",
    "#NUM!": "the formula's result is not a number Excel can hold",
    "#NULL!": "the formula's ranges do not meet",
    "#SPILL!": "the formula's results have no room to spill",
    "#CALC!": "the formula cannot be calculated",
    "#GETTING_DATA": "the formula was still fetching its data when the file was saved",
}
_NUMBER = re.compile(r"[£$]?\s*([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+)\s*(%?)")


@dataclass(frozen=True)
class Parsed:
    """A number read from a cell, or why there is none."""

    value: float | None
    problem: str = ""  # empty when the cell held a number or an accepted no-value mark
    was_text: bool = False  # the number was typed as text ("85%", "1,234")
    was_percent_sign: bool = False


def is_blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in NO_VALUE_WORDS)


_NOTHING = Parsed(None)  # immutable, so one serves every blank


def parse_number(raw: object) -> Parsed:
    """Read a number from a cell value; `85%` becomes 0.85; blanks and n/a become None."""
    if raw is None:
        return _NOTHING
    if isinstance(raw, bool):
        return Parsed(None, f"'{raw}' is TRUE/FALSE, not a number")
    if isinstance(raw, int | float):
        x = float(raw)
        if math.isnan(x) or math.isinf(x):
            return Parsed(None, "is not a finite number")
        if abs(x) > LARGEST:
            return Parsed(None, f"is {x:.3g}, too large to be a real figure")
        return Parsed(x)
    if isinstance(raw, dt.date | dt.datetime | dt.time | dt.timedelta):
        return Parsed(None, f"holds a date or time ({raw}), not a number")
    text = str(raw).strip()
    if text.lower() in NO_VALUE_WORDS:
        return _NOTHING
    m = _NUMBER.fullmatch(text)
    if not m:
        shown = text if len(text) <= 40 else text[:37] + "..."
        return Parsed(None, f"'{shown}' is text, not a number")
    x = float(m.group(1).replace(",", ""))
    if abs(x) > LARGEST:
        return Parsed(None, f"is {x:.3g}, too large to be a real figure")
    if m.group(2):
        return Parsed(x / 100, was_text=True, was_percent_sign=True)
    return Parsed(x, was_text=True)


def error_value(raw: object) -> str | None:
    """The Excel error value a cell holds (`#DIV/0!`), or None."""
    if isinstance(raw, str) and "#" in raw[:2]:
        text = raw.strip().upper()
        return text if text in ERROR_VALUES else None
    return None


def text_of(raw: object) -> str:
    """A cell value as plain text (headers, refs, commentary)."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def round_half_away(x: float, places: int) -> float:
    """Round as Excel displays: on the decimal value as written, halves away from zero."""
    if not math.isfinite(x):
        return x
    scaled = abs(x) * 10.0**places
    if not math.isfinite(scaled):
        return x  # 1e305 to five places: a float that large has no fraction to round
    whole = math.floor(scaled)
    if abs(scaled - whole - 0.5) > 1e-6 and scaled < 1e12:
        # far from a half: plain float rounding agrees with the decimal rule, and is fast
        return math.copysign(whole + (scaled - whole > 0.5), x) / 10.0**places + 0.0
    # repr gives the shortest decimal that reads back as x: 0.945, not 0.94499999999999995.
    d = Decimal(repr(x))
    with localcontext() as ctx:
        # Enough digits that quantize never fails on large values.
        ctx.prec = max(28, d.adjusted() + places + 3)
        rounded = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(rounded) + 0.0  # + 0.0 turns -0.0 into 0.0


def norm(header: object) -> str:
    """`Service Area`, `service_area` and ` SERVICE-AREA ` all become `service_area`."""
    return re.sub(r"[\s_\-]+", "_", text_of(header).lower()).strip("_")
