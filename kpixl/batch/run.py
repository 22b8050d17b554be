"""Folders in, dashboards and a run report out: every return read, rated and written in parallel.

The flow: find the returns under IN_DIR (lock files and hidden files skipped), fingerprint them,
stop early when the manifest in OUT_DIR says nothing changed, read them and the register (in
worker processes, through kpixl.pipeline.read_with_register), drop any file that changed while
it was read, validate and rate everything together, write one dashboard per dashboard group in
parallel, then the run report and the manifest. Nothing is ever written into IN_DIR, and every file is written atomically.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kpixl import __version__
from kpixl.batch.lock import folder_lock
from kpixl.batch.manifest import (
    MANIFEST_NAME,
    Fingerprint,
    Manifest,
    fingerprint,
    forget_manifest,
    load_manifest,
    save_manifest,
    sha256_of,
)
from kpixl.batch.report import (
    REPORT_JSON,
    REPORT_XLSX,
    DashboardEntry,
    RunReport,
    dashboard_entry,
    file_entries,
    write_report,
)
from kpixl.dashboard import write_view
from kpixl.dashboard.output import dashboard_targets, dashboards_with_data
from kpixl.dashboard.view import DashboardView
from kpixl.errors import OutputError, UsageError
from kpixl.issues import Issue, IssueCode, capped, error
from kpixl.outputs import Input, check_outputs, is_within
from kpixl.periods import Period
from kpixl.pipeline import find_returns, rate, read_with_register
from kpixl.read.returns import ReturnFile
from kpixl.read.workbook import SUFFIXES
from kpixl.register.model import Register
from kpixl.results import Commentary, DataRow, Results

CHANGED_WHILE_READ = (
    "the file changed while kpixl was reading it (it may still have been being saved or copied), "
    "so none of it was used: run the batch again once the file is complete"
)


class Listener(Protocol):
    """Told what the batch is doing, for a progress display."""

    def step(self, text: str, total: int | None = None) -> None: ...

    def advance(self) -> None: ...


class _Silent:
    def step(self, text: str, total: int | None = None) -> None:
        pass

    def advance(self) -> None:
        pass


@dataclass
class BatchOutcome:
    """What a batch run did. `up_to_date`: nothing changed since the last run, nothing written."""

    out_dir: Path
    valid: bool  # no validation errors (for an up-to-date run: none in the run that built it)
    up_to_date: bool = False
    dashboards: list[Path] = field(default_factory=list)
    up_to_date_count: int = 0
    report: RunReport | None = None
    report_files: list[Path] = field(default_factory=list)
    published: list[Path] = field(default_factory=list)  # web pages and PDFs


@dataclass(frozen=True)
class Publishing:
    """What a batch publishes beside each workbook: its accessible web page (`html`) and PDF
    (`pdf`, by `engine`: chromium, the tagged PDF, or libreoffice, the Excel look)."""

    html: bool = False
    pdf: bool = False
    engine: str = "chromium"

    def asked(self) -> list[str]:
        return [*(["html"] if self.html else []), *([f"pdf:{self.engine}"] if self.pdf else [])]

    def targets(self, workbooks: dict[str, Path], out_dir: Path) -> list[Path]:
        from kpixl.dashboard.publish import html_targets, pdf_targets

        pages = html_targets(workbooks, out_dir) if self.html else {}
        pdfs = pdf_targets(workbooks) if self.pdf else {}
        return [*pages.values(), *pdfs.values()]

    def write(
        self, results: Results, workbooks: dict[str, Path], out_dir: Path, say: Listener
    ) -> list[Path]:
        """The pages and PDFs, once every workbook is written (kept when a PDF fails)."""
        if not (self.html or self.pdf):
            return []
        from kpixl.dashboard.publish import publish

        say.step(f"Publishing {_plural(len(workbooks), 'dashboard')}", len(workbooks))
        slices = {name: dashboard_results(results, name) for name in workbooks}
        written: list[Path] = []
        for name, workbook in workbooks.items():
            html = out_dir if self.html else None
            written += publish(slices[name], {name: workbook}, pdf=self.pdf,
                               engine=self.engine, html=html)  # fmt: skip
            say.advance()
        return written


def default_jobs() -> int:
    """The cores this process may use."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def run_batch(
    in_dir: Path,
    register: Path,
    out_dir: Path,
    period: Period | None = None,
    jobs: int | None = None,
    force: bool = False,
    listener: Listener | None = None,
    wait: float = 0,
    on_rated: Callable[[Results], None] | None = None,
    publish_as: Publishing = Publishing(),
) -> BatchOutcome:
    """Build every dashboard of the register from the returns under `in_dir` into `out_dir`.

    One run at a time writes a folder: when another holds `out_dir`, this one waits up to
    `wait` seconds for it, then raises OutputError naming it (its host and process id).
    Raises UsageError when nothing can be built (the run report is still written when any
    return was read), RegisterError for an unusable register, OutputError when a file cannot
    be written. Validation problems are issues in the run report and the dashboards.
    `on_rated` is given the results once rated, before any dashboard is written (the history
    store takes the figures from them). `publish_as` adds each dashboard's web page and PDF.
    """
    started = time.perf_counter()
    say = listener or _Silent()
    jobs = max(1, jobs or default_jobs())
    in_dir, out_dir, register = Path(in_dir), Path(out_dir), Path(register)
    check_folders(in_dir, out_dir, register)
    with folder_lock(out_dir, wait, say.step):
        return _run_holding_the_folder(
            in_dir, register, out_dir, period, jobs, force, say, started, on_rated, publish_as
        )


