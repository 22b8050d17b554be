"""Mail through the officer's own Outlook (Windows, pywin32): a new message with the recipients,
subject, HTML summary and attachments, shown for review, or sent at once with `send`.

Outlook signs in as the officer, so there is no password, app or server to set up; Outlook's
own rules (signature, Sent Items, the organisation's policies) apply as to any message.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kpixl.errors import MailError, UsageError

OL_MAIL_ITEM = 0  # OlItemType.olMailItem


@dataclass(frozen=True)
class OutlookMail:
    """The message as Outlook's object model takes it."""

    subject: str
    html: str
    to: Sequence[str]  # header text, `Name <a@b>` or `a@b`
    cc: Sequence[str]
    bcc: Sequence[str]
    attachments: Sequence[Path]


def outlook_application() -> Any:
    """Outlook.Application through COM; UsageError where there is none."""
    try:
        client = importlib.import_module("win32com.client")
    except ImportError:
        raise UsageError(
            "--via outlook needs Outlook on Windows with pywin32 (installed with "
            "kpixl[addin]); elsewhere use --via smtp or --via graph, or --eml for a draft"
        ) from None
    try:
        return client.Dispatch("Outlook.Application")
    except Exception as exc:
        raise UsageError(
            f"Outlook could not be started ({_com_text(exc)}): is it installed?"
        ) from None


def outlook_available() -> bool:
    """Whether pywin32 is here and Outlook is registered (without starting it)."""
    try:
        importlib.import_module("win32com.client")
        winreg = importlib.import_module("winreg")
        winreg.CloseKey(winreg.OpenKey(winreg.HKEY_CLASSES_ROOT, "Outlook.Application"))
    except (ImportError, OSError):
        return False
    return True


def hand_to_outlook(mail: OutlookMail, *, send: bool, outlook: Any | None = None) -> str:
    """Create the message in Outlook and show it (or send it). Returns what was done."""
    app = outlook if outlook is not None else outlook_application()
    try:
        item = app.CreateItem(OL_MAIL_ITEM)
        item.To = "; ".join(mail.to)
        item.CC = "; ".join(mail.cc)
        item.BCC = "; ".join(mail.bcc)
        item.Subject = mail.subject
        item.HTMLBody = mail.html
        for path in mail.attachments:
            item.Attachments.Add(str(path))
        if send:
            item.Send()
            return "sent from Outlook (it is in your Sent Items)"
        item.Display(False)
        return "opened in Outlook for you to check and send"
    except Exception as exc:  # a COM error: Outlook refused (a policy, the object model guard)
        raise MailError(
            f"not sent: Outlook refused the message ({_com_text(exc)}): open Outlook and try "
            "again, or use --eml to save a draft"
        ) from None


def _com_text(exc: Exception) -> str:
    """The words of a pywintypes.com_error (hresult, text, (…, source, description, …), …)."""
    for arg in exc.args:
        if isinstance(arg, tuple) and len(arg) > 2 and arg[2]:
            return " ".join(str(arg[2]).split())
    texts = [a for a in exc.args if isinstance(a, str)]
    return texts[0] if texts else type(exc).__name__
