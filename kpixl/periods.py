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
# The years a period read from a return or typed on the command line may have: every output
# can hold them (a zip, and so an xlsx, records dates from 1980 to 2107; a dashboard is stamped
# with the month after its period), with room to look back and forward from any of them.
FIRST_YEAR, LAST_YEAR = 1980, 2099


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
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"{text.strip()}: the month must be from 01 to 12")
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(
                f"{text.strip()}: the year must be between {FIRST_YEAR} and {LAST_YEAR}"
            )
        return cls(year, month)


def this_month() -> Period:
    """The month of the run's date: no return can give a figure for a month after it."""
    today = dt.date.today()
    return Period(today.year, today.month)


def months_between(a: Period, b: Period) -> int:
    return (b.year - a.year) * 12 + (b.month - a.month)


_WORD_YEAR = re.compile(r"([a-z]+)\.?[\s\-/']*(\d{4}|\d{2})")
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})(?:[-/](\d{1,2}))?(?:[ t].*)?")
_NUMERIC_MY = re.compile(r"(\d{1,2})[-/](\d{4})")
_NUMERIC_DMY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_FY = re.compile(r"(\d{4})[-/](\d{2})")  # `2024/25`: a financial year, not a month
# What people put in a heading besides the month: other dashes and spaces, and notes after it
# (`Mar-25 (provisional)`, `Mar-25 [p]`, `Mar-25*`).
_SAME = str.maketrans(
    dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-")
    | dict.fromkeys("\u00a0\u2007\u202f\u2009", " ")
)
_NOTE = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\]|[*\u2020\u2021]+)$")
_MONTHISH = re.compile(r"([a-z]{3,})\.?[\s\-/']*\d")  # a word then digits
_NUMERIC = re.compile(r"\d{1,4}(?:[-/.]\d{1,4}){2}|\d{1,2}[-/.]\d{4}|\d{4}[-/.]\d{1,2}")
_QUARTER = re.compile(r"q[1-4]\b.*|.*\bq[1-4]")
# `Q4 2024/25`, `Q4 24/25`, `2024/25 Q4`: a quarter of a financial year
_FY_QUARTER = re.compile(
    r"q([1-4])[\s\-/]*(\d{4}|\d{2})[-/](\d{2})|(\d{4}|\d{2})[-/](\d{2})[\s\-/]*q([1-4])"
)
# Excel's day numbers of 1 Jan 1980 and 31 Dec 2099: a heading holding one is a date whose
# date format was lost
_SERIALS = (29221, 73050)


_A_QUARTER = (
    "a quarter, but not of a financial year: write it as Q4 2024/25, or head the column with "
    "the quarter's last month"
)


def parse_header(value: object) -> Period | None:
    """The period a column header names, or None when it names none.

    Accepts `Dec-24`, `Dec 2024`, `December 2024`, `Sept-24`, `2024-12`, `2024-12-01`, `12/2024`,
    `31/03/2025` (day first, or month first when the day says so; `01/03/2025` could be either
    and is refused) and real dates (datetime/date cells, as calamine gives them); any dash,
    notes after the month (`Mar-25 (provisional)`, `Mar-25*`), and a month name misspelt by one
    letter when no other month is that close (`Febuary 2025`, `Setpember 2024`). The year must
    be from FIRST_YEAR to LAST_YEAR.
    """
    return _parsed(value)[0]


def parse_quarter(value: object) -> Period | None:
    """The last month of the financial-year quarter a header names (`Q4 2024/25`), for a year
    starting in April (kpixl.check.validate moves it for another start), or None."""
    if not isinstance(value, str):
        return None
    m = _FY_QUARTER.fullmatch(_cleaned(value))
    if m is None:
        return None
    quarter, first, second = (m[1], m[2], m[3]) if m[1] else (m[6], m[4], m[5])
    year = int(first) + (2000 if len(first) == 2 else 0)
    if (year + 1) % 100 != int(second) or not FIRST_YEAR <= year < LAST_YEAR:
        return None
    return Period(year, 4).shift(3 * int(quarter) - 1)


