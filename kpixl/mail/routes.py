"""Mail a dashboard through Microsoft Graph or the officer's Outlook: the message `kpixl email`
builds, by another road.

`kpixl email --via graph|outlook`, `batch --email` with setting mail_via, and the add-in call
these; Graph's settings come from the register's graph_* keys, each overridden by its --graph-*
option.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from kpixl.errors import UsageError
from kpixl.mail import send
from kpixl.mail.body import html_body
from kpixl.mail.graph import (
    DEFAULT_AUTHORITY,
    DEFAULT_ENDPOINT,
    GraphMail,
    GraphSettings,
    access_token,
    send_graph,
    sys_say,
)
from kpixl.mail.outlook import OutlookMail, hand_to_outlook
from kpixl.register.load import load_register
from kpixl.register.model import Register, Settings

VIAS = ("smtp", "graph", "outlook")


def send_by_settings(
    dashboard: Path | str, register: Register, *, via: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> send.MailResult:  # fmt: skip
    """How `batch --email` sends, unattended: by `via`, else the register's mail_via, with the
    register's settings (Outlook sends at once: nobody is there to review)."""
    chosen = mail_via(register.settings, via)
    if chosen == "graph":
        graph = graph_settings(register.settings)
        return send_dashboard_graph(dashboard, register, graph=graph, sleep=sleep)
    if chosen == "outlook":
        return send_dashboard_outlook(dashboard, register, send_now=True)
    server = with_oauth(send.smtp_settings(register.settings, base=register.path.parent), register)
    return send.send_dashboard(dashboard, register, smtp=server, sleep=sleep)


# Exchange Online's SMTP host: the resource whose token SMTP AUTH XOAUTH2 takes
EXCHANGE_SMTP_RESOURCE = "outlook.office365.com"


def with_oauth(
    server: send.SmtpSettings, register: Register, *, auth: str | None = None,
    graph: GraphSettings | None = None, say: Callable[[str], None] = sys_say,
) -> send.SmtpSettings:  # fmt: skip
    """`server` with an OAuth token for its user when `auth` (else the register's smtp_auth)
    is xoauth2: from MSAL with the graph_* app settings, for Exchange Online's SMTP (or, for
    another host, the host itself as the resource)."""
    chosen = (auth or register.settings.other.get("smtp_auth", "") or "password").strip().lower()
    if chosen not in ("password", "xoauth2"):
        raise UsageError(f"smtp_auth '{chosen}' is not one of: password, xoauth2")
    if chosen == "password":
        return server
    if not server.user:
        raise UsageError("XOAUTH2 needs the mailbox as smtp_user (or --user)")
    app = graph or graph_settings(register.settings)
    if not (app.tenant and app.client_id):
        raise UsageError(
            "XOAUTH2 needs the app's graph_tenant and graph_client_id settings (or --graph-tenant "
            "and --graph-client-id)"
        )
    office = server.host.lower().endswith(".office365.com")
    resource = EXCHANGE_SMTP_RESOURCE if office else server.host
    return replace(server, token=access_token(app, say, smtp_host=resource))


def mail_via(settings: Settings, given: str | None) -> str:
    """--via, else the register's mail_via setting, else smtp."""
    value = (given or settings.other.get("mail_via", "") or "smtp").strip().lower()
    if value not in VIAS:
        raise UsageError(f"mail_via '{value}' is not one of: {', '.join(VIAS)}")
    return value


def graph_settings(
    settings: Settings, *, tenant: str | None = None, client_id: str | None = None,
    mailbox: str | None = None, authority: str | None = None, endpoint: str | None = None,
    cert: Path | None = None,
) -> GraphSettings:  # fmt: skip
    """The register's graph_tenant, graph_client_id, graph_mailbox, graph_authority and
    graph_endpoint settings, each overridden by the argument given."""

    def pick(given: str | None, key: str, default: str = "") -> str:
        return (given if given is not None else settings.other.get(key, "") or default).strip()

    return GraphSettings(
        tenant=pick(tenant, "graph_tenant"),
        client_id=pick(client_id, "graph_client_id"),
        mailbox=pick(mailbox, "graph_mailbox") or settings.mail_from.strip(),
        authority=pick(authority, "graph_authority", DEFAULT_AUTHORITY),
        endpoint=pick(endpoint, "graph_endpoint", DEFAULT_ENDPOINT),
        cert=cert,
    )


