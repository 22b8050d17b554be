"""Mail through the officer's own Outlook, on a fake of the Outlook object model calls kpixl
makes (CreateItem(0), To/CC/BCC, Subject, HTMLBody, Attachments.Add, Display/Send)."""

from __future__ import annotations

import sys
from email.utils import getaddresses
from pathlib import Path

import pytest

import kpixl.addin
from kpixl.cli.main import main
from kpixl.errors import MailError
from kpixl.mail import outlook as outlook_module
from kpixl.mail.routes import send_dashboard_outlook
from tests.addin_helpers import FakeApp, FakeBook
from tests.test_mail import dashboard, expected_recipients, mail_register, summary_rows

__all__ = ["dashboard"]  # the session fixture shared with tests/test_mail.py


class com_error(Exception):  # the name pywintypes gives it
    pass


GUARD = com_error(
    -2147467260, "Operation aborted", (4096, "Microsoft Outlook",
    "A program tried to send an e-mail on your behalf and was refused.", None, 0, -2147467260),
    None,
)  # fmt: skip


class FakeAttachments:
    def __init__(self) -> None:
        self.added: dict[str, bytes] = {}

    def Add(self, source: str) -> None:
        path = Path(source)
        assert path.is_absolute(), "Outlook takes a full path"
        self.added[path.name] = path.read_bytes()  # Outlook copies the file when it is added


class FakeMailItem:
    def __init__(self, refuse_send: bool) -> None:
        self.To = self.CC = self.BCC = self.Subject = self.HTMLBody = ""
        self.Attachments = FakeAttachments()
        self.shown: bool | None = None
        self.sent = False
        self._refuse = refuse_send

    def Display(self, modal: bool = False) -> None:
        self.shown = modal

    def Send(self) -> None:
        if self._refuse:
            raise GUARD
        self.sent = True


class FakeOutlook:
    """Outlook.Application: CreateItem(olMailItem) only."""

    def __init__(self, refuse_send: bool = False) -> None:
        self.items: list[FakeMailItem] = []
        self._refuse = refuse_send

    def CreateItem(self, kind: int) -> FakeMailItem:
        assert kind == 0, "0 is olMailItem"
        self.items.append(FakeMailItem(self._refuse))
        return self.items[-1]


def test_the_message_is_made_in_outlook_and_shown_for_review(
    dashboard: Path, tmp_path: Path
) -> None:
    register = mail_register(tmp_path)
    app = FakeOutlook()
    result = send_dashboard_outlook(
        dashboard, register, cc=["Chief Exec <ce@example.org>"], bcc=["x@example.org"],
        outlook=app,
    )  # fmt: skip
    (item,) = app.items
    assert item.shown is False and not item.sent and not result.sent  # shown, not modal
    to = [address for _, address in getaddresses([item.To.replace(";", ",")])]
    assert to == expected_recipients(register, dashboard)
    assert item.CC == "Chief Exec <ce@example.org>" and item.BCC == "x@example.org"
    assert item.Subject == result.subject and "Mar-25" in item.Subject
    assert all(ref in item.HTMLBody for ref, _, _, _ in summary_rows(dashboard))
    assert item.Attachments.added == {dashboard.name: dashboard.read_bytes()}
    assert result.reply == "opened in Outlook for you to check and send"


def test_send_sends_at_once_and_a_refusal_is_one_line(dashboard: Path, tmp_path: Path) -> None:
    register = mail_register(tmp_path)
    app = FakeOutlook()
    assert send_dashboard_outlook(dashboard, register, send_now=True, outlook=app).sent
    assert app.items[0].sent and app.items[0].shown is None
    with pytest.raises(MailError) as caught:
        send_dashboard_outlook(dashboard, register, send_now=True, outlook=FakeOutlook(True))
    assert "A program tried to send an e-mail on your behalf" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_kpixl_email_via_outlook(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    app = FakeOutlook()
    monkeypatch.setattr(outlook_module, "outlook_application", lambda: app)
    args = ["email", str(dashboard), "-r", str(mail_register(tmp_path)), "--via", "outlook"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.endswith("opened in Outlook for you to check and send\n")
    assert main([*args, "--send"]) == 0 and app.items[-1].sent


def test_without_outlook_it_is_one_line_and_exit_2(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setitem(sys.modules, "win32com.client", None)
    args = ["email", str(dashboard), "-r", str(mail_register(tmp_path)), "--via", "outlook"]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "needs Outlook on Windows" in err


def test_the_addins_email_button_uses_outlook_when_it_is_there(
    dashboard: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FakeOutlook()
    monkeypatch.setattr(outlook_module, "outlook_available", lambda: True)
    monkeypatch.setattr(outlook_module, "outlook_application", lambda: app)
    register = mail_register(tmp_path)
    (tmp_path / "kpixl.toml").write_text(f"register = {str(register)!r}\n", encoding="utf-8")
    book_file = tmp_path / dashboard.name
    book_file.write_bytes(dashboard.read_bytes())
    book = FakeBook(FakeApp(), book_file, {"Data": []})
    kpixl.addin.email_dashboard(book)  # type: ignore[arg-type]
    (item,) = app.items
    assert item.shown is False and not item.sent  # the officer checks it and presses Send
    assert item.Attachments.added == {dashboard.name: dashboard.read_bytes()}
    (alert,) = book.app.alerts
    assert alert["prompt"].startswith("Opened '") and "in Outlook" in alert["prompt"]