def _run_holding_the_folder(
    in_dir: Path,
    register: Path,
    out_dir: Path,
    period: Period | None,
    jobs: int,
    force: bool,
    say: Listener,
    started: float,
    on_rated: Callable[[Results], None] | None = None,
    publish_as: Publishing = Publishing(),
) -> BatchOutcome:
    """run_batch, once no other run can write `out_dir`: the manifest is read and written, and
    the outputs checked against it, by this run alone."""
    files, skipped = discover(in_dir, register)
    relative = {p: _relative(p, in_dir) for p in [*files, *skipped]}
    say.step(f"Checking {_plural(len(files), 'return')} ({len(skipped)} skipped)", len(files))
    before = _fingerprints(files, say)
    manifest = _manifest(before, skipped, relative, register, period)
    manifest.published = publish_as.asked()
    previous = None if force else _up_to_date(manifest, out_dir)
    if previous is not None:
        return BatchOutcome(out_dir, previous.valid, True, up_to_date_count=previous.dashboards)
    say.step(f"Reading {_plural(len(files), 'return')}")
    reg, read = read_with_register(register, files, jobs)  # the register beside the returns
    read = _drop_changed(files, read, before, manifest, relative)
    report = RunReport(__version__, register.name, str(in_dir), "", [], [], [])
    forget_manifest(out_dir)  # from the first file written to the last, no manifest vouches
    say.step("Validating and rating")
    results, names = _rate(reg, read, period, report, skipped, relative, out_dir, started, on_rated)
    targets = dashboard_targets(names, results.period, out_dir)
    extras = publish_as.targets(targets, out_dir)
    check_outputs([*targets.values(), *extras], batch_inputs(in_dir, register))
    report.period, report.issues = str(results.period), results.report.issues
    report.files = file_entries(read, skipped, results.report.issues, reg, relative)
    del read  # every figure read: no longer needed while the dashboards are written
    say.step(f"Writing {_plural(len(targets), 'dashboard')}", len(targets))
    report.dashboards = write_all(results, targets, jobs, say)
    published = publish_as.write(results, targets, out_dir, say)
    say.step("Writing the run report")
    report.seconds = time.perf_counter() - started
    report_files = write_report(report, out_dir)
    manifest.valid, manifest.dashboards = results.report.valid, len(targets)
    written = [*targets.values(), *published, *report_files]
    manifest.outputs = {p.name: sha256_of(p) for p in written}
    save_manifest(manifest, out_dir)
    built = list(targets.values())
    return BatchOutcome(
        out_dir, results.report.valid, False, built, 0, report, report_files, published
    )