def quarter_label(end: Period, start_month: int = 4) -> str:
    """`Q4 2024/25`: the quarter of the financial year that `end` closes."""
    first = end.fy_start(start_month)
    return f"Q{months_between(first, end) // 3 + 1} {end.fy_label(start_month)}"


def header_problem(value: object) -> str | None:
    """Why a header that looks meant as a month (`13/2025`, `Q4 2024/25`, `1925-03`, a date
    that lost its format) is not one; None for one that is, or that is not meant as one."""
    return _parsed(value)[1]


def _parsed(value: object) -> tuple[Period | None, str | None]:
    if isinstance(value, dt.datetime | dt.date):
        return _within(value.year, value.month)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIALS[0] <= value <= _SERIALS[1]:
            return None, "a date stored as a plain number: format the cell as a date (mmm-yy)"
        return None, None
    if not isinstance(value, str):
        return None, None
    text = _cleaned(value)
    if not text:
        return None, None
    if _QUARTER.fullmatch(text) and any(c.isdigit() for c in text):
        return None, _A_QUARTER
    if m := _WORD_YEAR.fullmatch(text):
        month = _month_word(m.group(1))
        if month is None:
            if _monthish(m.group(1)):
                return None, f"'{m.group(1)}' is not clearly a month"
            return None, None
        year = int(m.group(2))
        return _within(year + 2000 if year < 100 else year, month)
    if (m := _FY.fullmatch(text)) and (int(m.group(1)) + 1) % 100 == int(m.group(2)):
        return None, None  # a financial year (`2024/25`), not a month
    if m := _ISO.fullmatch(text):
        return _within(int(m.group(1)), int(m.group(2)))
    if m := _NUMERIC_MY.fullmatch(text):
        return _within(int(m.group(2)), int(m.group(1)))
    if m := _NUMERIC_DMY.fullmatch(text):
        return _day_month_year(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None, _not_a_month(text)


def _not_a_month(text: str) -> str | None:
    """Why a header that did not parse looks meant as a month, else None."""
    if text.isdigit():
        return None  # a number: not meant as a month
    if _NUMERIC.fullmatch(text):
        return "not a date kpixl can read"
    if (m := _MONTHISH.match(text)) and _monthish(m.group(1)):
        return "not a date kpixl can read"
    return None


def _monthish(word: str) -> bool:
    """A word meant as a month: it starts as one does, or is one letter from one."""
    return word[:3] in _MONTH_WORDS or any(_one_edit(word, name) for name in _MONTH_WORDS)


def _cleaned(value: str) -> str:
    text = value.translate(_SAME).strip().lower()
    for _ in range(3):  # `Mar-25 (p) *`
        text = _NOTE.sub("", text)
    return text.strip()


def _within(year: int, month: int) -> tuple[Period | None, str | None]:
    if not 1 <= month <= 12:
        return None, f"there is no month {month}"
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None, f"the year {year} is not between {FIRST_YEAR} and {LAST_YEAR}"
    return Period(year, month), None


def _day_month_year(first: int, second: int, year: int) -> tuple[Period | None, str | None]:
    """`31/03/2025` as a month: day first (as in the UK) unless the day says otherwise."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return _within(year, 1)
    if first > 12 or first == second:
        return _within(year, second)
    if second > 12:
        return _within(year, first)
    one, other = Period(year, second).long_label, Period(year, first).long_label
    return None, f"it could be {first} {one} or {second} {other}"


def _month_word(word: str) -> int | None:
    """The month a word names: exactly, or misspelt by one letter (left out, added, changed or
    two swapped) when exactly one month's name is that close."""
    month = _MONTH_WORDS.get(word)
    if month is not None or len(word) < 4:
        return month
    close = {n for name, n in _MONTH_WORDS.items() if len(name) > 3 and _one_edit(word, name)}
    return close.pop() if len(close) == 1 else None


def _one_edit(a: str, b: str) -> bool:
    """True when `a` becomes `b` by one letter left out, added, changed, or two swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = a[i + 1 : i + 2] + a[i : i + 1] + a[i + 2 :] == b[i:]
        return a[i + 1 :] == b[i + 1 :] or swapped
    return a[i + 1 :] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1 :]
