"""The four ribbon buttons' Python side: each takes the workbook that was active in Excel."""

from __future__ import annotations

import functools
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from kpixl.addin import sheets
from kpixl.addin.cloud import is_web_address, local_copy
from kpixl.addin.config import AddinConfig, create_config, find_config, load_config
from kpixl.addin.xl import Book, caller_book
from kpixl.errors import KpixlError, RegisterError, UsageError, write_crash_log
from kpixl.issues import Issue, IssueCode, error
from kpixl.read.workbook import Sheet as GridSheet
from kpixl.register.load import load_register
from kpixl.register.model import Register

if TYPE_CHECKING:
    from kpixl.mail.send import MailResult, SmtpSettings

TITLE = "KPI Dashboard"
LOG_FILE = Path(tempfile.gettempdir()) / "kpixl-addin-error.log"
Entry = Callable[[Book], None]


def _button(func: Entry) -> Callable[[Book | None], None]:
    """Run an entry point on the caller's workbook; any failure becomes one alert, never a trace."""

    @functools.wraps(func)
    def run(book: Book | None = None) -> None:
        try:
            book = book if book is not None else caller_book()
        except Exception as exc:
            _no_book(exc)
            return
        try:
            func(book)
        except RegisterError as exc:
            lines = [str(exc), *(i.line() for i in exc.issues[:5])]
            book.app.alert("\n".join(lines), title=TITLE, mode="critical")
        except KpixlError as exc:
            book.app.alert(str(exc), title=TITLE, mode="critical")
        except Exception as exc:
            book.app.alert(_unexpected(exc), title=TITLE, mode="critical")

    return run


def _no_book(exc: Exception) -> None:
    """Without the workbook there is no Excel to show an alert in: one line on stderr and a
    failed exit, which xlwings' ExecuteWindows shows in its message box."""
    message = str(exc) if isinstance(exc, KpixlError) else _unexpected(exc)
    sys.stderr.write(f"{TITLE}: {message}\n")
    raise SystemExit(1)


def _unexpected(exc: Exception) -> str:
    where = write_crash_log(exc, LOG_FILE)
    return f"Unexpected problem ({type(exc).__name__}: {exc}); {where}; please report it."


def book_path(book: Book) -> Path | None:
    """The saved file of a workbook: for one on OneDrive/SharePoint (its fullname an https
    address) its synced copy on this PC; None for a never-saved one or an unsynced address."""
    if is_web_address(book.fullname):
        return local_copy(book.fullname)
    path = Path(book.fullname)
    return path if path.is_absolute() and path.parent.is_dir() else None


def book_folder(book: Book) -> Path | None:
    """The folder of a saved workbook, where its kpixl.toml is looked for first."""
    path = book_path(book)
    return path.parent if path is not None else None


@_button
def validate_return(book: Book) -> None:
    """Check the active workbook as it is on screen and list every problem in a new sheet."""
    config = load_config(book_folder(book))
    register = load_register(config.need("register"))
    grids, issues = sheets.read_book(book)
    issues += check_return(register, grids, book.name)
    protected = sheets.write_validation_sheet(book, issues)
    book.app.alert(sheets.summary(book.name, issues, protected), title=TITLE)


def check_return(register: Register, grids: list[GridSheet], name: str) -> list[Issue]:
    """The issues `kpixl validate` would give for this return alone, with its answers for the
    file as a whole: `no-table`, `no-known-refs` (none of its refs is the register's: the
    wrong register, or the wrong workbook), `no-figures` (sent back unfilled)."""
    from kpixl.check.validate import validate
    from kpixl.pipeline import whole_file_issues
    from kpixl.rate.scoring import score
    from kpixl.read.returns import read_sheets

    read = read_sheets(grids, name)
    figures, issues = validate(register, [read])
    if read.tables == 0:
        issues.append(
            error(
                IssueCode.NO_TABLE,
                "no table of indicators in this workbook: kpixl looks for a header row with a "
                "'Ref' column and period columns; open the KPI return and click again",
                file=name,
            )
        )
    # the run's own no-figures line (no file to blame) is this workbook's here
    issues = [
        replace(i, file=name) if i.code is IssueCode.NO_FIGURES and not i.file else i
        for i in whole_file_issues(register, [read], figures, issues)
    ]
    periods = figures.value_periods()
    if periods:
        issues += score(register, figures, max(periods))[2]
    # issues located elsewhere (other service areas' missing returns) are not this return's
    return [i for i in issues if i.file == name or _area(register, i.ref) in figures.areas_seen]


def _area(register: Register, ref: str) -> str:
    indicator = register.indicators.get(ref)
    return indicator.service_area if indicator is not None else ""


