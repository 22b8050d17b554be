"""`kpixl batch`: a folder of returns to every dashboard and a run report, with progress shown."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from kpixl.cli.history import Recording, store_options
from kpixl.cli.options import EXIT_ISSUES, EXIT_OK, parse_period
from kpixl.cli.options import console as options_console
from kpixl.terminal import printable

if TYPE_CHECKING:
    from rich.console import Console

    from kpixl.batch.report import RunReport
    from kpixl.batch.run import BatchOutcome


@click.command()
@click.argument("in_dir", type=click.Path(path_type=Path))
@click.option("--register", "-r", required=True, type=click.Path(path_type=Path),
              help="The indicator register workbook (register.xlsx).")  # fmt: skip
@click.option("--output", "-o", "out_dir", required=True, type=click.Path(path_type=Path),
              help="Folder for the dashboards and the run report (not inside IN_DIR).")  # fmt: skip
@click.option("--period", "-p", metavar="YYYY-MM", default=None,
              help="Reporting period; defaults to the latest month found in the returns.")  # fmt: skip
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes to read and write with; default: the number of cores.")  # fmt: skip
@click.option("--force", is_flag=True, help="Rebuild even when no input has changed.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, metavar="SECONDS", show_default=True,
              help="When another kpixl batch is writing to OUT_DIR, wait up to this long for it "
                   "to finish (0: stop at once, naming it).")  # fmt: skip
@click.option("--email", is_flag=True,
              help="Mail each dashboard built to its service areas' recipients (SMTP settings "
                   "from the register, password from KPIXL_SMTP_PASSWORD).")  # fmt: skip
@click.option("--html", is_flag=True,
              help="Also write each dashboard as an accessible web page beside it.")  # fmt: skip
@click.option("--pdf", is_flag=True,
              help="Also write each dashboard as an accessible (tagged) PDF beside it.")  # fmt: skip
@click.option("--pdf-engine", type=click.Choice(["chromium", "libreoffice"]), default="chromium",
              show_default=True,
              help="chromium: the tagged PDF of the web page (for publishing); libreoffice: the "
                   "workbook's look, untagged.")  # fmt: skip
@store_options
def batch(
    in_dir: Path, register: Path, out_dir: Path, period: str | None, jobs: int | None,
    force: bool, wait: float, email: bool, html: bool, pdf: bool, pdf_engine: str,
    store: str | None, no_store: bool,
) -> int:  # fmt: skip
    """Build every dashboard from the returns under IN_DIR (sub-folders too) into OUT_DIR.

    Excel lock files (~$...) and hidden files are skipped. OUT_DIR gets one workbook per
    dashboard (with --html and --pdf its web page and PDF too), run_report.xlsx and
    run_report.json; a re-run on unchanged inputs, asked for the same, does nothing.
    One run at a time writes an OUT_DIR (see --wait).

    Exit status: 0 built with no errors, 1 built with validation errors, 2 nothing built (or,
    with --email, a dashboard could not be mailed). The run is recorded in the history store
    (--no-store: not); when the store cannot take it, one line says so, the dashboards are
    still written and the exit status is 1.
    """
    # imported here, not at start: every other command starts without them
    from kpixl.batch.progress import Bar, Lines
    from kpixl.batch.run import Publishing, run_batch

    console = options_console()
    asked = parse_period(period)
    recording = Recording("batch", store, no_store)
    rated = recording.rated
    publishing = Publishing(html, pdf, pdf_engine)
    if console.is_terminal:
        with Bar(console) as bar:
            outcome = run_batch(in_dir, register, out_dir, asked, jobs, force, bar, wait,
                                on_rated=rated, publish_as=publishing)  # fmt: skip
    else:
        listener = Lines(console)
        outcome = run_batch(in_dir, register, out_dir, asked, jobs, force, listener, wait,
                            on_rated=rated, publish_as=publishing)  # fmt: skip
    _summary(console, outcome)
    recorded = recording.record()  # after the dashboards: a store problem never costs one
    if email:
        _mail(console, outcome, register)
    return EXIT_OK if outcome.valid and recorded else EXIT_ISSUES


def _mail(console: Console, outcome: BatchOutcome, register: Path) -> None:
    """Mail every dashboard this run built; one failure does not stop the others."""
    from kpixl.errors import KpixlError, MailError
    from kpixl.mail.routes import send_by_settings
    from kpixl.register.load import load_register

    if outcome.up_to_date:
        console.print("not mailed again: nothing changed (--force --email sends them again)")
        return
    reg = load_register(register)
    failed = 0
    for path in outcome.dashboards:
        try:
            sent = send_by_settings(path, reg)  # the register's mail_via: smtp, graph, outlook
        except KpixlError as exc:
            failed += 1
            click.echo(f"kpixl: not mailed: {exc}", err=True)
            continue
        n = len(sent.envelope)
        console.print(f"mailed {path.name} to {n} recipient{'s' if n != 1 else ''}", markup=False)
    if failed:
        raise MailError(
            f"{failed} of {len(outcome.dashboards)} dashboards not mailed (see above); "
            f"all are built in {outcome.out_dir}"
        )


def _summary(console: Console, outcome: BatchOutcome) -> None:
    if outcome.up_to_date or outcome.report is None:
        n = outcome.up_to_date_count
        console.print(
            f"nothing changed: {n} dashboard{'s' if n != 1 else ''} up to date in "
            f"{outcome.out_dir} (--force rebuilds them)",
            markup=False,
        )
        return
    from rich.table import Table

    from kpixl.batch.report import RAG_WORDS

    report = outcome.report
    table = Table(
        "Dashboard", "File", "KPIs rated", *RAG_WORDS, title=f"Dashboards {report.period}"
    )
    for d in report.dashboards:
        table.add_row(printable(d.dashboard), printable(d.file), f"{d.rated}/{d.kpis}",
                      *(str(d.latest[w]) for w in RAG_WORDS))  # fmt: skip
    console.print(table)
    console.print(_files_line(report), markup=False)
    console.print(f"run report: {outcome.report_files[0]}", markup=False)
    for path in outcome.published:
        console.print(f"wrote {printable(path, one_line=True)}", markup=False)


def _files_line(report: RunReport) -> str:
    by_status = report.status_counts()
    issues = report.issue_counts()
    parts = ", ".join(f"{n} {status}" for status, n in by_status.items() if n)
    return (
        f"{len(report.files)} files: {parts}; "
        f"{issues['error']} error(s), {issues['warning']} warning(s)"
    )
