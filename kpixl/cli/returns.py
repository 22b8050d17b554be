"""`kpixl validate` and `kpixl build`: returns and the register in, the issues and the dashboards out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpixl.cli.history import Recording, store_options
from kpixl.cli.options import (
    EXIT_ISSUES,
    EXIT_OK,
    console,
    parse_period,
    period_opt,
    register_opt,
    returns_arg,
    say,
)
from kpixl.issues import Report
from kpixl.terminal import printable

if (
    TYPE_CHECKING
):  # the pipeline is imported when a command runs: --help and --version start quicker
    from kpixl.pipeline import NothingToRate


@click.command()
@returns_arg
@register_opt
@period_opt
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def validate(returns: tuple[Path, ...], register: Path, period: str | None, as_json: bool) -> int:
    """Check RETURNS (files or folders) against the register and explain every problem.

    Exit status: 0 no errors, 1 errors found (or no figure of the register in any return),
    2 the register or the arguments cannot be used.
    """
    from kpixl.pipeline import NothingToRate, run

    try:
        results = run(returns, register, parse_period(period))
    except NothingToRate as exc:
        return nothing_to_rate(exc, as_json)
    if as_json:
        click.echo(results.report.json_text())
    else:
        _print_report(results.report, len(results.files))
    return EXIT_OK if results.report.valid else EXIT_ISSUES


@click.command()
@returns_arg
@register_opt
@period_opt
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Dashboard file (.xlsx), or a folder for several dashboards.")  # fmt: skip
@click.option("--results", "results_csv", type=click.Path(path_type=Path), default=None,
              help="Also write the Data table as CSV.")  # fmt: skip
@click.option("--pdf", is_flag=True,
              help="Also write each dashboard as an accessible PDF beside it (needs Chromium; "
                   "see --pdf-engine).")  # fmt: skip
@click.option("--pdf-engine", type=click.Choice(["chromium", "libreoffice"]), default="chromium",
              show_default=True,
              help="chromium: the web page printed, tagged for screen readers; libreoffice: the "
                   "workbook printed as Excel would, untagged.")  # fmt: skip
@click.option("--html", "html", type=click.Path(path_type=Path), default=None, metavar="PATH",
              help="Also write each dashboard as an accessible web page: PATH.html for one "
                   "dashboard, or a folder.")  # fmt: skip
@click.option("--html-templates", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=None, metavar="DIR",
              help="Take the web page's templates from DIR where it has them (copies of "
                   "kpixl/dashboard/web/).")  # fmt: skip
@click.option("--template", type=click.Path(path_type=Path), default=None, metavar="FILE",
              help="Take the styles from FILE, a restyled copy of "
                   "workbook_templates/dashboard.xlsx.")  # fmt: skip
@store_options
def build(
    returns: tuple[Path, ...], register: Path, period: str | None, output: Path | None,
    results_csv: Path | None, pdf: bool, pdf_engine: str, html: Path | None,
    html_templates: Path | None, template: Path | None, store: str | None, no_store: bool,
) -> int:  # fmt: skip
    """Build the dashboard workbook from RETURNS (files or folders).

    Exit status: 0 built with no errors, 1 validation errors (built, or nothing to build when
    no return gives a figure), 2 nothing built (bad register or arguments). The run is
    recorded in the history store (--no-store: not); when the store cannot take it, one line
    says so, the dashboard is still written and the exit status is 1.
    """
    from kpixl.dashboard import output as out  # openpyxl: only when building
    from kpixl.pipeline import NothingToRate, run_with_figures

    out.check_named_outputs(out.build_inputs(returns, register, template), output, results_csv, pdf)
    recording = Recording("build", store, no_store)
    try:
        results, figures = run_with_figures(returns, register, parse_period(period))
    except NothingToRate as exc:
        return nothing_to_rate(exc, as_json=False, done="nothing written")
    recording.rated(results, figures)
    written = out.write_dashboards(
        results, output, template, pdf, results_csv, pdf_engine=pdf_engine, html=html,
        html_templates=html_templates,
    )  # fmt: skip
    _print_report(results.report, len(results.files), brief=True)
    for path in written:
        say(f"wrote {printable(path, one_line=True)}")
    recorded = recording.record()  # after the dashboards: a store problem never costs one
    return EXIT_OK if results.report.valid and recorded else EXIT_ISSUES


def nothing_to_rate(exc: NothingToRate, as_json: bool, done: str = "nothing rated") -> int:
    """When no return gives a figure of the register: what each file gave, as any report is
    shown (JSON too), then why nothing came of it; exit status 1 (the returns are at fault)."""
    if as_json:
        click.echo(exc.report.json_text())
    else:
        _print_report(exc.report, exc.n_files)
        say(f"{done}: no return gives a figure for any indicator of the register")
    return EXIT_ISSUES


def _print_report(report: Report, n_files: int, brief: bool = False) -> None:
    out = console()
    counts = report.counts()
    shown = report.errors if brief else report.sorted()
    if shown and sys.stdout.isatty():
        from rich.table import Table
        from rich.text import Text

        table = Table("Severity", "Code", "Where", "Message", show_lines=False)
        for issue in shown:
            style = "red" if issue.severity.value == "error" else "yellow"
            cells = (issue.severity.value, issue.code.value, issue.where(), issue.message)
            table.add_row(*(Text(printable(c)) for c in cells), style=style)
        out.print(table)
    elif shown:  # a log or a pipe: the lines as they are, in one write (rich's per line is slow)
        say("\n".join(issue.line() for issue in shown))
    files = f"{n_files} return{'s' if n_files != 1 else ''}"
    out.print(
        f"{files} checked: {counts['error']} error(s), {counts['warning']} warning(s)"
        + (" (run `kpixl validate` for the warnings)" if brief and counts["warning"] else ""),
        markup=False,
    )
