"""Data problems as collected issues: a stable code, a severity, where it is and what to do."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypedDict, Unpack


class Severity(StrEnum):
    """How much an issue matters: an error keeps a figure out (or the run from being valid); a
    warning is a query worth a look."""

    ERROR = "error"
    WARNING = "warning"


class IssueCode(StrEnum):
    """Stable slugs; users and scripts match on these, so never rename one."""

    # register
    REGISTER_MISSING_SHEET = "register-missing-sheet"
    REGISTER_MISSING_COLUMN = "register-missing-column"
    REGISTER_BAD_VALUE = "register-bad-value"
    REGISTER_MISSING_VALUE = "register-missing-value"
    DUPLICATE_REF = "duplicate-ref"
    UNKNOWN_SERVICE_AREA = "unknown-service-area"
    POLARITY_CONFLICT = "polarity-conflict"
    # files and tables
    FILE_UNREADABLE = "file-unreadable"  # damaged, cut short, or the reader failed on it
    EMPTY_FILE = "empty-file"
    NOT_A_WORKBOOK = "not-a-workbook"
    PASSWORD_PROTECTED = "password-protected"
    FILE_TOO_LARGE = "file-too-large"
    SUSPICIOUS_ARCHIVE = "suspicious-archive"
    EMPTY_WORKBOOK = "empty-workbook"
    LEGACY_FORMAT = "legacy-format"
    MACROS_PRESENT = "macros-present"
    EXTERNAL_LINKS = "external-links"
    EMBEDDED_OBJECTS = "embedded-objects"
    NO_TABLE = "no-table"
    NO_KNOWN_REFS = "no-known-refs"  # a file read whose refs are none of the register's
    NO_FIGURES = "no-figures"  # nothing to rate: a file of the register's refs, every figure blank
    SHEET_TOO_LARGE = "sheet-too-large"
    FORMULA_NO_VALUE = "formula-no-value"
    BAD_PERIOD = "bad-period"
    MISSING_REF = "missing-ref"  # a row of a table gives figures but has no ref
    # values
    UNKNOWN_REF = "unknown-ref"
    NOT_NUMERIC = "not-numeric"
    ERROR_VALUE = "error-value"  # #DIV/0!, #N/A … in a figure's cell
    UNEXPECTED_PERCENT = "unexpected-percent"  # 12% for an indicator that is not a percentage
    NOT_WHOLE = "not-whole"  # 12.5 for a count
    NUMBER_AS_TEXT = "number-as-text"
    OUT_OF_RANGE = "out-of-range"
    CONFLICTING_VALUE = "conflicting-value"
    NOT_QUARTER_END = "not-quarter-end"
    MISSING_VALUE = "missing-value"
    PERCENT_POINTS = "percent-points"
    YTD_MISMATCH = "ytd-mismatch"
    YTD_FALLBACK = "ytd-fallback"
    RATIO_MISMATCH = "ratio-mismatch"  # a value that is not its numerator / denominator
    TARGET_MISMATCH = "target-mismatch"
    FLOOR_MISMATCH = "floor-mismatch"
    # plausibility
    DRAG_FILL = "drag-fill"
    FLAT_RUN = "flat-run"
    OUTLIER = "outlier"
    NEAR_ZERO = "near-zero"
    SCALE_SLIP = "scale-slip"
    SWAPPED_DIGITS = "swapped-digits"
    WRONG_SIGN = "wrong-sign"
    YTD_IN_MONTH = "ytd-in-month"
    # history
    REVISED = "revised"  # a figure differs from the one the history store holds for it


@dataclass(frozen=True)
class Issue:
    """One problem, located as precisely as it can be: file, sheet, A1 cell, ref and period."""

    severity: Severity
    code: IssueCode
    message: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    ref: str = ""
    period: str = ""
    # how many issues this line stands for: 1, or N for an "and N more like these" line
    count: int = 1

    def as_dict(self) -> dict[str, str]:
        # the fields read directly: dataclasses.asdict copies deeply, slow for thousands of lines
        return {k: str(getattr(self, k)) for k in FIELDS}

    def where(self) -> str:
        """`file, sheet 'X', cell C7` — the location as a reader would say it."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.cell:
            parts.append(f"cell {self.cell}")
        return ", ".join(parts)

    def line(self) -> str:
        """One line for the console."""
        where = self.where()
        return f"{self.severity.value}: {where + ': ' if where else ''}{self.message} [{self.code}]"


