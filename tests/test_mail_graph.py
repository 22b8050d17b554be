"""Mail through Microsoft Graph, for real: MSAL signs in against a local HTTPS server playing the
Microsoft identity platform, and the message goes to the same server playing Graph; the test
decodes what arrived (recipients, subject, body, attachment bytes)."""

from __future__ import annotations

import base64
import sys
from pathlib import Path
from typing import Any

import pytest

from kpixl.cli.main import main
from kpixl.errors import MailError
from kpixl.mail.graph import SECRET_ENV, GraphSettings
from kpixl.mail.routes import graph_settings, send_dashboard_graph
from kpixl.register.load import load_register
from tests.graph_server import CLIENT_ID, SECRET, TENANT, TOKEN, Graph, graph_server
from tests.smtp_servers import Authority, OAuthRecorder, make_authority, smtp_server
from tests.test_mail import dashboard, expected_recipients, mail_register, summary_rows

__all__ = ["dashboard"]  # the session fixture shared with tests/test_mail.py
MAILBOX = "performance@west-kent.gov.uk"


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Authority:
    return make_authority(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def graph(authority: Authority, monkeypatch: pytest.MonkeyPatch) -> Graph:
    """The server, trusted the way a council PC is told to: REQUESTS_CA_BUNDLE."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(authority.ca_file))
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setitem(sys.modules, "keyring", None)
    with graph_server(authority) as server:
        yield server


def settings_for(graph: Graph) -> GraphSettings:
    return GraphSettings(
        tenant=TENANT, client_id=CLIENT_ID, mailbox=MAILBOX, authority=graph.base,
        endpoint=graph.base,
    )  # fmt: skip


def _decoded(attachments: list[dict[str, str]]) -> dict[str, bytes]:
    return {a["name"]: base64.b64decode(a["contentBytes"]) for a in attachments}


def _addresses(people: list[dict[str, dict[str, str]]]) -> list[str]:
    return [p["emailAddress"]["address"] for p in people]


def test_a_dashboard_goes_through_graph_with_a_token_from_msal(
    graph: Graph, dashboard: Path, tmp_path: Path
) -> None:
    register = mail_register(tmp_path)
    slept: list[float] = []
    graph.throttle.append("7")  # Graph throttles the first try
    result = send_dashboard_graph(
        dashboard, register, graph=settings_for(graph), cc=["Chief Exec <ce@west-kent.gov.uk>"],
        sleep=slept.append,
    )  # fmt: skip
    assert result.sent and result.reply == "202 Accepted" and result.attempts == 2
    assert slept == [7.0]  # Retry-After honoured
    (token,) = graph.token_requests
    assert token["grant_type"] == ["client_credentials"]
    assert token["scope"] == [f"{graph.base}/.default"]
    assert f"GET /{TENANT}/v2.0/.well-known/openid-configuration" in graph.calls
    (sent,) = graph.sent  # the throttled try was not kept: one message
    message = sent["message"]
    assert sent["saveToSentItems"] is True
    assert _addresses(message["toRecipients"]) == expected_recipients(register, dashboard)
    assert message["ccRecipients"] == [
        {"emailAddress": {"address": "ce@west-kent.gov.uk", "name": "Chief Exec"}}
    ]
    assert message["subject"] == result.subject and "Mar-25" in message["subject"]
    assert message["body"]["contentType"] == "HTML"
    html = message["body"]["content"]
    assert all(
        ref in html and indicator in html for ref, indicator, _, _ in summary_rows(dashboard)
    )
    assert _decoded(message["attachments"]) == {dashboard.name: dashboard.read_bytes()}
    assert graph.calls[-1] == f"POST /v1.0/users/{MAILBOX}/sendMail"


def test_over_3_mb_goes_as_a_draft_with_an_upload_session(
    graph: Graph, dashboard: Path, tmp_path: Path
) -> None:
    book = tmp_path / dashboard.name
    book.write_bytes(dashboard.read_bytes())
    pdf = book.with_suffix(".pdf")  # the PDF beside the dashboard goes too
    pdf.write_bytes(bytes(range(256)) * (14 * 1024 + 7))  # 3.5 MB, not a multiple of a piece
    register = mail_register(tmp_path)
    result = send_dashboard_graph(book, register, graph=settings_for(graph), bcc=["x@y.org"])
    assert result.sent
    ((draft_id, draft),) = graph.drafts.items()
    assert "attachments" not in draft and _addresses(draft["bccRecipients"]) == ["x@y.org"]
    assert _decoded(graph.small[draft_id]) == {book.name: book.read_bytes()}
    (upload,) = graph.uploads.values()
    assert upload["item"] == {"attachmentType": "file", "name": pdf.name,
                              "size": pdf.stat().st_size, "contentType": "application/pdf"}  # fmt: skip
    assert upload["data"] == pdf.read_bytes()
    assert sum(c.startswith("PUT ") for c in graph.calls) == 2  # two pieces
    assert graph.sent_drafts == [draft_id] and not graph.sent


def test_a_wrong_secret_is_one_line_naming_the_fix(
    graph: Graph, dashboard: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong")
    with pytest.raises(MailError) as caught:
        send_dashboard_graph(dashboard, mail_register(tmp_path), graph=settings_for(graph))
    message = str(caught.value)
    assert "invalid_client" in message and "AADSTS7000215" in message and "\n" not in message
    assert SECRET_ENV in message and not graph.sent


def test_a_mailbox_the_app_may_not_use_says_what_the_admin_must_allow(
    graph: Graph, dashboard: Path, tmp_path: Path
) -> None:
    graph.forbid = True
    with pytest.raises(MailError, match=r"403 .*application access policy"):
        send_dashboard_graph(dashboard, mail_register(tmp_path), graph=settings_for(graph))


def test_an_untrusted_certificate_is_refused(
    graph: Graph, dashboard: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    with pytest.raises(MailError, match="not sent: cannot reach"):
        send_dashboard_graph(dashboard, mail_register(tmp_path), graph=settings_for(graph))
    assert not graph.token_requests


def test_the_pcs_own_trust_store_is_used_without_requests_bundle(
    graph: Graph, dashboard: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    authority: Authority,
) -> None:  # fmt: skip
    """Without REQUESTS_CA_BUNDLE, the operating system's store (truststore): here OpenSSL's,
    named by SSL_CERT_FILE, as IT's inspection CA would be in Windows' store."""
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)  # requests would read that one too
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.ca_file))
    assert send_dashboard_graph(dashboard, mail_register(tmp_path), graph=settings_for(graph)).sent


def test_the_register_names_the_graph_settings(tmp_path: Path) -> None:
    register = mail_register(
        tmp_path, mail_via="graph", graph_tenant=TENANT, graph_client_id=CLIENT_ID,
        graph_mailbox=MAILBOX, graph_authority="https://login.microsoftonline.us",
    )  # fmt: skip
    found = graph_settings(load_register(register).settings, mailbox="other@x.org")
    assert (found.tenant, found.client_id, found.mailbox) == (TENANT, CLIENT_ID, "other@x.org")
    assert found.authority == "https://login.microsoftonline.us"
    assert found.endpoint == "https://graph.microsoft.com"


def test_kpixl_email_via_graph(
    graph: Graph, dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = mail_register(tmp_path)
    code = main([
        "email", str(dashboard), "--register", str(register), "--via", "graph",
        "--graph-tenant", TENANT, "--graph-client-id", CLIENT_ID, "--graph-mailbox", MAILBOX,
        "--graph-authority", graph.base, "--graph-endpoint", graph.base,
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("sent '") and f"as {MAILBOX}" in out
    assert len(graph.sent) == 1


def test_kpixl_email_via_graph_without_a_tenant_is_one_line_and_exit_2(
    dashboard: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["email", str(dashboard), "--register", str(mail_register(tmp_path)),
                 "--via", "graph"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "--graph-tenant" in err


def test_batch_email_goes_through_graph_when_the_register_says_so(
    graph: Graph, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    register = mail_register(
        tmp_path, mail_via="graph", graph_tenant=TENANT, graph_client_id=CLIENT_ID,
        graph_mailbox=MAILBOX, graph_authority=graph.base, graph_endpoint=graph.base,
    )  # fmt: skip
    out = tmp_path / "out"
    samples = Path(__file__).resolve().parents[1] / "samples" / "returns"
    code = main(["batch", str(samples), "-r", str(register), "-o", str(out), "-j", "1", "--email"])
    stdout, err = capsys.readouterr()
    assert code in (0, 1), err  # built (1: the samples' own validation errors), and mailed
    (sent,) = graph.sent
    ((name, data),) = _decoded(sent["message"]["attachments"]).items()
    assert data == (out / name).read_bytes()
    assert f"mailed {name} to {len(sent['message']['toRecipients'])} recipients" in stdout
    assert _addresses(sent["message"]["toRecipients"]) == expected_recipients(register, out / name)


def test_smtp_xoauth2_with_a_token_from_msal(
    graph: Graph, authority: Authority, dashboard: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """SMTP AUTH XOAUTH2, as Exchange Online takes it without a password: the token comes from
    MSAL (the app's secret), the server checks the SASL response it is given."""
    handler = OAuthRecorder(user=MAILBOX, token=TOKEN)
    with smtp_server(
        handler, tls_context=authority.server_context, require_starttls=True, auth_required=True,
    ) as port:  # fmt: skip
        register = mail_register(
            tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="starttls",
            smtp_user=MAILBOX, smtp_ca_file=str(authority.ca_file), smtp_auth="xoauth2",
            graph_tenant=TENANT, graph_client_id=CLIENT_ID, graph_authority=graph.base,
        )  # fmt: skip
        code = main(["email", str(dashboard), "--register", str(register)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert handler.tried == [f"user={MAILBOX}\x01auth=Bearer {TOKEN}\x01\x01"]
    (received,) = handler.messages
    assert received.rcpt_tos == expected_recipients(register, dashboard)
    (token,) = graph.token_requests
    assert token["scope"] == ["https://127.0.0.1/.default"]
    assert out.startswith("sent '")


def test_smtp_xoauth2_refused_says_what_the_admin_must_allow(
    graph: Graph, authority: Authority, dashboard: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    handler = OAuthRecorder(user=MAILBOX, token="another token")
    with smtp_server(
        handler, tls_context=authority.server_context, require_starttls=True, auth_required=True,
    ) as port:  # fmt: skip
        register = mail_register(
            tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_user=MAILBOX,
            smtp_ca_file=str(authority.ca_file), graph_tenant=TENANT, graph_client_id=CLIENT_ID,
            graph_authority=graph.base,
        )  # fmt: skip
        code = main(
            ["email", str(dashboard), "--register", str(register), "--smtp-auth", "xoauth2"]
        )
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "refused the OAuth token" in err and "SMTP.SendAsApp" in err
    assert not handler.messages


def _app_certificate(folder: Path) -> tuple[Path, Any]:
    """The app's self-signed certificate and RSA key in one PEM, as `--graph-cert` takes it."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kpixl batch")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = folder / "kpixl-app.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
        + certificate.public_bytes(serialization.Encoding.PEM)
    )  # fmt: skip
    return pem, certificate


def test_a_certificate_signs_in_with_no_secret_anywhere(
    graph: Graph, dashboard: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.delenv(SECRET_ENV)
    pem, graph.certificate = _app_certificate(tmp_path)
    code = main([
        "email", str(dashboard), "--register", str(mail_register(tmp_path)), "--via", "graph",
        "--graph-tenant", TENANT, "--graph-client-id", CLIENT_ID, "--graph-mailbox", MAILBOX,
        "--graph-authority", graph.base, "--graph-endpoint", graph.base, "--graph-cert", str(pem),
    ])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    (claims,) = graph.assertions  # verified against the certificate's public key
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    (token,) = graph.token_requests
    assert "client_secret" not in token
    assert token["client_assertion_type"] == [
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    ]
    assert len(graph.sent) == 1


def test_without_secret_or_certificate_a_person_signs_in_with_a_device_code(
    graph: Graph, dashboard: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # where the token cache would be kept
    shown: list[str] = []
    result = send_dashboard_graph(
        dashboard, mail_register(tmp_path), graph=settings_for(graph), say=shown.append
    )
    assert result.sent
    (message,) = shown
    assert "https://microsoft.com/devicelogin" in message and "KPX7QFDL" in message
    (asked,) = graph.device_codes
    assert set(asked["scope"][0].split()) >= {"Mail.Send", "Mail.ReadWrite"}
    grants = [t["grant_type"][0] for t in graph.token_requests]
    assert grants == ["urn:ietf:params:oauth:grant-type:device_code"] * 2  # pending, then token
