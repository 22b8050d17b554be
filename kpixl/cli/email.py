"""`kpixl email`: mail a dashboard to its distribution list (parse, one library call, render)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from kpixl.mail.send import MailResult

MB = 1024 * 1024


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{n / 1024:.1f} KB"


@click.command("email")
@click.argument("dashboard", type=click.Path(path_type=Path))
@click.option("--register", "-r", required=True, type=click.Path(path_type=Path),
              help="The indicator register workbook (register.xlsx).")  # fmt: skip
@click.option("--to", multiple=True, metavar="ADDR",
              help="Send to these instead of the register's recipients (repeat, or use ;).")  # fmt: skip
@click.option("--cc", multiple=True, metavar="ADDR", help="Also send a copy to (repeatable).")
@click.option("--bcc", multiple=True, metavar="ADDR", help="Also send a blind copy to.")
@click.option("--subject", default=None, help="Subject, instead of the dashboard and period.")
@click.option("--from", "mail_from", default=None, metavar="ADDR",
              help="Sender; defaults to the register's mail_from setting.")  # fmt: skip
@click.option("--smtp-host", default=None, help="Mail server; defaults to the smtp_host setting.")
@click.option("--smtp-port", type=click.IntRange(1, 65535), default=None,
              help="Port; defaults to smtp_port, else 587 (starttls), 465 (ssl) or 25.")  # fmt: skip
@click.option("--security", type=click.Choice(["none", "starttls", "ssl"]), default=None,
              help="Connection security; defaults to smtp_security, else starttls.")  # fmt: skip
@click.option("--user", default=None,
              help="Login name; defaults to smtp_user. The password comes only from the "
                   "KPIXL_SMTP_PASSWORD environment variable or the OS keyring.")  # fmt: skip
@click.option("--max-size-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Refuse attachments larger than this (default: mail_max_size_mb, else 20).")  # fmt: skip
@click.option("--eml", type=click.Path(path_type=Path), default=None, metavar="OUT",
              help="Save the message as a draft (.eml) to open in Outlook, instead of sending.")  # fmt: skip
@click.option("--dry-run", is_flag=True,
              help="Print the recipients, subject and sizes; send nothing.")  # fmt: skip
@click.option("--via", type=click.Choice(["smtp", "graph", "outlook"]), default=None,
              help="smtp (a mail server), graph (Microsoft 365, no password stored) or outlook "
                   "(your own Outlook on Windows); defaults to the mail_via setting, else smtp.")  # fmt: skip
@click.option("--smtp-auth", type=click.Choice(["password", "xoauth2"]), default=None,
              help="SMTP login by password, or by an OAuth token from MSAL (XOAUTH2, the "
                   "graph_* app settings); defaults to the smtp_auth setting, else password.")  # fmt: skip
@click.option("--send", "send_now", is_flag=True,
              help="With --via outlook: send at once instead of showing the message.")  # fmt: skip
@click.option("--graph-tenant", default=None, help="Microsoft 365 tenant id or domain.")
@click.option("--graph-client-id", default=None, help="The app registration's client id.")
@click.option("--graph-mailbox", default=None, help="The mailbox it sends as.")
@click.option("--graph-authority", default=None,
              help="Sign-in host (default https://login.microsoftonline.com).")  # fmt: skip
@click.option("--graph-endpoint", default=None,
              help="Graph host (default https://graph.microsoft.com).")  # fmt: skip
@click.option("--graph-cert", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="PEM", help="The app's certificate and private key; else the secret "
              "in KPIXL_GRAPH_CLIENT_SECRET or the keyring; else device-code sign-in.")  # fmt: skip
def email(
    dashboard: Path, register: Path, to: tuple[str, ...], cc: tuple[str, ...],
    bcc: tuple[str, ...], subject: str | None, mail_from: str | None, smtp_host: str | None,
    smtp_port: int | None, security: str | None, user: str | None, max_size_mb: float | None,
    eml: Path | None, dry_run: bool, via: str | None, smtp_auth: str | None, send_now: bool,
    **graph: str | Path | None,
) -> int:  # fmt: skip
    """Mail DASHBOARD (a workbook kpixl built) with its RAG summary in the body.

    It goes to the recipients of the dashboard's service areas in the register, unless --to
    is given. A refused recipient stops the whole message: nobody gets it until the address
    is corrected. Exit status: 0 sent (or saved), 2 not sent.
    """
    from kpixl.mail.routes import (
        graph_settings,
        mail_via,
        send_dashboard_graph,
        send_dashboard_outlook,
        with_oauth,
    )
    from kpixl.mail.send import send_dashboard, smtp_settings
    from kpixl.register.load import load_register

    reg = load_register(register)
    chosen = "smtp" if eml is not None else mail_via(reg.settings, via)
    if chosen == "outlook":
        return _report(send_dashboard_outlook(
            dashboard, reg, to=to or None, cc=cc, bcc=bcc, subject=subject, send_now=send_now,
            dry_run=dry_run, max_size_mb=max_size_mb,
        ))  # fmt: skip
    if chosen == "graph":
        settings = graph_settings(reg.settings, **_graph_options(graph))
        result = send_dashboard_graph(
            dashboard, reg, graph=settings, to=to or None, cc=cc, bcc=bcc, subject=subject,
            dry_run=dry_run, max_size_mb=max_size_mb,
        )  # fmt: skip
        return _report(result)
    server = smtp_settings(
        reg.settings, host=smtp_host, port=smtp_port, security=security, user=user,
        base=reg.path.parent,
    )  # fmt: skip
    if eml is None and not dry_run:
        app = graph_settings(reg.settings, **_graph_options(graph))
        server = with_oauth(server, reg, auth=smtp_auth, graph=app)
    result = send_dashboard(
        dashboard, reg, to=to or None, cc=cc, bcc=bcc, subject=subject, mail_from=mail_from,
        smtp=server, eml=eml, dry_run=dry_run, max_size_mb=max_size_mb,
    )  # fmt: skip
    return _report(result)


def _graph_options(given: dict[str, str | Path | None]) -> dict[str, Any]:
    """--graph-tenant … as graph_settings' keyword arguments."""
    return {k.removeprefix("graph_"): v for k, v in given.items()}


def _report(result: MailResult) -> int:
    for note in result.notes:
        click.echo(f"kpixl: note: {note}", err=True)
    if result.sent:
        click.echo(
            f"sent '{result.subject}' to {len(result.envelope)} recipient(s) through "
            f"{result.server} (the server answered: {result.reply})"
        )
        return 0
    if result.server == "Outlook":
        click.echo(f"'{result.subject}' {result.reply}")
        return 0
    if result.eml is not None:
        click.echo(f"wrote {result.eml}: open it in Outlook or Thunderbird to check and send it")
        return 0
    click.echo("dry run: nothing sent")
    for label, value in (
        ("From", result.sender or "(not set)"),
        ("To", ", ".join(result.to)),
        ("Cc", ", ".join(result.cc)),
        ("Bcc", ", ".join(result.bcc)),
        ("Subject", result.subject),
    ):
        if value:
            click.echo(f"{label}: {value}")
    for name, size in result.attachments:
        click.echo(f"Attachment: {name} ({_size(size)})")
    click.echo(f"Message size: {_size(result.size)}")
    return 0
