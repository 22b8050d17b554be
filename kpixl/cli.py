"""The command line: parse, make one library call, render, and map errors to exit codes."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpixl.errors import KpixlError, RegisterError, UsageError, write_crash_log
from kpixl.issues import Report
from kpixl.periods import Period
from kpixl.pipeline import run

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_ISSUES, EXIT_FAILED = 0, 1, 2
LOG_FILE = Path(tempfile.gettempdir()) / "kpixl-error.log"

_returns_arg = click.argument("returns", nargs=-1, required=True, type=click.Path(path_type=Path))
_register_opt = click.option(
    "--register", "-r", required=True, type=click.Path(path_type=Path),
    help="The indicator register workbook (register.xlsx).",
)  # fmt: skip
_period_opt = click.option(
    "--period", "-p", metavar="YYYY-MM", default=None,
    help="Reporting period; defaults to the latest month found in the returns.",
)  # fmt: skip


def _period(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValueError as exc:
        raise UsageError(f"--period: {exc}") from None


def _console() -> Console:
    from rich.console import Console  # only to print: `validate --json` never needs it

    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kpixl")
def cli() -> None:
    """kpixl: monthly KPI returns in, a RAG-rated performance dashboard out."""


@cli.command()
@_returns_arg
@_register_opt
@_period_opt
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def validate(returns: tuple[Path, ...], register: Path, period: str | None, as_json: bool) -> int:
    """Check RETURNS (files or folders) against the register and explain every problem.

    Exit status: 0 no errors, 1 errors found, 2 nothing could be checked.
    """
    results = run(returns, register, _period(period))
    if as_json:
        click.echo(json.dumps(results.report.as_json(), indent=2, ensure_ascii=False))
    else:
        _print_report(results.report, len(results.files))
    return EXIT_OK if results.report.valid else EXIT_ISSUES


@cli.command()
@_returns_arg
@_register_opt
@_period_opt
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Dashboard file (.xlsx), or a folder for several dashboards.")  # fmt: skip
@click.option("--results", "results_csv", type=click.Path(path_type=Path), default=None,
              help="Also write the Data table as CSV.")  # fmt: skip
@click.option("--pdf", is_flag=True,
              help="Also write each dashboard as a PDF beside it (needs LibreOffice).")  # fmt: skip
@click.option("--template", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Take the styles from FILE, a restyled copy of "
                   "workbook_templates/dashboard.xlsx.")  # fmt: skip
def build(
    returns: tuple[Path, ...], register: Path, period: str | None, output: Path | None,
    results_csv: Path | None, pdf: bool, template: Path | None,
) -> int:  # fmt: skip
    """Build the dashboard workbook from RETURNS (files or folders).

    Exit status: 0 built with no errors, 1 built with validation errors, 2 nothing built.
    """
    from kpixl.output import write_csv, write_dashboards  # openpyxl: only when building

    results = run(returns, register, _period(period))
    written = write_dashboards(results, output, template=template, pdf=pdf)
    if results_csv is not None:
        write_csv(results, results_csv)
        written.append(results_csv)
    _print_report(results.report, len(results.files), brief=True)
    for path in written:
        click.echo(f"wrote {path}")
    return EXIT_OK if results.report.valid else EXIT_ISSUES


def _print_report(report: Report, n_files: int, brief: bool = False) -> None:
    console = _console()
    counts = report.counts()
    shown = report.errors if brief else report.sorted()
    if shown and sys.stdout.isatty():
        from rich.table import Table

        table = Table("Severity", "Code", "Where", "Message", show_lines=False)
        for issue in shown:
            style = "red" if issue.severity.value == "error" else "yellow"
            table.add_row(issue.severity.value, issue.code.value, issue.where(), issue.message,
                          style=style)  # fmt: skip
        console.print(table)
    else:
        for issue in shown:
            console.print(issue.line(), markup=False)
    files = f"{n_files} return{'s' if n_files != 1 else ''}"
    console.print(
        f"{files} checked: {counts['error']} error(s), {counts['warning']} warning(s)"
        + (" (run `kpixl validate` for the warnings)" if brief and counts["warning"] else ""),
        markup=False,
    )


# Commands defined in modules of their own are added here, one import and one add_command each.
from kpixl.cli_addin import addin  # noqa: E402

cli.add_command(addin)
from kpixl.cli_template import template  # noqa: E402

cli.add_command(template)
from kpixl.cli_email import email  # noqa: E402

cli.add_command(email)
from kpixl.cli_batch import batch  # noqa: E402

cli.add_command(batch)


def _fail(message: str) -> int:
    click.echo(message, err=True)
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: every failure becomes one line on stderr and an exit status, never a traceback."""
    _one_blas_thread()
    with _fewer_collections():
        return _main(argv)


def _one_blas_thread() -> None:
    """kpixl never multiplies matrices, yet importing numpy starts OpenBLAS's pool of threads,
    which spin a while: on two cores that took 0.1-0.3 s of CPU from the readers in each
    `kpixl validate` of the scale case. One thread, unless the user has chosen a number (it
    only counts before numpy's import, which the command line puts off until it is needed)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """A run builds hundreds of thousands of long-lived objects (figures, rows) and makes little
    cyclic garbage: collecting every 700 allocations would spend a tenth of the run re-walking
    them. Collect every 100,000 instead, as long as the command runs."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _main(argv: Sequence[str] | None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except RegisterError as exc:
        for issue in exc.issues:
            click.echo(issue.line(), err=True)
        return _fail(f"kpixl: {exc}")
    except KpixlError as exc:
        return _fail(f"kpixl: {exc}")
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        return _fail("kpixl: stopped")
    except click.ClickException as exc:
        exc.show()
        return EXIT_FAILED
    except Exception as exc:
        return _unexpected(exc)
    return result if isinstance(result, int) else EXIT_OK


def _unexpected(exc: Exception) -> int:
    where = write_crash_log(exc, LOG_FILE)
    logging.getLogger("kpixl").debug("unexpected failure", exc_info=exc)
    return _fail(f"kpixl: unexpected problem ({type(exc).__name__}: {exc}); {where}; "
                 "please report it")  # fmt: skip
