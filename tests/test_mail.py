"""Mailing a dashboard, against real SMTP servers on 127.0.0.1: what arrives, to whom, and the
one-line failures (refused login, refused recipient, too large, server down)."""

from __future__ import annotations

import email.policy
import shutil
import sys
import types
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from kpixl.cli.main import main
from kpixl.dashboard import write_dashboard
from kpixl.dashboard.styles import RAG_COLOURS
from kpixl.errors import MailError, UsageError
from kpixl.mail.send import PASSWORD_ENV, Security, SmtpSettings, send_dashboard, smtp_password
from kpixl.periods import Period
from kpixl.pipeline import run
from kpixl.register.load import load_register
from tests.smtp_servers import (
    Authority,
    Credentials,
    Recorder,
    free_port,
    make_authority,
    smtp_server,
)

ROOT = Path(__file__).resolve().parent.parent
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SENDER = "performance@example.org"
OTHER_GROUP = ("Parks", "parks.lead@example.org")  # a service area of another dashboard
DUPLICATE = "JOHN.BETTS@example.org"  # already listed for Finance, in another case
FAST = (0.0, 0.0)  # retry delays for tests: three attempts, no waiting


@pytest.fixture(scope="session")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The samples' dashboard, built once with kpixl itself."""
    results = run([ROOT / "samples/returns"], ROOT / "samples/register.xlsx")
    folder = tmp_path_factory.mktemp("dashboard")
    (name,) = {a.dashboard for a in results.register.service_areas.values()}
    return write_dashboard(results, name, folder / f"{name}_{results.period}.xlsx")


@pytest.fixture(scope="session")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture(autouse=True)
def no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.setitem(sys.modules, "keyring", None)  # no keyring: only the environment


def mail_register(folder: Path, **settings: object) -> Path:
    """The samples' register with mail settings, one recipient repeated in another case, and a
    service area of another dashboard whose people must not get this one."""
    wb = openpyxl.load_workbook(ROOT / "samples/register.xlsx")
    areas = wb["Service areas"]
    header = [c.value for c in areas[1]]
    recipients = header.index("recipients") + 1
    gld = areas.cell(3, recipients)
    gld.value = f"{gld.value}; {DUPLICATE}"
    row: list[object] = [None] * len(header)
    row[header.index("service_area")], row[recipients - 1] = OTHER_GROUP
    row[header.index("dashboard")] = "OTHER"
    areas.append(row)
    for key, value in {"mail_from": SENDER, **settings}.items():
        wb["Settings"].append([key, value])
    path = folder / "register.xlsx"
    wb.save(path)
    return path


def expected_recipients(register: Path, dashboard: Path) -> list[str]:
    """What a user would work out: the register's recipients of the service areas on the
    dashboard's Data sheet, in register order, each person once."""
    data = openpyxl.load_workbook(dashboard, read_only=True)["Data"]
    rows = list(data.iter_rows(values_only=True))
    column = rows[0].index("service_area")
    on_dashboard = {r[column] for r in rows[1:]}
    found: dict[str, str] = {}
    for area in load_register(register).service_areas.values():
        if area.name in on_dashboard:
            for address in area.recipients:
                found.setdefault(address.lower(), address)
    return list(found.values())


def summary_rows(dashboard: Path) -> list[tuple[str, str, str, str]]:
    """(ref, indicator, latest, ytd) of every KPI row of the Summary sheet."""
    ws = openpyxl.load_workbook(dashboard, read_only=True)["Summary"]
    rows = []
    for first, latest, ytd in ws.iter_rows(min_row=2, max_col=3, values_only=True):
        if first and latest and latest != "Latest RAG":
            ref, _, indicator = str(first).partition(": ")
            rows.append((ref, indicator, str(latest), str(ytd)))
    return rows


