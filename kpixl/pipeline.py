"""The one call every front end makes: returns and register in, rated results and issues out."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from kpixl.errors import RegisterError, UsageError
from kpixl.issues import Issue, IssueCode, Report, Severity, capped, error
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

    Excel lock files (`~$x.xlsx`) and hidden files or folders are skipped, never read; so is
    anything in a folder named as a workbook that is not a regular file (a broken link, a FIFO:
    opening one could wait for ever), which `not_regular` tells.
    """
    found: list[Path] = []
    skipped: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        folder = path.is_dir()
        candidates = sorted(p for p in path.rglob("*") if not p.is_dir()) if folder else [path]
        for file in candidates:
            relative = file.relative_to(path).parts if folder else (file.name,)
            if any(part.startswith((".", "~$")) for part in relative):
                skipped.append(file)
            elif not folder or (file.suffix.lower() in SUFFIXES and file.is_file()):
                found.append(file)
            elif file.suffix.lower() in SUFFIXES:
                skipped.append(file)
    unique = list(dict.fromkeys(found))
    if not unique:
        raise UsageError(
            "no returns found: give .xlsx, .xlsm, .xls or .ods files, or folders holding them"
        )
    return unique, skipped


def not_regular(skipped: Iterable[Path]) -> list[ReturnFile]:
    """An issue for each file `find_returns` skipped that is named as a workbook but is not a
    regular file (a broken link, a FIFO, a device), as a return that could not be read."""
    told = []
    for path in skipped:
        if path.suffix.lower() not in SUFFIXES or path.is_file():
            continue
        if path.name.startswith((".", "~$")):
            continue
        what = (
            "a link to a file that does not exist"
            if path.is_symlink() and not path.exists()
            else "not a regular file (a FIFO, socket or device)"
        )
        message = f"not read: it is {what}; put the return itself in the folder"
        issue = error(IssueCode.FILE_UNREADABLE, message, file=str(path))
        told.append(ReturnFile(path, issues=[issue]))
    return told


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

    The period defaults to the latest month any return gives a figure for. Raises
    NothingToRate, whose `report` says what each file gave, when no return gives a figure
    for any indicator of the register.
    """
    return run_with_figures(returns, register, period)[0]


def run_with_figures(
    returns: Iterable[Path | str],
    register: Register | Path | str,
    period: Period | None = None,
) -> tuple[Results, Figures]:
    """`run`, and the validated figures with the cell each came from (`kpixl explain`)."""
    sources = [Path(r) for r in returns]
    if isinstance(register, Register):
        from kpixl.check.validate import validate

        files, _ = find_returns(sources)
        reg, read = register, read_returns(files, jobs=default_jobs())
        figures, issues = validate(register, read)
    else:
        reg, read, validator = _read_with_register(Path(register), sources)
        figures, issues = validator.figures, validator.issues
    results = _rated(reg, read, figures, issues, period)
    results.folders = [str(s) for s in sources if s.is_dir()]
    return results, figures


def _read_with_register(
    register: Path, sources: list[Path], limits: Limits = DEFAULT_LIMITS
) -> tuple[Register, list[ReturnFile], Validator]:
    """The register and the returns, read side by side in the reader processes: a large
    register takes as long as hundreds of returns, and is no more trusted than they are.
    The returns are validated in the parent as they come in (see _Stream)."""
    try:
        files, skipped = find_returns(sources)
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
    for odd in not_regular(skipped):  # told among the returns, never opened
        stream.validator.add(odd)
        stream.read.append(odd)
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
    issues = whole_file_issues(register, read, figures, issues)
    periods = figures.value_periods()
    if not periods:
        raise NothingToRate(Report(capped(_ordered(issues))), len(read))
    if period is None:  # the latest month, unless it stands far from the rest (a typo)
        from kpixl.check.period_choice import default_period

        period, strays = default_period(periods, read)
        issues = issues + strays
    from kpixl.rate.scoring import score  # after the readers have started: they do not need it

    data, commentary, more = score(register, figures, period)
    report = Report(capped(_ordered(issues + more)))  # every output sees the capped list
    return Results(register, period, data, report, commentary, [str(r.path) for r in read])


def whole_file_issues(
    register: Register, read: Sequence[ReturnFile], figures: Figures, issues: list[Issue]
) -> list[Issue]:
    """`validate`'s issues with what each file as a whole gave: `no-known-refs` for a file
    none of whose refs is the register's (instead of its `unknown-ref` lines) and, when no
    file gives a figure, `no-figures` for each sent back unfilled, or one for the run (no
    file) when none is to blame and nothing else is an error (every figure n/a, say)."""
    issues = _with_unknown_files(register, read, issues)
    if figures.value_periods():
        return issues
    said = issues + _blank_files(register, read)
    if not any(i.severity is Severity.ERROR for i in said):
        said.append(error(IssueCode.NO_FIGURES, _NO_FIGURE))
    return said


def _ordered(issues: list[Issue]) -> list[Issue]:
    """File order, then sheet and position, keeping the order found within a cell."""
    return sorted(issues, key=lambda i: (i.file == "", i.file, i.sheet))


_NO_FIGURE = (
    "no return gives a figure for any indicator of the register: check the files are this "
    "register's returns, with their figures filled in"
)


class NothingToRate(UsageError):
    """No return gave a figure for any indicator of the register: nothing can be rated or built.
    `report` holds what each file gave instead (`password-protected`, `no-table`,
    `no-known-refs`, `no-figures`…), for the commands to list as they list any report."""

    def __init__(self, report: Report, n_files: int) -> None:
        self.report, self.n_files = report, n_files
        super().__init__(_nothing_said(report, n_files))


def _nothing_said(report: Report, n_files: int) -> str:
    """One line for those who show only the error (the add-in, batch): each file's first error."""
    firsts: dict[str, str] = {}
    for issue in report.errors:
        firsts.setdefault(issue.file, f"{Path(issue.file).name}: {issue.message}")
    what = f"{n_files} return{'s' if n_files != 1 else ''}"
    said = f"no figure for any indicator of the register in the {what} given"
    shown = list(firsts.values())[:3]
    more = f"; and {len(firsts) - 3} more files with errors" if len(firsts) > 3 else ""
    return f"{said}: {'; '.join(shown)}{more}" if shown else said


