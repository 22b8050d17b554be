"""`kpixl validate` and `kpixl build`: returns and the register in, the issues and the dashboards out."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from kpixl.cli.options import (
    EXIT_ISSUES,
    EXIT_OK,
    console,
    parse_period,
    period_opt,
    register_opt,
    returns_arg,
)
from kpixl.issues import Report
from kpixl.pipeline import run


@click.command()
@returns_arg
@register_opt
@period_opt
@click.option("--json", "as_json", is_flag=True, help="Print the issues as JSON.")
def validate(returns: tuple[Path, ...], register: Path, period: str | None, as_json: bool) -> int:
    """Check RETURNS (files or folders) against the register and explain every problem.

    Exit status: 0 no errors, 1 errors found, 2 nothing could be checked.
    """
    results = run(returns, register, parse_period(period))
    if as_json:
        click.echo(json.dumps(results.report.as_json(), indent=2, ensure_ascii=False))
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
    from kpixl.dashboard.output import write_csv, write_dashboards  # openpyxl: only when building

    results = run(returns, register, parse_period(period))
    written = write_dashboards(results, output, template=template, pdf=pdf)
    if results_csv is not None:
        write_csv(results, results_csv)
        written.append(results_csv)
    _print_report(results.report, len(results.files), brief=True)
    for path in written:
        click.echo(f"wrote {path}")
    return EXIT_OK if results.report.valid else EXIT_ISSUES


def _print_report(report: Report, n_files: int, brief: bool = False) -> None:
    out = console()
    counts = report.counts()
    shown = report.errors if brief else report.sorted()
    if shown and sys.stdout.isatty():
        from rich.table import Table

        table = Table("Severity", "Code", "Where", "Message", show_lines=False)
        for issue in shown:
            style = "red" if issue.severity.value == "error" else "yellow"
            table.add_row(issue.severity.value, issue.code.value, issue.where(), issue.message,
                          style=style)  # fmt: skip
        out.print(table)
    else:
        for issue in shown:
            out.print(issue.line(), markup=False)
    files = f"{n_files} return{'s' if n_files != 1 else ''}"
    out.print(
        f"{files} checked: {counts['error']} error(s), {counts['warning']} warning(s)"
        + (" (run `kpixl validate` for the warnings)" if brief and counts["warning"] else ""),
        markup=False,
    )
