"""The dashboard e-mail itself: who it goes to, its subject, body and attachments."""

from __future__ import annotations

import email.policy
import email.utils
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from kpixl.errors import UsageError
from kpixl.mail.body import html_body, plain_text
from kpixl.mail.read import DashboardSummary, dashboard_name_from_file
from kpixl.register.load import split_addresses
from kpixl.register.model import Register

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PDF_TYPE = ("application", "pdf")
SUBJECT = "Performance Dashboard – {name} – {period}"
_NOT_IN_ADDRESS = set(' \t\r\n<>()[]\\,;:"')
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Attachment:
    path: Path
    data: bytes
    mime: tuple[str, str]

    @property
    def name(self) -> str:
        """The file's name as the message gives it: a line break or other control character
        in it (possible on Linux) becomes a space, which a mail header can hold."""
        return " ".join(_CONTROL.sub(" ", self.path.name).split()) or "dashboard.xlsx"


@dataclass
class Addressees:
    """To, Cc and Bcc as header text (`Name <a@b>` or `a@b`), each address once."""

    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)
    envelope: list[str] = field(default_factory=list)  # bare addresses, for the SMTP server

    def add(self, kind: str, entries: Iterable[tuple[str, str]]) -> None:
        """Add to `to`, `cc` or `bcc`, skipping an address already there in any case."""
        seen = {a.casefold() for a in self.envelope}
        for name, address in entries:
            if address.casefold() in seen:
                continue
            seen.add(address.casefold())
            self.envelope.append(address)
            getattr(self, kind).append(email.utils.formataddr((name, address)))


def parse_addresses(values: Iterable[str], where: str) -> list[tuple[str, str]]:
    """`a@x.org; "Smith, John" <j@x.org>, c@x.org` -> [(name, address)]; UsageError for
    anything else."""
    found: list[tuple[str, str]] = []
    for value in values:
        for piece in split_addresses(value):
            if not piece.strip():
                continue
            for name, address in email.utils.getaddresses([piece]):
                local, at, domain = address.partition("@")
                if not (local and at and domain) or set(address) & _NOT_IN_ADDRESS or "@" in domain:
                    raise UsageError(
                        f"'{piece.strip()}' ({where}) is not an e-mail address: write it as "
                        "name@example.org, several separated by ;"
                    )
                found.append((name, address))
    return found


def dashboard_recipients(
    summary: DashboardSummary, register: Register
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """The recipients of the service areas on the dashboard's Data sheet (register order), the
    names of the register's dashboard groups they belong to, and notes for the user."""
    on_dashboard = {a.casefold() for a in summary.service_areas}
    areas = [a for a in register.service_areas.values() if a.name.casefold() in on_dashboard]
    known = {a.name.casefold() for a in areas}
    notes = [
        f"service area '{name}' of the dashboard is not in the register: nobody is added for it"
        for name in summary.service_areas
        if name.casefold() not in known
    ]
    recipients: list[tuple[str, str]] = []
    for area in areas:
        where = f"register, Service areas sheet, recipients of '{area.name}'"
        recipients += parse_addresses(area.recipients, where)
        if not area.recipients:
            notes.append(f"service area '{area.name}' has no recipients in the register")
    groups = list(dict.fromkeys(a.dashboard for a in areas if a.dashboard))
    return recipients, groups, notes


def default_subject(summary: DashboardSummary, groups: Sequence[str]) -> str:
    name = " + ".join(groups) or dashboard_name_from_file(summary.path)
    return SUBJECT.format(name=name, period=summary.period.label)


def attachments_for(dashboard: Path) -> list[Attachment]:
    """The workbook byte for byte, and the PDF of the same name beside it if there is one."""
    found = [Attachment(dashboard, dashboard.read_bytes(), XLSX_TYPE)]
    for suffix in (".pdf", ".PDF"):
        pdf = dashboard.with_suffix(suffix)
        if pdf.is_file():
            found.append(Attachment(pdf, pdf.read_bytes(), PDF_TYPE))
            break
    return found


def compose(
    summary: DashboardSummary,
    subject: str,
    sender: str,
    addressees: Addressees,
    attachments: Sequence[Attachment],
    *,
    draft: bool = False,
) -> EmailMessage:
    """The message; a draft (for --eml) also carries Bcc and `X-Unsent: 1`, so Outlook opens
    it ready to send rather than as a received mail."""
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["Subject"] = " ".join(subject.split())
    if sender:
        msg["From"] = sender
    if addressees.to:
        msg["To"] = ", ".join(addressees.to)
    if addressees.cc:
        msg["Cc"] = ", ".join(addressees.cc)
    if draft:
        if addressees.bcc:
            msg["Bcc"] = ", ".join(addressees.bcc)
        msg["X-Unsent"] = "1"
    msg["Date"] = email.utils.formatdate(localtime=True)
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "kpixl.invalid"
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    names = [a.name for a in attachments]
    msg.set_content(plain_text(summary, names))
    msg.add_alternative(html_body(summary, names), subtype="html")
    for item in attachments:
        maintype, subtype = item.mime
        msg.add_attachment(item.data, maintype=maintype, subtype=subtype, filename=item.name)
    return msg