def _fingerprints(files: list[Path], say: Listener) -> dict[Path, Fingerprint | None]:
    """Each input's fingerprint before it is read (a file changed while read is reported)."""
    before = {}
    for f in files:
        before[f] = fingerprint(f)
        say.advance()
    return before


def _up_to_date(manifest: Manifest, out_dir: Path) -> Manifest | None:
    """The previous run's manifest when it had the same inputs and its outputs are intact."""
    previous = load_manifest(out_dir)
    if previous and manifest.same_inputs(previous) and previous.outputs_intact(out_dir):
        return previous
    return None


def _manifest(
    before: dict[Path, Fingerprint | None],
    skipped: dict[Path, str],
    relative: dict[Path, str],
    register: Path,
    period: Period | None,
) -> Manifest:
    """What this run reads, to compare with the manifest of the last run."""
    return Manifest(
        __version__,
        sha256_of(register),
        str(period) if period else "latest",
        {relative[f]: fp.sha256 if fp else "" for f, fp in before.items()},
        sorted(relative[p] for p in skipped),
    )


def _rate(
    reg: Register,
    read: list[ReturnFile],
    period: Period | None,
    report: RunReport,
    skipped: dict[Path, str],
    relative: dict[Path, str],
    out_dir: Path,
    started: float,
    on_rated: Callable[[Results], None] | None = None,
) -> tuple[Results, list[str]]:
    """The rated results and the dashboards with figures; when there is nothing to build, the
    run report (saying what each file gave) is written before the UsageError is raised.
    `on_rated` sees the results before anything reads their rows (see run_batch)."""
    try:
        results = rate(reg, read, period)
        if on_rated is not None:
            on_rated(results)
        names = dashboards_with_data(results)
        if not names:
            raise UsageError(f"no indicator has a figure for {results.period.long_label}")
    except UsageError as exc:
        issues = capped(i for rf in read for i in rf.issues)
        report.files = file_entries(read, skipped, issues, reg, relative)
        report.issues, report.seconds = issues, time.perf_counter() - started
        write_report(report, out_dir)
        raise UsageError(
            f"nothing built: {exc}; {out_dir / REPORT_XLSX} says what was found in each file"
        ) from None
    return results, names


def batch_inputs(in_dir: Path, register: Path) -> list[Input]:
    """What a batch reads: every file under IN_DIR, and the register."""
    return [Input(in_dir, "the folder of returns"), Input(register, "the register")]