def send_dashboard_graph(
    dashboard: Path | str, register: Register | Path | str, *, graph: GraphSettings,
    to: Sequence[str] | None = None, cc: Sequence[str] = (), bcc: Sequence[str] = (),
    subject: str | None = None, dry_run: bool = False, max_size_mb: float | None = None,
    sleep: Callable[[float], None] = time.sleep, say: Callable[[str], None] = sys_say,
) -> send.MailResult:  # fmt: skip
    """As `send_dashboard`, through Graph as `graph.mailbox` (which is also the sender)."""
    mail, data = _prepared(dashboard, register, to, cc, bcc, subject, graph.mailbox, max_size_mb)
    if dry_run:
        return mail.result(data)
    graph.check()
    token = access_token(graph, say)
    delivery = send_graph(_graph_mail(mail), graph, token, sleep=sleep)
    return replace(
        mail.result(data), sent=True, server=graph.where, reply=delivery.reply,
        attempts=delivery.retries + 1,
    )  # fmt: skip


def send_dashboard_outlook(
    dashboard: Path | str, register: Register | Path | str, *,
    to: Sequence[str] | None = None, cc: Sequence[str] = (), bcc: Sequence[str] = (),
    subject: str | None = None, send_now: bool = False, dry_run: bool = False,
    max_size_mb: float | None = None, outlook: Any | None = None,
) -> send.MailResult:  # fmt: skip
    """As `send_dashboard`, through the officer's own Outlook: the message is shown for review
    (`sent` stays False) or, with `send_now`, sent at once. `outlook` stands in for
    Outlook.Application (tests)."""
    mail, data = _prepared(dashboard, register, to, cc, bcc, subject, "", max_size_mb)
    if dry_run:
        return mail.result(data)
    people = mail.addressees
    message = OutlookMail(
        subject=mail.subject, html=html_body(mail.summary, [a.name for a in mail.attachments]),
        to=people.to, cc=people.cc, bcc=people.bcc, attachments=[a.path for a in mail.attachments],
    )  # fmt: skip
    done = hand_to_outlook(message, send=send_now, outlook=outlook)
    return replace(mail.result(data), sent=send_now, server="Outlook", reply=done)


def _prepared(
    dashboard: Path | str, register: Register | Path | str, to: Sequence[str] | None,
    cc: Sequence[str], bcc: Sequence[str], subject: str | None, sender: str,
    max_size_mb: float | None,
) -> tuple[send._Mail, bytes]:  # fmt: skip
    """The message as `send_dashboard` makes it, checked for recipients and size."""
    path = Path(dashboard)
    reg = register if isinstance(register, Register) else load_register(Path(register))
    mail = send._prepare(path, reg, to, cc, bcc, subject, sender or None)
    if not mail.addressees.envelope:
        raise UsageError(
            f"{path.name}: nobody to send it to: add recipients for its service areas in the "
            "register's Service areas sheet, or give --to"
        )
    send._check_size(mail.attachments, send._limit(max_size_mb, reg.settings))
    return mail, mail.message()


def _graph_mail(mail: send._Mail) -> GraphMail:
    names = [a.name for a in mail.attachments]
    people = mail.addressees
    return GraphMail(
        subject=mail.subject,
        html=html_body(mail.summary, names),
        to=email.utils.getaddresses(people.to),
        cc=email.utils.getaddresses(people.cc),
        bcc=email.utils.getaddresses(people.bcc),
        attachments=[(a.name, "/".join(a.mime), a.data) for a in mail.attachments],
    )