def _with_unknown_files(
    register: Register, read: Sequence[ReturnFile], issues: list[Issue]
) -> list[Issue]:
    """A file whose refs are none of the register's gets one `no-known-refs` line saying what
    it holds, instead of an `unknown-ref` per ref: the whole file, not a ref, is the question."""
    said: dict[str, Issue] = {}
    for return_file in read:
        name, refs = _refs_if_none_known(register, return_file)
        if refs:
            message = _no_known_refs(refs, register)
            said[name] = error(IssueCode.NO_KNOWN_REFS, message, file=name)
    if not said:
        return issues
    kept = [i for i in issues if i.code is not IssueCode.UNKNOWN_REF or i.file not in said]
    return kept + list(said.values())


def _refs_if_none_known(register: Register, return_file: ReturnFile) -> tuple[str, list[str]]:
    """The file's name in its issues, and its refs in the order found when none is the
    register's (else none: a return's first ref is nearly always known, so this is quick)."""

    def rows() -> Iterator[tuple[str, str]]:
        for block in return_file.blocks:
            yield from ((block.file, row.ref) for row in block.rows)
        yield from ((o.file, o.ref) for o in return_file.loose)

    first = next(rows(), None)
    if first is None or any(register.find(ref) is not None for _, ref in rows()):
        return "", []
    refs = dict.fromkeys(ref.strip() for _, ref in rows() if ref.strip())
    return first[0], list(refs)


def _no_known_refs(refs: list[str], register: Register) -> str:
    name = register.path.name
    if len(refs) == 1:
        found = f"its one ref, {refs[0]}, is not in the register {name}"
    else:
        examples = ", ".join(refs[:3])
        such = f"such as {examples}" if len(refs) > 3 else f"({examples})"
        found = f"{len(refs)} refs {such}, none in the register {name}"
    return f"{found}: is this the right register for this file? If so, correct the refs"


def _blank_files(register: Register, read: Sequence[ReturnFile]) -> list[Issue]:
    """When nothing can be rated: each file that holds refs of the register but not one figure
    for them (a return sent back unfilled) gets a `no-figures` line naming some of them."""
    issues: list[Issue] = []
    for return_file in read:
        known = {
            row.ref.strip(): block.file
            for block in return_file.blocks
            for row in block.rows
            if register.find(row.ref) is not None
        }
        given = any(
            register.find(row.ref) is not None
            and (row.missing or any(c is not None for c in row.cells))
            for block in return_file.blocks
            for row in block.rows
        ) or any(register.find(o.ref) is not None for o in return_file.loose)
        if known and not given:
            refs = list(known)
            examples = ", ".join(refs[:3]) + (", …" if len(refs) > 3 else "")
            message = (
                f"holds {len(refs)} indicator{'s' if len(refs) != 1 else ''} of the register "
                f"({examples}) but no figure for any of them: fill in the figures and send it again"
            )
            issues.append(error(IssueCode.NO_FIGURES, message, file=next(iter(known.values()))))
    return issues
