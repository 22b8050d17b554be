"""The words of a return's header row: which column holds the ref, a period, or a field."""

from __future__ import annotations

import functools
import re

from kpixl.periods import Period, header_problem, parse_header, parse_quarter
from kpixl.read.observations import Field
from kpixl.values import text_of

# Header words, normalised (lower case, punctuation and spaces squeezed) -> what the column holds.
COLUMN_WORDS: dict[str, str] = {
    "ref": "ref",
    "reference": "ref",
    "indicator ref": "ref",
    "kpi ref": "ref",
    "value": Field.VALUE,
    "numerator": Field.NUMERATOR,
    "denominator": Field.DENOMINATOR,
    "ytd": Field.YTD,
    "year to date": Field.YTD,
    "ytd value": Field.YTD,
    "prev year": Field.PREV_YEAR,
    "previous year": Field.PREV_YEAR,
    "previous year ytd": Field.PREV_YEAR,
    "prev yr ytd": Field.PREV_YEAR,
    "prev yr": Field.PREV_YEAR,
    "prev year ytd": Field.PREV_YEAR,
    "prev_year": Field.PREV_YEAR,
    "commentary": Field.COMMENTARY,
    "comments": Field.COMMENTARY,
    "comment": Field.COMMENTARY,
    "target": Field.TARGET,
    "floor": Field.FLOOR,
    "floor standard": Field.FLOOR,
    "period": "period",
}
SHEET_FIELDS = {"numerators": Field.NUMERATOR, "denominators": Field.DENOMINATOR}


def is_ref_word(value: object) -> bool:
    # cheap tests first: data rows are mostly numbers, refs and descriptions; every header word
    # for the ref holds "ref", and normalising only changes case and separators
    return (
        isinstance(value, str)
        and len(value) < 20
        and "ref" in value.lower()
        and COLUMN_WORDS.get(word(value)) == "ref"
    )


def word(value: object) -> str:
    return _text_word(value) if isinstance(value, str) else _plain_word(value)


@functools.lru_cache(maxsize=4096)  # header words repeat across hundreds of returns
def _text_word(value: str) -> str:
    return _plain_word(value)


def _plain_word(value: object) -> str:
    return re.sub(r"[\s._]+", " ", text_of(value).lower()).strip()


_Heading = tuple[Period | None, str | None, bool]


def header_period(value: object) -> _Heading:
    """The period a header cell names, or why one meant as a month is not (see
    kpixl.periods.header_problem), and whether it is a quarter's last month (`Q4 2024/25`,
    see kpixl.periods.parse_quarter); remembered for text (the same headers in every return)."""
    return _text_period(value) if isinstance(value, str) else _period(value)


@functools.lru_cache(maxsize=4096)
def _text_period(value: str) -> _Heading:
    return _period(value)


def _period(value: object) -> _Heading:
    period = parse_header(value)
    if period is not None:
        return period, None, False
    quarter = parse_quarter(value)
    if quarter is not None:
        return quarter, None, True
    return None, header_problem(value), False


# An indicator's ref as people write them: a letter first, a digit somewhere, one word (FN07,
# PI-01a, CS 7); a table goes on past a blank row as far as such refs go
_REF_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,9}[ ._/-]?\d[A-Za-z0-9._/-]{0,12}")


def is_ref_like(text: str) -> bool:
    return _REF_LIKE.fullmatch(text) is not None
