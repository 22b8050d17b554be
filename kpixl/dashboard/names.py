"""Names Excel and file systems accept: sheet names and the dashboard's file name."""

from __future__ import annotations

import re

from kpixl.periods import Period

MAX_SHEET_NAME = 31  # Excel counts UTF-16 units: an emoji takes two
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f-\x9f]")
_FILE_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Shortenings tried in turn, only while a name is still too long for a sheet tab.
_SHORTER = (
    ("Development", "Devt"),
    ("Human Resources", "HR"),
    ("Human Resource", "HR"),
    ("Organisational", "Org"),
    ("Department", "Dept"),
    ("Management", "Mgmt"),
    ("Government", "Govt"),
    ("Services", "Svcs"),
    ("Information", "Info"),
    ("Technology", "Tech"),
    (" and ", " & "),
)
RESERVED_SHEETS = (
    "Guidance", "Summary", "Trends", "Commentary", "Validation", "Data", "Chart data", "History",
)  # fmt: skip


def units(text: str) -> int:
    """The length of `text` as Excel counts a sheet name's: in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """The longest start of `text` of at most `limit` UTF-16 units (never half an emoji)."""
    while units(text) > limit:
        text = text[:-1]
    return text


def sheet_name(name: str) -> str:
    """A readable sheet name of at most 31 UTF-16 units without []:*?/\\ in it."""
    text = _SHEET_FORBIDDEN.sub("-", " ".join(name.split())).strip("'") or "Service area"
    for long, short in _SHORTER:
        if units(text) <= MAX_SHEET_NAME:
            break
        text = text.replace(long, short)
    return cut(text, MAX_SHEET_NAME).rstrip(" '") or "Service area"


def unique_sheet_names(names: list[str]) -> list[str]:
    """Sheet names for service areas: shortened, and unique among themselves and the fixed
    sheets (Excel compares sheet names without regard to case)."""
    taken = {n.lower() for n in RESERVED_SHEETS}
    result: list[str] = []
    for name in names:
        base = sheet_name(name)
        candidate, n = base, 1
        while candidate.lower() in taken:
            n += 1
            suffix = f" ({n})"
            candidate = cut(base, MAX_SHEET_NAME - len(suffix)).rstrip() + suffix
        taken.add(candidate.lower())
        result.append(candidate)
    return result


def dashboard_filename(dashboard: str, period: Period) -> str:
    """`CED-DCED_2025-03.xlsx`: the dashboard name made safe for any file system."""
    safe = _FILE_UNSAFE.sub("_", dashboard.replace("'", "")).strip("._-")[:80]
    return f"{safe or 'dashboard'}_{period}.xlsx"
