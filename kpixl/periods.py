"""Reporting periods (calendar months), financial years and period headers as written."""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_FULL = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_WORDS = (
    {m.lower(): i + 1 for i, m in enumerate(MONTHS)}
    | {f: i + 1 for i, f in enumerate(_FULL)}
    | {"sept": 9}
)


class _YearMonth(NamedTuple):
    year: int
    month: int


class Period(_YearMonth):
    """A calendar month; canonical text `YYYY-MM`, shown to readers as `Mar-25`.

    A (year, month) tuple: every figure is filed under one, and a tuple hashes, compares and
    orders in C, several times faster than a dataclass (same hash, same order)."""

    __slots__ = ()

    def __new__(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12 or not 1900 <= year <= 2999:
            raise ValueError(f"not a month: {year}-{month}")
        return super().__new__(cls, year, month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """`Mar-25`, as the dashboard heads its columns."""
        return f"{MONTHS[self.month - 1]}-{self.year % 100:02d}"

    @property
    def long_label(self) -> str:
        """`March 2025`."""
        return f"{_FULL[self.month - 1].capitalize()} {self.year}"

    def shift(self, months: int) -> Period:
        n = self.year * 12 + self.month - 1 + months
        return Period(n // 12, n % 12 + 1)

    def fy_start(self, start_month: int = 4) -> Period:
        """First month of the financial year this period falls in."""
        year = self.year if self.month >= start_month else self.year - 1
        return Period(year, start_month)

    def fy_label(self, start_month: int = 4) -> str:
        """`2024/25` (or `2024` when the year runs January–December)."""
        start = self.fy_start(start_month)
        if start_month == 1:
            return str(start.year)
        return f"{start.year}/{(start.year + 1) % 100:02d}"

    def fy_months(self, start_month: int = 4) -> list[Period]:
        """The months of this period's FY up to and including this period."""
        start = self.fy_start(start_month)
        return [start.shift(i) for i in range(months_between(start, self) + 1)]

    def is_quarter_end(self, start_month: int = 4) -> bool:
        """Quarter ends fall every third month of the FY (Jun, Sep, Dec, Mar for April starts)."""
        return (self.month - start_month) % 3 == 2

    @classmethod
    def parse(cls, text: str) -> Period:
        """Strict `YYYY-MM`, as typed on the command line."""
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text)
        if not m:
            raise ValueError(f"'{text}' is not a period: write it as YYYY-MM, e.g. 2025-03")
        return cls(int(m.group(1)), int(m.group(2)))


def months_between(a: Period, b: Period) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


_WORD_YEAR = re.compile(r"([a-z]+)\.?[\s\-/']*(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?:[ t].*)?")
_NUMERIC_MY = re.compile(r"(\d{1,2})[-/](\d{4})")


def parse_header(value: object) -> Period | None:
    """The period a column header names, or None when it names none.

    Accepts `Dec-24`, `Dec 2024`, `December 2024`, `Sept-24`, `2024-12`, `2024-12-01`, `12/2024`
    and real dates (datetime/date cells, as calamine gives them).
    """
    if isinstance(value, dt.datetime | dt.date):
        return Period(value.year, value.month)
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if not text:
        return None
    try:
        if m := _WORD_YEAR.fullmatch(text):
            month = _MONTH_WORDS.get(m.group(1))
            if month is None:
                return None
            year = int(m.group(2))
            return Period(year + 2000 if year < 100 else year, month)
        if m := _ISO.fullmatch(text):
            return Period(int(m.group(1)), int(m.group(2)))
        if m := _NUMERIC_MY.fullmatch(text):
            return Period(int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None