# Codes meaning the file was refused or could not be read at all: nothing in it was used.
UNREADABLE = frozenset(
    {
        IssueCode.FILE_UNREADABLE,
        IssueCode.EMPTY_FILE,
        IssueCode.NOT_A_WORKBOOK,
        IssueCode.PASSWORD_PROTECTED,
        IssueCode.FILE_TOO_LARGE,
        IssueCode.SUSPICIOUS_ARCHIVE,
    }
)

FIELDS = ("severity", "code", "file", "sheet", "cell", "ref", "period", "message")


class Where(TypedDict, total=False):
    """Where an issue is: the location fields of Issue."""

    file: str
    sheet: str
    cell: str
    ref: str
    period: str


def error(code: IssueCode, message: str, **where: Unpack[Where]) -> Issue:
    return Issue(Severity.ERROR, code, message, **where)


def warning(code: IssueCode, message: str, **where: Unpack[Where]) -> Issue:
    return Issue(Severity.WARNING, code, message, **where)


ISSUES_PER_FILE = 200  # listed one by one; beyond them, one line per code says how many more


def capped(issues: Iterable[Issue], most: int = ISSUES_PER_FILE) -> list[Issue]:
    """Each file's first `most` issues, in order, then one "and N more like these" line per code
    (and severity) for the rest, carrying their number, so every output stays readable and
    bounded (a sheet of 199,000 bad rows) while the counts stay whole. A code with only one
    issue left over keeps that issue itself. Files come in the order they are first met."""
    listed: dict[str, list[Issue]] = {}
    rest: dict[str, dict[tuple[IssueCode, Severity], list[Issue]]] = {}
    for issue in issues:
        shown = listed.setdefault(issue.file, [])
        if len(shown) < most:
            shown.append(issue)
        else:
            group = rest.setdefault(issue.file, {}).setdefault((issue.code, issue.severity), [])
            group.append(issue)
    kept: list[Issue] = []
    for file, shown in listed.items():
        kept.extend(shown)
        codes = {i.code for i in shown}
        for same in rest.get(file, {}).values():
            kept.append(_more_like_these(file, same, most, same[0].code in codes))
    return kept


def _more_like_these(file: str, same: list[Issue], most: int, like_listed: bool) -> Issue:
    """One line for the issues of one code left over (`like_listed`: some of that code are
    among those listed)."""
    if len(same) == 1:
        return same[0]
    first = same[0]
    n = sum(i.count for i in same)
    what = f"and {n:,} more like these" if like_listed else f"and {n:,} more issues of this kind"
    return Issue(
        first.severity,
        first.code,
        f"{what}, not listed: only a file's first {most} issues are listed one by one; "
        f"correct those and run again to see the rest (the first is: {first.message})",
        file=file,
        sheet=first.sheet if all(i.sheet == first.sheet for i in same) else "",
        count=n,
    )


def count_by_severity(issues: Iterable[Issue]) -> dict[str, int]:
    """Errors and warnings found, counting what each "and N more" line stands for."""
    c: Counter[str] = Counter()
    for i in issues:
        c[i.severity.value] += i.count
    return {"error": c["error"], "warning": c["warning"]}


@dataclass
class Report:
    """Every issue of a run, in the order found; valid when none is an error."""

    issues: list[Issue] = field(default_factory=list)

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        """Every issue found, those an "and N more like these" line stands for included."""
        return count_by_severity(self.issues)

    def codes(self) -> list[str]:
        return [i.code.value for i in self.issues]

    def flatten(self, keys: Iterable[str]) -> list[list[str]]:
        """Rows of the chosen fields, as a test or a table would show them."""
        keys = list(keys)
        return [[i.as_dict()[k] for k in keys] for i in self.issues]

    def sorted(self) -> list[Issue]:
        order = {Severity.ERROR: 0, Severity.WARNING: 1}
        # an "and N more like these" line after the issues it follows
        return sorted(
            self.issues,
            key=lambda i: (order[i.severity], i.file, i.count > 1, i.sheet, i.ref, i.period),
        )

    def as_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "issues": [i.as_dict() for i in self.issues]}

    def json_text(self) -> str:
        """`as_json` as text, one issue a line: as easy to read as indented JSON, and easier to
        search with grep; and made by json's fast encoder, where indenting takes its slow one
        (4,377 warnings: 0.045 s against 0.05-0.07 s)."""
        encode = json.JSONEncoder(ensure_ascii=False).encode
        issues = ",\n".join("    " + encode(i.as_dict()) for i in self.issues)
        inside = f"[\n{issues}\n  ]" if issues else "[]"
        return f'{{\n  "valid": {json.dumps(self.valid)},\n  "issues": {inside}\n}}'
