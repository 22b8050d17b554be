"""The one call every front end makes: returns and register in, rated results and issues out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from kpixl.errors import RegisterError, UsageError
from kpixl.issues import Issue, IssueCode, Report, error
from kpixl.periods import Period
from kpixl.read.isolation import Budget, Failure, run_isolated
from kpixl.read.returns import ReturnFile, read_return
from kpixl.read.workbook import DEFAULT_LIMITS, SUFFIXES, Limits
from kpixl.register.load import load_register
from kpixl.register.model import Register
from kpixl.results import Results

if TYPE_CHECKING:  # imported once the readers have started: they do not need it
    from kpixl.check.validate import Figures, Validator


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


def read_returns(
    files: Sequence[Path], jobs: int = 1, limits: Limits = DEFAULT_LIMITS
) -> list[ReturnFile]:
    """Read each return on its own: one unreadable file costs only that file.

    Each is read in a worker process (`jobs` of them) with the memory and time limits of
    `limits`, so a reader that crashes, hangs or exhausts memory costs that file, reported as
    `file-unreadable`, never the batch. Results come back in the order of `files`.
    """
    budget = Budget(limits.memory_mb, limits.timeout_s)
    tasks = [(Path(f), None, limits) for f in files]
    outcomes = run_isolated(read_return, tasks, jobs, budget)
    return [
        _unreadable(Path(f), o) if isinstance(o, Failure) else o
        for f, o in zip(files, outcomes, strict=True)
    ]


def default_jobs() -> int:
    """Reader processes for a run: two where there are two cores (reading is most of the work
    and results come back cheaply); more rarely pay, as the parent validates them one by one."""
    return min(2, os.cpu_count() or 1)


def _unreadable(path: Path, failure: Failure) -> ReturnFile:
    message = f"cannot read this file: {failure.reason}"
    if failure.kind == "error":
        message += "; this is a fault in kpixl, please report it with the file"
    result = ReturnFile(path, issues=[error(IssueCode.FILE_UNREADABLE, message, file=str(path))])
    result.seconds = failure.seconds
    return result


def run(
    returns: Iterable[Path | str],
    register: Register | Path | str,
    period: Period | None = None,
) -> Results:
    """Validate and rate every return against the register for the reporting period.

    The period defaults to the latest month any return gives a figure for.
    """
    sources = [Path(r) for r in returns]
    if isinstance(register, Register):
        files, _ = find_returns(sources)
        read = read_returns(files, jobs=default_jobs())
        results = rate(register, read, period)
    else:
        reg, read, validator = _read_with_register(Path(register), sources)
        results = _rated(reg, read, validator.figures, validator.issues, period)
    results.folders = [str(s) for s in sources if s.is_dir()]
    return results


def _read_with_register(
    register: Path, sources: list[Path], limits: Limits = DEFAULT_LIMITS
) -> tuple[Register, list[ReturnFile], Validator]:
    """The register and the returns, read side by side in the reader processes: a large
    register takes as long as hundreds of returns, and is no more trusted than they are.
    The returns are validated in the parent as they come in (see _Stream)."""
    try:
        files, _ = find_returns(sources)
        # the register kept in the folder of returns is not a return
        files = [f for f in files if f.resolve() != register.resolve()]
        if not files:
            raise UsageError("the only workbook found is the register: give the returns too")
    except UsageError:
        load_register(register)  # a bad register is reported first, whatever else is wrong
        raise
    stream = _Stream(files)
    reg, _ = read_with_register(register, files, default_jobs(), limits, stream.arrived)
    stream.validate(len(files))
    assert stream.validator is not None and len(stream.read) == len(files)
    return reg, stream.read, stream.validator


def read_with_register(
    register: Path,
    files: Sequence[Path],
    jobs: int,
    limits: Limits = DEFAULT_LIMITS,
    on_result: Callable[[int, ReturnFile | Register | RegisterError | Failure], None] | None = None,
) -> tuple[Register, list[ReturnFile]]:
    """The register (task 0) and the returns, read side by side in `jobs` reader processes:
    a large register takes as long as hundreds of returns, and is no more trusted than they
    are. Raises RegisterError for an unusable register; an unreadable return is an issue."""
    tasks = [(register, None, limits, True)] + [(f, None, limits, False) for f in files]
    budget = Budget(limits.memory_mb, limits.timeout_s)
    first, *outcomes = run_isolated(_read_file, tasks, jobs, budget, on_result)
    if isinstance(first, Failure):
        raise RegisterError(f"register {register.name}: cannot read this file: {first.reason}")
    if isinstance(first, RegisterError):
        raise first
    assert isinstance(first, Register)
    read = [
        _unreadable(Path(f), o) if isinstance(o, Failure) else o
        for f, o in zip(files, outcomes, strict=True)
    ]
    assert all(isinstance(r, ReturnFile) for r in read)
    return first, cast(list[ReturnFile], read)


# Returns validated each time a reader sends one back: more than one, so a backlog (the returns
# read while the register was loading) is worked off, but few, so no reader waits for its next.
_PER_RESULT = 4


class _Stream:
    """The returns as they come back from the readers, validated in file order meanwhile
    (the parent would otherwise wait idle for the readers, then validate everything)."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.outcomes: dict[int, ReturnFile] = {}
        self.read: list[ReturnFile] = []
        self.validator: Validator | None = None

    def arrived(self, index: int, outcome: ReturnFile | Register | RegisterError | Failure) -> None:
        if index == 0:
            if isinstance(outcome, Register):
                from kpixl.check.validate import Validator

                self.validator = Validator(outcome)
            return
        if isinstance(outcome, Failure):
            outcome = _unreadable(self.files[index - 1], outcome)
        assert isinstance(outcome, ReturnFile)
        self.outcomes[index - 1] = outcome
        self.validate(_PER_RESULT)

    def validate(self, most: int) -> None:
        """Validate up to `most` more returns, in file order, of those already read (a few at a
        time while reading, so the readers are never kept waiting for their next file)."""
        while self.validator is not None and most > 0 and len(self.read) in self.outcomes:
            return_file = self.outcomes.pop(len(self.read))
            self.validator.add(return_file)
            self.read.append(return_file)
            most -= 1