class Cells(HTMLParser):
    """Table rows of an HTML body: the text and the style of every cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, str]]] = []
        self._style: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._style = dict(attrs).get("style") or ""
            self.rows[-1].append(("", self._style))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._style = None

    def handle_data(self, data: str) -> None:
        if self._style is not None:
            text, style = self.rows[-1][-1]
            self.rows[-1][-1] = (text + data, style)


def parse(content: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.default).parsebytes(content)
    assert isinstance(message, EmailMessage)
    return message


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def attachments(message: EmailMessage) -> dict[str, tuple[str, bytes]]:
    return {
        str(p.get_filename()): (p.get_content_type(), p.get_content())
        for p in message.iter_attachments()
    }


def kpixl(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# --- what arrives -----------------------------------------------------------------------------


def test_the_dashboard_arrives_with_its_summary_and_attachments(
    dashboard: Path, tmp_path: Path
) -> None:
    book = tmp_path / dashboard.name
    shutil.copy(dashboard, book)
    pdf = book.with_suffix(".pdf")
    pdf.write_bytes(b"%PDF-1.4\n% the printed dashboard\n%%EOF\n")
    register = mail_register(tmp_path)
    handler = Recorder()
    with smtp_server(handler) as port:
        smtp = SmtpSettings("127.0.0.1", port, Security.NONE, timeout=10, retry_delays=FAST)
        result = send_dashboard(book, register, bcc=["audit@example.org"], smtp=smtp)

    (received,) = handler.messages
    wanted = expected_recipients(register, book)
    assert DUPLICATE.lower() in {w.lower() for w in wanted} and OTHER_GROUP[1] not in wanted
    assert received.rcpt_tos == [*wanted, "audit@example.org"]
    assert received.mail_from == SENDER
    message = parse(received.content)
    assert [a.addr_spec for a in message["To"].addresses] == wanted
    assert message["Bcc"] is None and b"audit@example.org" not in received.content
    period = Period.parse(book.stem.rpartition("_")[2])  # the file is named <dashboard>_YYYY-MM
    assert message["Subject"] == f"Performance Dashboard – CED-DCED – {period.label}"
    assert attachments(message) == {
        book.name: (XLSX, book.read_bytes()),
        pdf.name: ("application/pdf", pdf.read_bytes()),
    }
    assert result.sent and result.reply.startswith("250") and result.attempts == 1
    assert list(result.envelope) == received.rcpt_tos


def test_the_html_body_is_the_summary_table_coloured_and_with_the_words(
    dashboard: Path, tmp_path: Path
) -> None:
    draft = tmp_path / "summary-check.eml"
    send_dashboard(dashboard, ROOT / "samples/register.xlsx", eml=draft)
    message = parse(draft.read_bytes())
    cells = Cells()
    cells.feed(html_of(message))
    counts_table = ("", "Latest RAG", "YTD RAG")
    kpi_rows = [r for r in cells.rows if len(r) == 4 and r[0][0] not in ("Ref", *counts_table)]
    expected = summary_rows(dashboard)
    assert [tuple(text for text, _ in row) for row in kpi_rows] == expected
    for row in kpi_rows:
        for word, style in row[2:]:
            colours = RAG_COLOURS.get(word)
            if colours is None:
                assert word == "N/A" and "background-color" not in style
            else:
                assert f"background-color:#{colours[0]}" in style
                assert f"color:#{colours[1]}" in style
    counts = {w: sum(r[2] == w for r in expected) for w in ("RED", "AMBER", "GREEN")}
    counts_row = next(r for r in cells.rows if r[0][0] == "Latest RAG")
    assert [int(t) for t, _ in counts_row[1:]] == [counts["RED"], counts["AMBER"], counts["GREEN"]]
    text = text_of(message)
    assert (
        f"Latest RAG: {counts['RED']} RED, {counts['AMBER']} AMBER, {counts['GREEN']} GREEN" in text
    )
    for ref, indicator, latest, ytd in expected:
        assert any(line.split()[:3] == [ref, latest, ytd] and indicator in line
                   for line in text.splitlines())  # fmt: skip


def test_every_text_from_the_workbook_is_escaped_in_the_html(
    dashboard: Path, tmp_path: Path
) -> None:
    edited = tmp_path / "renamed by hand.xlsx"
    wb = openpyxl.load_workbook(dashboard)
    wb["Guidance"]["A1"] = "Dashboard <b>Q&A</b>"
    wb["Summary"]["A4"] = 'FN06: Debt <script>alert("x")</script> & more'
    wb.save(edited)
    draft = tmp_path / "draft.eml"
    send_dashboard(edited, ROOT / "samples/register.xlsx", eml=draft)
    message = parse(draft.read_bytes())
    html = html_of(message)
    assert "<script>" not in html and "<b>Q&A</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    cells = Cells()
    cells.feed(html)
    assert ["FN06", 'Debt <script>alert("x")</script> & more'] in [
        [t for t, _ in r[:2]] for r in cells.rows
    ]
    # a renamed file still names its dashboard and month, read from the workbook itself
    period = load_period(dashboard)
    assert message["Subject"] == f"Performance Dashboard – CED-DCED – {period}"


def load_period(dashboard: Path) -> str:
    ws = openpyxl.load_workbook(dashboard, read_only=True)["Guidance"]
    line = next(
        str(r[0]) for r in ws.iter_rows(values_only=True) if str(r[0]).startswith("Results")
    )
    month, year = line.removeprefix("Results up to ").split()
    return f"{month[:3]}-{year[2:]}"


# --- TLS and login ----------------------------------------------------------------------------


def test_starttls_with_login_from_the_register_settings(
    dashboard: Path, tmp_path: Path, authority: Authority, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    credentials = Credentials("kpixl-sender", "s3cret!")
    monkeypatch.setenv(PASSWORD_ENV, credentials.password)
    handler = Recorder()
    with smtp_server(
        handler, tls_context=authority.server_context, require_starttls=True,
        authenticator=credentials, auth_required=True,
    ) as port:  # fmt: skip
        register = mail_register(
            tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="starttls",
            smtp_user=credentials.user, smtp_ca_file=str(authority.ca_file),
        )  # fmt: skip
        code, out, err = kpixl(capsys, "email", dashboard, "--register", register)
    assert (code, err) == (0, "")
    (received,) = handler.messages
    assert credentials.tried == [(credentials.user, credentials.password)]
    assert received.rcpt_tos == expected_recipients(register, dashboard)
    assert attachments(parse(received.content))[dashboard.name][1] == dashboard.read_bytes()
    assert out.startswith("sent 'Performance Dashboard – CED-DCED – ") and "250" in out


def test_implicit_tls(dashboard: Path, tmp_path: Path, authority: Authority) -> None:
    handler = Recorder()
    with smtp_server(handler, ssl_context=authority.server_context) as port:
        smtp = SmtpSettings("127.0.0.1", port, Security.SSL, ca_file=authority.ca_file)
        result = send_dashboard(dashboard, mail_register(tmp_path), to=["a@example.org"], smtp=smtp)
    assert result.sent and [m.rcpt_tos for m in handler.messages] == [["a@example.org"]]


def test_an_untrusted_certificate_is_one_line_and_nothing_is_sent(
    dashboard: Path, tmp_path: Path, authority: Authority, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Recorder()
    with smtp_server(handler, tls_context=authority.server_context) as port:
        register = mail_register(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        code, out, err = kpixl(capsys, "email", dashboard, "-r", register)
    assert code == 2 and out == "" and handler.messages == []
    assert err.count("\n") == 1 and "certificate of 127.0.0.1" in err and "not trusted" in err


def test_a_refused_login_is_exit_2_and_not_retried(
    dashboard: Path, tmp_path: Path, authority: Authority, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    credentials = Credentials("kpixl-sender", "right")
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    handler = Recorder()
    with smtp_server(
        handler, tls_context=authority.server_context, require_starttls=True,
        authenticator=credentials, auth_required=True,
    ) as port:  # fmt: skip
        register = mail_register(
            tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_user=credentials.user,
            smtp_ca_file=str(authority.ca_file),
        )  # fmt: skip
        code, out, err = kpixl(capsys, "email", dashboard, "-r", register)
    assert code == 2 and out == "" and handler.messages == []
    assert err.count("\n") == 1
    assert "refused the user name or password of 'kpixl-sender' (535" in err
    assert "wrong" not in err  # the password is never shown
    assert {login for login, _ in credentials.tried} == {"kpixl-sender"}
    assert "MAIL" not in handler.commands


def test_the_password_is_never_sent_unencrypted(dashboard: Path, tmp_path: Path) -> None:
    handler = Recorder()
    with smtp_server(handler) as port:
        smtp = SmtpSettings("127.0.0.1", port, Security.NONE, user="someone")
        with pytest.raises(MailError, match="will not send the password of 'someone'"):
            send_dashboard(dashboard, mail_register(tmp_path), smtp=smtp)
    assert handler.commands == []


def test_a_user_without_a_password_is_told_where_to_put_it(dashboard: Path, tmp_path: Path) -> None:
    smtp = SmtpSettings("127.0.0.1", free_port(), Security.STARTTLS, user="someone")
    with pytest.raises(MailError, match=f"no password for 'someone': set .*{PASSWORD_ENV}"):
        send_dashboard(dashboard, mail_register(tmp_path), smtp=smtp)


def test_the_password_comes_from_the_environment_before_the_keyring(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = {("kpixl-smtp", "someone"): "from-keyring"}
    fake = types.SimpleNamespace(get_password=lambda service, user: stored.get((service, user)))
    monkeypatch.setitem(sys.modules, "keyring", fake)
    assert smtp_password("someone") == "from-keyring"
    assert smtp_password("nobody") is None
    monkeypatch.setenv(PASSWORD_ENV, "from-env")
    assert smtp_password("someone") == "from-env"


# --- transient and permanent failures ---------------------------------------------------------


def test_421_and_451_are_retried_after_the_delays_then_sent_once(
    dashboard: Path, tmp_path: Path
) -> None:
    handler = Recorder(faults={
        "MAIL": ["421 4.3.2 Service not available, try later"],
        "RCPT": ["451 4.3.0 Temporary lookup failure"],
    })  # fmt: skip
    waited: list[float] = []
    with smtp_server(handler) as port:
        smtp = SmtpSettings("127.0.0.1", port, Security.NONE, retry_delays=(0.5, 1.5, 4.0))
        result = send_dashboard(dashboard, mail_register(tmp_path), smtp=smtp, sleep=waited.append)
    assert waited == [0.5, 1.5]
    assert result.sent and result.attempts == 3
    assert len(handler.messages) == 1


def test_a_server_that_stays_down_is_not_reported_as_sent(dashboard: Path, tmp_path: Path) -> None:
    waited: list[float] = []
    smtp = SmtpSettings("127.0.0.1", free_port(), Security.NONE, timeout=5, retry_delays=FAST)
    with pytest.raises(MailError) as caught:
        send_dashboard(dashboard, mail_register(tmp_path), smtp=smtp, sleep=waited.append)
    assert waited == list(FAST)
    assert str(caught.value).startswith("not sent: 127.0.0.1:") and "3 time(s)" in str(caught.value)


def test_a_451_on_every_try_gives_up(dashboard: Path, tmp_path: Path) -> None:
    handler = Recorder(faults={"DATA": ["451 4.7.1 Greylisted"] * 3})
    with smtp_server(handler) as port:
        smtp = SmtpSettings("127.0.0.1", port, Security.NONE, retry_delays=FAST)
        with pytest.raises(MailError, match=r"451 4\.7\.1 Greylisted"):
            send_dashboard(dashboard, mail_register(tmp_path), smtp=smtp, sleep=lambda s: None)
    assert handler.messages == [] and handler.commands.count("DATA") == 3


def test_one_refused_recipient_stops_the_message_for_everyone(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Recorder(refuse={"ben.watts@example.org": "550 5.1.1 No such user"})
    with smtp_server(handler) as port:
        register = mail_register(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        code, out, err = kpixl(capsys, "email", dashboard, "-r", register, "--security", "none")
    assert code == 2 and out == "" and handler.messages == []
    assert err.count("\n") == 1
    assert "not sent to anyone" in err and "ben.watts@example.org (550 5.1.1 No such user)" in err
    assert "DATA" not in handler.commands


def test_attachments_over_the_limit_are_refused_before_connecting(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Recorder()
    with smtp_server(handler) as port:
        register = mail_register(
            tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
            mail_max_size_mb=0.01,
        )  # fmt: skip
        code, _, err = kpixl(capsys, "email", dashboard, "-r", register)
        assert code == 2 and "over the 0.01 MB limit" in err and err.count("\n") == 1
        code, _, err = kpixl(capsys, "email", dashboard, "-r", register, "--max-size-mb", "0.02")
        assert code == 2 and "over the 0.02 MB limit" in err
        code, _, err = kpixl(capsys, "email", dashboard, "-r", register, "--max-size-mb", "5")
        assert (code, err) == (0, "")
    assert handler.commands.count("DATA") == 1 and len(handler.messages) == 1


# --- drafts, dry runs and bad input -----------------------------------------------------------


def test_eml_draft_opens_as_unsent_with_the_same_content(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    draft = tmp_path / "draft.eml"
    register = mail_register(tmp_path)
    code, out, err = kpixl(
        capsys, "email", dashboard, "-r", register, "--eml", draft, "--to", "a@example.org; b@example.org",
        "--cc", "Chief Exec <ce@example.org>", "--bcc", "A@EXAMPLE.ORG", "--bcc", "audit@example.org",
    )  # fmt: skip
    assert (code, err) == (0, "") and out.startswith(f"wrote {draft}")
    message = parse(draft.read_bytes())
    assert message["X-Unsent"] == "1"
    assert [a.addr_spec for a in message["To"].addresses] == ["a@example.org", "b@example.org"]
    assert str(message["Cc"]) == "Chief Exec <ce@example.org>"
    assert str(message["Bcc"]) == "audit@example.org"  # A@EXAMPLE.ORG is already in To
    assert str(message["From"]) == SENDER
    assert attachments(message)[dashboard.name] == (XLSX, dashboard.read_bytes())
    assert "Latest RAG" in html_of(message) and "Latest RAG" in text_of(message)


def test_dry_run_prints_recipients_subject_and_sizes_and_sends_nothing(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = Recorder()
    with smtp_server(handler) as port:
        register = mail_register(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        code, out, err = kpixl(capsys, "email", dashboard, "-r", register, "--dry-run")
    assert (code, err) == (0, "") and handler.commands == []
    lines = out.splitlines()
    assert lines[0] == "dry run: nothing sent"
    assert f"To: {', '.join(expected_recipients(register, dashboard))}" in lines
    assert any(line.startswith("Subject: Performance Dashboard – CED-DCED – ") for line in lines)
    size_kb = f"{dashboard.stat().st_size / 1024:.1f} KB"
    assert f"Attachment: {dashboard.name} ({size_kb})" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "not an address"], "'not an address' (--to) is not an e-mail address"),
        (["--security", "none"], "no mail server: set smtp_host"),
        (["--smtp-host", "127.0.0.1", "--from", ""], "no sender: set mail_from"),
    ],
)
def test_bad_requests_are_one_line(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:  # fmt: skip
    register = mail_register(tmp_path)
    code, out, err = kpixl(capsys, "email", dashboard, "-r", register, *args)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err


def test_a_draft_never_overwrites_the_dashboard(dashboard: Path, tmp_path: Path) -> None:
    book = tmp_path / dashboard.name
    shutil.copy(dashboard, book)
    with pytest.raises(UsageError, match="is the file being mailed"):
        send_dashboard(book, mail_register(tmp_path), eml=book)
    assert book.read_bytes() == dashboard.read_bytes()


def test_not_a_dashboard(capsys: pytest.CaptureFixture[str]) -> None:
    register = ROOT / "samples/register.xlsx"
    code, _, err = kpixl(capsys, "email", register, "-r", register, "--dry-run")
    assert code == 2 and "register.xlsx is not a kpixl dashboard" in err


def test_nobody_to_send_to(dashboard: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(ROOT / "samples/register.xlsx")
    areas = wb["Service areas"]
    column = [c.value for c in areas[1]].index("recipients") + 1
    for row in range(2, areas.max_row + 1):
        areas.cell(row, column).value = None
    wb.save(tmp_path / "register.xlsx")
    with pytest.raises(UsageError, match="nobody to send it to"):
        send_dashboard(dashboard, tmp_path / "register.xlsx", dry_run=True)
    result = send_dashboard(
        dashboard, tmp_path / "register.xlsx", to=["x@example.org"], dry_run=True
    )
    assert result.envelope == ("x@example.org",)
    assert any("has no recipients in the register" in note for note in result.notes)


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = kpixl(capsys, "email", "--help")
    assert code == 0 and "--register" in out and "--eml" in out and "--dry-run" in out


def test_every_option_is_documented() -> None:
    from kpixl.cli.email import email as command

    docs = (ROOT / "docs/email.md").read_text(encoding="utf-8")
    options = [opt for param in command.params for opt in param.opts if opt.startswith("--")]
    assert options and [o for o in options if o not in docs] == []
