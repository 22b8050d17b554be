"""Names Excel and file systems accept: sheet names and the dashboard's file name."""

from __future__ import annotations

import re

from kpixl.periods import Period

MAX_SHEET_NAME = 31
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
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


def sheet_name(name: str) -> str:
    """A readable sheet name of at most 31 characters without []:*?/\\ in it."""
    text = _SHEET_FORBIDDEN.sub("-", " ".join(name.split())).strip("'") or "Service area"
    for long, short in _SHORTER:
        if len(text) <= MAX_SHEET_NAME:
            break
        text = text.replace(long, short)
    return text[:MAX_SHEET_NAME].rstrip(" '") or "Service area"


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
            candidate = base[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        taken.add(candidate.lower())
        result.append(candidate)
    return result


def dashboard_filename(dashboard: str, period: Period) -> str:
    """`CED-DCED_2025-03.xlsx`: the dashboard name made safe for any file system."""
    safe = _FILE_UNSAFE.sub("_", dashboard.replace("'", "")).strip("._-")[:80]
    return f"{safe or 'dashboard'}_{period}.xlsx"