def check_folders(in_dir: Path, out_dir: Path, register: Path | None = None) -> None:
    """IN_DIR must be a folder; OUT_DIR must not be IN_DIR or inside it (it is created); the
    run report and the manifest must not be an input (kpixl.outputs)."""
    if not in_dir.is_dir():
        raise UsageError(f"{in_dir}: no such folder (give the folder the returns are in)")
    if is_within(out_dir, in_dir):
        raise UsageError(
            f"the output folder {out_dir} is inside the input folder {in_dir}: kpixl never writes "
            "among the returns; choose an output folder outside it"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file: give -o a folder")
    if register is not None:
        fixed = [out_dir / REPORT_XLSX, out_dir / REPORT_JSON, out_dir / MANIFEST_NAME]
        check_outputs(fixed, batch_inputs(in_dir, register))
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {out_dir}: {exc.strerror}") from None


def discover(in_dir: Path, register: Path) -> tuple[list[Path], dict[Path, str]]:
    """The returns under `in_dir`, and the files skipped with the reason for each."""
    files, skipped = find_returns([in_dir])
    # Only skipped workbooks are worth a line in the report, not .DS_Store or a .git folder.
    reasons = {
        p: _skip_reason(p.relative_to(in_dir).parts) if p.is_file() else _NOT_REGULAR
        for p in skipped
        if p.suffix.lower() in SUFFIXES
    }
    register_path = register.resolve()
    for f in files:
        if f.resolve() == register_path:
            reasons[f] = "the indicator register: not read as a return"
    files = [f for f in files if f not in reasons]
    if not files:
        raise UsageError(f"no returns found in {in_dir}: only files that are not read")
    return files, reasons


_NOT_REGULAR = "a broken link or not a regular file (a FIFO, a device): not read"


def _skip_reason(parts: Sequence[str]) -> str:
    if any(p.startswith("~$") for p in parts):
        return "Excel lock file (the workbook was open in Excel): not a return, not read"
    return "hidden file or folder: not read"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _relative(path: Path, in_dir: Path) -> str:
    return path.relative_to(in_dir).as_posix()


def _drop_changed(
    files: Sequence[Path],
    read: Sequence[ReturnFile],
    before: dict[Path, Fingerprint | None],
    manifest: Manifest,
    relative: dict[Path, str],
) -> list[ReturnFile]:
    """Returns whose file is no longer what it was before reading are replaced by an error:
    a half-saved file is never half-used. Their manifest hash is blanked, so the next run
    reads them again."""
    kept: list[ReturnFile] = []
    for path, returned in zip(files, read, strict=True):
        was = before[path]
        if was is not None and fingerprint(path) != was:
            issue: Issue = error(IssueCode.FILE_UNREADABLE, CHANGED_WHILE_READ, file=str(path))
            returned = ReturnFile(path, issues=[issue], seconds=returned.seconds)
            manifest.inputs[relative[path]] = ""
        kept.append(returned)
    return kept


def dashboard_results(results: Results, dashboard: str) -> Results:
    """The part of `results` one dashboard shows: its service areas' rows and commentary (the
    issues stay whole: every dashboard's Validation sheet lists the run's issues)."""
    names = {a.name for a in results.dashboard_areas(dashboard)}
    data = results.rows_of(names)
    commentary = [c for c in results.commentary if c.service_area in names]
    return Results(
        results.register, results.period, data, results.report, commentary, results.files,
        earlier=results.earlier,
    )  # fmt: skip


def write_all(
    results: Results, targets: dict[str, Path], jobs: int, say: Listener
) -> list[DashboardEntry]:
    """Write each dashboard (atomically), `jobs` at a time, and count its ratings; the bytes do
    not depend on `jobs`. Entries come back in the order of `targets`."""
    slices = {name: dashboard_results(results, name) for name in targets}
    if jobs == 1 or len(targets) == 1:
        entries = []
        for name, target in targets.items():
            entries.append(_write(slices[name], name, target))
            say.advance()
        return entries
    shared = (results.register, results.report, results.period, results.files, results.earlier)
    # spawn, not fork: the same on every system, and safe beside the progress display's thread.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        min(jobs, len(targets)), mp_context=context, initializer=_init_writer, initargs=shared
    ) as pool:
        futures = {
            name: pool.submit(
                _write_one, name, slices[name].rows(), slices[name].commentary, target
            )
            for name, target in targets.items()
        }
        try:
            for future in as_completed(futures.values()):
                future.result()
                say.advance()
        except BrokenProcessPool:
            raise OutputError(
                "a process writing dashboards stopped unexpectedly (out of memory?): "
                "run again with fewer --jobs"
            ) from None
        except BaseException:
            for future in futures.values():
                future.cancel()
            raise
    return [futures[name].result() for name in targets]


def _write(results: Results, dashboard: str, target: Path) -> DashboardEntry:
    view = DashboardView(results, dashboard)
    write_view(view, target)
    return dashboard_entry(view, target.name)


_SHARED: dict[str, Any] = {}


def _init_writer(
    register: Register, report: Any, period: Period, files: list[str],
    earlier: dict[str, dict[Period, float]],
) -> None:  # fmt: skip
    """Each writer process receives what every dashboard shares once, not once per dashboard."""
    _SHARED.update(register=register, report=report, period=period, files=files, earlier=earlier)


def _write_one(
    dashboard: str, data: list[DataRow], commentary: list[Commentary], target: Path
) -> DashboardEntry:
    s = _SHARED
    results = Results(
        s["register"], s["period"], data, s["report"], commentary, s["files"],
        earlier=s["earlier"],
    )  # fmt: skip
    return _write(results, dashboard, target)
