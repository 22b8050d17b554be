"""Mail a dashboard to its distribution list: the one call behind `kpixl email`, batch and the
add-in. Build the message from the workbook; send it through SMTP, or save it as a draft."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from kpixl.atomic import write_atomically
from kpixl.errors import MailError, UsageError
from kpixl.mail.message import (
    Addressees,
    Attachment,
    attachments_for,
    compose,
    dashboard_recipients,
    default_subject,
    parse_addresses,
)
from kpixl.mail.read import DashboardSummary, read_dashboard
from kpixl.mail.smtp import (
    PASSWORD_ENV,
    Security,
    SmtpSettings,
    deliver,
    smtp_password,
)
from kpixl.outputs import Input, check_outputs
from kpixl.register.load import load_register
from kpixl.register.model import Register, Settings
from kpixl.values import parse_number

__all__ = [
    "PASSWORD_ENV",
    "MailResult",
    "Security",
    "SmtpSettings",
    "send_dashboard",
    "smtp_password",
    "smtp_settings",
]

DEFAULT_MAX_SIZE_MB = 20.0
MB = 1024 * 1024


@dataclass(frozen=True)
class MailResult:
    """What was (or would be) sent. `sent` is True only once the server accepted the message."""

    dashboard: Path
    subject: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    envelope: tuple[str, ...]  # every address the server is given, each once
    attachments: tuple[tuple[str, int], ...]  # file name, size in bytes
    size: int  # the whole message, in bytes
    sent: bool = False
    server: str = ""  # host:port it went through
    reply: str = ""  # the server's answer to the message, e.g. `250 OK`
    attempts: int = 0
    eml: Path | None = None  # the draft written instead of sending
    notes: tuple[str, ...] = ()  # things the user should know (an area with no recipients)


def smtp_settings(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    security: str | None = None,
    user: str | None = None,
    base: Path | None = None,
) -> SmtpSettings:
    """The register's Settings (smtp_host, smtp_port, smtp_security, smtp_user, smtp_ca_file),
    each overridden by the argument given. Without a stated security: ssl on port 465, else
    starttls. A relative smtp_ca_file is read from `base` (the register's folder)."""
    chosen_port = port if port is not None else settings.smtp_port
    stated = Security.parse(security or "", "--security") or Security.parse(
        settings.smtp_security, "setting smtp_security"
    )
    ca_text = settings.other.get("smtp_ca_file", "")
    ca_file = (base or Path()) / ca_text if ca_text else None
    return SmtpSettings(
        host=(host if host is not None else settings.smtp_host).strip(),
        port=chosen_port,
        security=stated or (Security.SSL if chosen_port == 465 else Security.STARTTLS),
        user=(user if user is not None else settings.smtp_user).strip(),
        ca_file=ca_file,
    )


def send_dashboard(
    dashboard: Path | str,
    register: Register | Path | str,
    *,
    to: Sequence[str] | None = None,
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    subject: str | None = None,
    mail_from: str | None = None,
    smtp: SmtpSettings | None = None,
    eml: Path | None = None,
    dry_run: bool = False,
    max_size_mb: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> MailResult:
    """Mail `dashboard` (a workbook kpixl wrote) to the recipients of its service areas.

    `to` replaces those recipients; `cc` and `bcc` add to them. `eml` writes a draft instead of
    sending; `dry_run` only says what would be sent. Raises MailError when the server refuses
    (nothing is then reported as sent) and UsageError for bad input.
    """
    path = Path(dashboard)
    reg = register if isinstance(register, Register) else load_register(Path(register))
    mail = _prepare(path, reg, to, cc, bcc, subject, mail_from)
    if eml is not None:  # never over the dashboard, its PDF or the register
        mailed = [Input(a.path, "the file being mailed") for a in mail.attachments]
        check_outputs([Path(eml)], [*mailed, Input(reg.path, "the register")])
    if eml is not None and not dry_run:
        draft = mail.message(draft=True)
        write_atomically(draft, Path(eml))
        return replace(mail.result(draft), eml=Path(eml))
    if not mail.addressees.envelope:
        raise UsageError(
            f"{path.name}: nobody to send it to: add recipients for its service areas in the "
            "register's Service areas sheet, or give --to"
        )
    _check_size(mail.attachments, _limit(max_size_mb, reg.settings))
    data = mail.message()
    if dry_run:
        return mail.result(data)
    server = smtp or smtp_settings(reg.settings, base=reg.path.parent)
    _check_ready(server, mail.sender_address)
    delivery = deliver(data, mail.sender_address, mail.addressees.envelope, server, sleep=sleep)
    return replace(
        mail.result(data), sent=True, server=server.where, reply=delivery.reply,
        attempts=delivery.attempts,
    )  # fmt: skip


@dataclass
class _Mail:
    """Everything the message is made of, before it is sent or saved."""

    summary: DashboardSummary
    subject: str
    sender: str  # the From header
    sender_address: str  # the bare address the server is given
    addressees: Addressees
    attachments: list[Attachment]
    notes: list[str]

    def message(self, draft: bool = False) -> bytes:
        parts = (self.summary, self.subject, self.sender, self.addressees, self.attachments)
        return compose(*parts, draft=draft).as_bytes()

    def result(self, data: bytes) -> MailResult:
        return MailResult(
            dashboard=self.summary.path, subject=self.subject, sender=self.sender,
            to=tuple(self.addressees.to), cc=tuple(self.addressees.cc),
            bcc=tuple(self.addressees.bcc), envelope=tuple(self.addressees.envelope),
            attachments=tuple((a.name, len(a.data)) for a in self.attachments), size=len(data),
            notes=tuple(self.notes),
        )  # fmt: skip


def _prepare(
    path: Path, reg: Register, to: Sequence[str] | None, cc: Sequence[str], bcc: Sequence[str],
    subject: str | None, mail_from: str | None,
) -> _Mail:  # fmt: skip
    summary = read_dashboard(path)
    defaults, groups, notes = dashboard_recipients(summary, reg)
    addressees = Addressees()
    addressees.add("to", parse_addresses(to, "--to") if to else defaults)
    addressees.add("cc", parse_addresses(cc, "--cc"))
    addressees.add("bcc", parse_addresses(bcc, "--bcc"))
    sender, sender_address = _sender(mail_from if mail_from is not None else reg.settings.mail_from)
    title = subject if subject is not None else default_subject(summary, groups)
    return _Mail(
        summary, " ".join(title.split()), sender, sender_address, addressees,
        attachments_for(path), notes,
    )  # fmt: skip


def _sender(text: str) -> tuple[str, str]:
    """The From header and the bare address given to the server; both blank when unset."""
    found = parse_addresses([text], "the sender, mail_from") if text.strip() else []
    return (email.utils.formataddr(found[0]), found[0][1]) if found else ("", "")


def _check_ready(server: SmtpSettings, sender_address: str) -> None:
    if not server.host:
        raise UsageError(
            "no mail server: set smtp_host in the register's Settings sheet, or give --smtp-host "
            "(or use --eml to save a draft to send from Outlook)"
        )
    if not sender_address:
        raise UsageError(
            "no sender: set mail_from in the register's Settings sheet, or give --from"
        )


def _limit(max_size_mb: float | None, settings: Settings) -> float:
    if max_size_mb is not None:
        return max_size_mb
    text = settings.other.get("mail_max_size_mb", "")
    if not text:
        return DEFAULT_MAX_SIZE_MB
    value = parse_number(text).value
    if value is None or value <= 0:
        raise UsageError(
            f"setting mail_max_size_mb '{text}' is not a size in MB: write a number, e.g. 20"
        )
    return value


def _check_size(attachments: Sequence[Attachment], limit_mb: float) -> None:
    total = sum(len(a.data) for a in attachments)
    if total > limit_mb * MB:
        names = ", ".join(f"{a.name} {len(a.data) / MB:.1f} MB" for a in attachments)
        raise MailError(
            f"not sent: the attachments come to {total / MB:.1f} MB ({names}), over the "
            f"{limit_mb:g} MB limit (setting mail_max_size_mb, or --max-size-mb): share the "
            "file by a link instead, or raise the limit if your mail server takes larger mail"
        )