def _read_file(
    path: Path, display_name: str | None, limits: Limits, is_register: bool
) -> ReturnFile | Register | RegisterError:
    """In a reader process: a return, or the register (or why it cannot be used)."""
    if not is_register:
        return read_return(path, display_name, limits)
    try:
        return load_register(path)
    except RegisterError as exc:
        return exc


def rate(register: Register, read: Sequence[ReturnFile], period: Period | None = None) -> Results:
    """Validate and rate returns already read, together (a figure may conflict across files)."""
    from kpixl.check.validate import validate

    figures, issues = validate(register, read)
    return _rated(register, read, figures, issues, period)


def _rated(
    register: Register,
    read: Sequence[ReturnFile],
    figures: Figures,
    issues: list[Issue],
    period: Period | None,
) -> Results:
    """Rate the figures `validate` kept for the reporting period (by default the latest)."""
    if period is None:
        periods = figures.value_periods()
        if not periods:
            raise UsageError(
                "no figures for any indicator of the register were found in the returns: "
                "check the files and the register's refs"
            )
        period = max(periods)
    from kpixl.rate.scoring import score  # after the readers have started: they do not need it

    data, commentary, more = score(register, figures, period)
    report = Report(_ordered(issues + more))
    return Results(register, period, data, report, commentary, [str(r.path) for r in read])


def _ordered(issues: list[Issue]) -> list[Issue]:
    """File order, then sheet and position, keeping the order found within a cell."""
    return sorted(issues, key=lambda i: (i.file == "", i.file, i.sheet))
