"""The one call every front end makes: returns and register in, rated results and issues out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from kpixl.errors import UsageError
from kpixl.issues import Issue, Report
from kpixl.periods import Period
from kpixl.register import Register, load_register
from kpixl.results import Results
from kpixl.returns import ReturnFile, read_return
from kpixl.scoring import score
from kpixl.validate import validate
from kpixl.workbook import SUFFIXES


def find_returns(paths: Iterable[Path | str]) -> tuple[list[Path], list[Path]]:
    """Workbooks named by `paths` (files, or folders searched recursively) and the files skipped.

    Excel lock files (`~$x.xlsx`) and hidden files or folders are skipped, never read.
    """
    found: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in candidates:
            relative = file.relative_to(path).parts if path.is_dir() else (file.name,)
            if any(part.startswith((".", "~$")) for part in relative):
                skipped.append(file)
            elif file.suffix.lower() in SUFFIXES or not path.is_dir():
                found.append(file)
    unique = list(dict.fromkeys(found))
    if not unique:
        raise UsageError(
            "no returns found: give .xlsx, .xlsm, .xls or .ods files, or folders holding them"
        )
    return unique, skipped


def read_returns(files: Sequence[Path], jobs: int = 1) -> list[ReturnFile]:
    """Read each return on its own: one unreadable file costs only that file.

    Results come back in the order of `files`, whatever `jobs` is.
    """
    return [read_return(f) for f in files]


def run(
    returns: Iterable[Path | str],
    register: Register | Path | str,
    period: Period | None = None,
) -> Results:
    """Validate and rate every return against the register for the reporting period.

    The period defaults to the latest month any return gives a figure for.
    """
    reg = register if isinstance(register, Register) else load_register(Path(register))
    files, _ = find_returns(returns)
    read = read_returns(files)
    figures, issues = validate(reg, read)
    if period is None:
        periods = figures.value_periods()
        if not periods:
            raise UsageError(
                "no figures for any indicator of the register were found in the returns: "
                "check the files and the register's refs"
            )
        period = max(periods)
    data, commentary, more = score(reg, figures, period)
    report = Report(_ordered(issues + more))
    return Results(reg, period, data, report, commentary, [str(f) for f in files])


def _ordered(issues: list[Issue]) -> list[Issue]:
    """File order, then sheet and position, keeping the order found within a cell."""
    return sorted(issues, key=lambda i: (i.file == "", i.file, i.sheet))