@_button
def build_dashboard(book: Book) -> None:
    """Build the dashboards from the configured returns folder and register, and open them."""
    from kpixl.dashboard.output import write_dashboards
    from kpixl.pipeline import run

    config = load_config(book_folder(book))
    results = run([config.need("returns_folder")], config.need("register"))
    folder = config.output_folder or config.path.parent
    written = write_dashboards(
        results, folder, pdf=config.pdf, html=folder if config.html else None
    )
    workbooks = [p for p in written if p.suffix.lower() == ".xlsx"]
    for path in workbooks:
        book.app.books.open(str(path))
    published = [p.name for p in written if p.suffix.lower() != ".xlsx"]
    also = f" Also written: {', '.join(published)}." if published else ""
    counts = results.report.counts()
    book.app.alert(
        f"Built {len(workbooks)} dashboard(s) for {results.period.label} from "
        f"{len(results.files)} return(s): {counts['error']} error(s), {counts['warning']} "
        f"warning(s), listed on each dashboard's Validation sheet. Saved in "
        f"{workbooks[0].parent}.{also}",
        title=TITLE,
    )


@_button
def email_dashboard(book: Book) -> None:
    """Through Outlook when it is there: the message opens for the officer to check and send.
    Otherwise show who the active dashboard goes to and, once the user agrees, send it."""
    dashboard = _saved_dashboard(book)
    config = load_config(book_folder(book))
    register = load_register(config.need("register"))
    via = _via(register)
    if via == "outlook":
        from kpixl.mail.routes import send_dashboard_outlook

        shown = send_dashboard_outlook(dashboard, register)
        book.app.alert(
            f"Opened '{shown.subject}' in Outlook for {len(shown.envelope)} recipient(s): "
            "check it and click Send.",
            title=TITLE,
        )
        return
    send = _sender(via, config, register, book, dashboard)
    if book.app.alert(_confirmation(send(True)), title=TITLE, buttons="ok_cancel") != "ok":
        book.app.alert("Not sent.", title=TITLE)
        return
    sent = send(False)
    book.app.alert(
        f"Sent '{sent.subject}' to {len(sent.envelope)} recipient(s) through {sent.server} "
        f"({sent.reply}).",
        title=TITLE,
    )


def _saved_dashboard(book: Book) -> Path:
    dashboard = book_path(book)
    if dashboard is None and is_web_address(book.fullname):
        raise UsageError(
            f"{book.name} is on OneDrive/SharePoint ({book.fullname}) and this PC has no synced "
            "copy of it: open it from its folder in File Explorer (sync the library first), or "
            "save a copy to a local folder, then click Email dashboard again"
        )
    if dashboard is None or not dashboard.is_file():
        raise UsageError(
            f"{book.name} is not saved: open a dashboard kpixl built (or save this one), then "
            "click Email dashboard again"
        )
    return dashboard


def _via(register: Register) -> str:
    """The register's mail_via; without one, Outlook when this PC has it, else SMTP."""
    from kpixl.mail import outlook
    from kpixl.mail.routes import mail_via

    if register.settings.other.get("mail_via", "").strip():
        return mail_via(register.settings, None)
    return "outlook" if outlook.outlook_available() else "smtp"


def _sender(
    via: str, config: AddinConfig, register: Register, book: Book, dashboard: Path
) -> Callable[[bool], MailResult]:
    """Send (or, given True, only plan) by SMTP or Graph; Graph's device code in an alert."""
    from kpixl.mail.routes import graph_settings, send_dashboard_graph
    from kpixl.mail.send import send_dashboard

    if via == "graph":
        graph = graph_settings(register.settings)

        def say(text: str) -> None:  # the device code, for a person to type in the browser
            book.app.alert(text, title=TITLE)

        return lambda dry: send_dashboard_graph(
            dashboard, register, graph=graph, dry_run=dry, say=say
        )
    server = _smtp(config, register)
    return lambda dry: send_dashboard(dashboard, register, smtp=server, dry_run=dry)


def _smtp(config: AddinConfig, register: Register) -> SmtpSettings:
    from kpixl.mail.send import smtp_settings

    given = config.smtp
    return smtp_settings(
        register.settings,
        host=given.host or None,
        port=given.port,
        security=given.security or None,
        user=given.user or None,
        base=register.path.parent,
    )


def _confirmation(plan: MailResult) -> str:
    """What would be sent and to whom, for the OK / Cancel question."""
    lines = [f"Send '{plan.subject}'?", f"To: {'; '.join(plan.to)}"]
    if plan.cc:
        lines.append(f"Cc: {'; '.join(plan.cc)}")
    if plan.bcc:
        lines.append(f"Bcc: {'; '.join(plan.bcc)}")
    files = ", ".join(f"{name} ({size / 1024:,.0f} KB)" for name, size in plan.attachments)
    lines.append(f"Attached: {files} (the saved file: save your changes first)")
    lines.extend(f"Note: {note}" for note in plan.notes)
    return "\n".join(lines)


@_button
def settings(book: Book) -> None:
    """Open kpixl.toml (next to the workbook, else the user's own), creating the user's if none."""
    path = find_config(book_folder(book)) or create_config()
    book.app.alert(
        f"The settings are in {path}. It opens in Notepad now: change it, save it, and click the "
        "button you wanted again.",
        title=TITLE,
    )
    open_in_editor(path)


def open_in_editor(path: Path) -> None:
    """Show a text file to the user in the system's plain-text editor."""
    if sys.platform == "win32":
        subprocess.Popen(["notepad.exe", str(path)])
    elif sys.platform == "darwin":
        subprocess.Popen(["open", "-t", str(path)])
    else:
        subprocess.Popen(["xdg-open", str(path)])
