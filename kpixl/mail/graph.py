"""Send through Microsoft Graph with a token from MSAL: no mail password anywhere.

An app registered in the council's tenant with the `Mail.Send` application permission (and
`Mail.ReadWrite` for attachments over 3 MB) signs in with a certificate or a secret from the
environment/keyring (the scheduled batch); without either, a person signs in with a device code.
Small messages go in one `sendMail`; larger ones as a draft whose attachments are uploaded in an
upload session, then sent. 429 and 503/504 are retried after the `Retry-After` Graph gives.
"""

from __future__ import annotations

import base64
import importlib
import os
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from kpixl.errors import MailError, UsageError

SECRET_ENV = "KPIXL_GRAPH_CLIENT_SECRET"
KEYRING_SERVICE = "kpixl-graph"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
DEFAULT_ENDPOINT = "https://graph.microsoft.com"
# Microsoft's public and national-cloud sign-in hosts: MSAL may ask them about an authority
_MICROSOFT_HOSTS = ("login.microsoftonline.com", "login.microsoftonline.us",
                    "login.partner.microsoftonline.cn", "login.microsoftonline.de")  # fmt: skip
SMALL_LIMIT = 3 * 1024 * 1024  # Graph: attachments over 3 MB need an upload session
CHUNK = 320 * 1024 * 10  # upload pieces must be multiples of 320 KiB, each under 60 MiB
RETRY_STATUSES = (429, 503, 504)
TIMEOUT = 60.0


@dataclass(frozen=True)
class GraphSettings:
    """Who sends, as whom, and where; the secret is never here (see `client_secret`)."""

    tenant: str
    client_id: str
    mailbox: str  # the mailbox it sends as (user id or address)
    authority: str = DEFAULT_AUTHORITY
    endpoint: str = DEFAULT_ENDPOINT
    cert: Path | None = None  # PEM with the private key and the certificate
    retry_delays: tuple[float, ...] = (2.0, 10.0, 30.0)  # when Graph gives no Retry-After
    timeout: float = TIMEOUT

    @property
    def where(self) -> str:
        return f"{urlsplit(self.endpoint).netloc} as {self.mailbox}"

    def check(self) -> None:
        missing = [n for n in ("tenant", "client_id", "mailbox") if not getattr(self, n)]
        if missing:
            names = ", ".join(f"--graph-{n.replace('_', '-')} (setting graph_{n})" for n in missing)
            raise UsageError(f"--via graph needs {names}: ask IT for the app registration's values")


@dataclass(frozen=True)
class GraphMail:
    """The message in Graph's terms."""

    subject: str
    html: str
    to: Sequence[tuple[str, str]]  # (name, address)
    cc: Sequence[tuple[str, str]] = ()
    bcc: Sequence[tuple[str, str]] = ()
    attachments: Sequence[tuple[str, str, bytes]] = field(default=())  # name, type, bytes


def client_secret(client_id: str) -> str | None:
    """From `KPIXL_GRAPH_CLIENT_SECRET`, else the OS keyring (service `kpixl-graph`, the
    client id as account) if `keyring` is installed; never from a flag or a file."""
    found = os.environ.get(SECRET_ENV)
    if found:
        return found
    try:
        stored = importlib.import_module("keyring").get_password(KEYRING_SERVICE, client_id)
    except Exception:  # not installed, or no keyring backend here
        return None
    return stored if isinstance(stored, str) and stored else None


def access_token(
    settings: GraphSettings, say: Callable[[str], None] = print, *, smtp_host: str = ""
) -> str:
    """A token for Graph (or, given `smtp_host`, for SMTP AUTH XOAUTH2 at that Exchange host):
    the app's own (certificate or secret) or, without either, the signed-in person's through a
    device code that `say` shows."""
    msal = _msal()
    authority = f"{settings.authority.rstrip('/')}/{settings.tenant}"
    # instance discovery asks Microsoft's host about the authority: not for anyone else's
    discovery = urlsplit(settings.authority).hostname in _MICROSOFT_HOSTS
    resource = f"https://{smtp_host}" if smtp_host else settings.endpoint.rstrip("/")
    scopes = [f"{resource}/.default"]
    person = [f"{resource}/SMTP.Send"] if smtp_host else ["Mail.Send", "Mail.ReadWrite"]
    credential = _credential(settings)
    try:
        if credential is not None:
            app = msal.ConfidentialClientApplication(
                settings.client_id, authority=authority, client_credential=credential,
                instance_discovery=discovery, timeout=settings.timeout,
                http_client=http_session(),
            )  # fmt: skip
            result = app.acquire_token_for_client(scopes=scopes)
        else:
            result = _device_code(msal, settings, authority, discovery, say, person)
    except ValueError as exc:  # MSAL's word for an authority it cannot use
        raise MailError(f"not sent: sign-in at {authority} failed: {exc}") from None
    except OSError as exc:  # requests' errors are OSErrors: refused, reset, bad certificate
        raise MailError(f"not sent: cannot reach {authority}: {_reason(exc)}") from None
    if "access_token" not in result:
        raise MailError(
            f"not sent: {authority} gave no token ({result.get('error', 'no answer')}: "
            f"{_first_line(result.get('error_description', ''))}): check --graph-client-id, "
            f"the secret in {SECRET_ENV} or the certificate, and that the admin granted consent"
        )
    return str(result["access_token"])


def _device_code(
    msal: Any, settings: GraphSettings, authority: str, discovery: bool,
    say: Callable[[str], None], scopes: list[str],
) -> dict[str, Any]:  # fmt: skip
    app = msal.PublicClientApplication(
        settings.client_id, authority=authority, instance_discovery=discovery,
        token_cache=_token_cache(), timeout=settings.timeout, http_client=http_session(),
    )  # fmt: skip
    for account in app.get_accounts():
        cached = app.acquire_token_silent(scopes, account=account)
        if cached and "access_token" in cached:
            return dict(cached)
    flow = app.initiate_device_flow(scopes=scopes)
    if "user_code" not in flow:
        return dict(flow)
    say(str(flow["message"]))
    return dict(app.acquire_token_by_device_flow(flow))


def _token_cache() -> Any:
    """MSAL's token cache, encrypted for this user (DPAPI, Keychain or libsecret), when
    msal-extensions can do so here; otherwise none is kept and each run signs in again."""
    try:
        extensions = importlib.import_module("msal_extensions")
        where = Path.home() / ".kpixl" / "msal_token_cache.bin"
        where.parent.mkdir(parents=True, exist_ok=True)
        persistence = extensions.build_encrypted_persistence(str(where))
        return extensions.PersistedTokenCache(persistence)
    except Exception:  # no encryption available on this machine: keep nothing
        return None


def _credential(settings: GraphSettings) -> str | dict[str, str] | None:
    if settings.cert is not None:
        return _certificate(settings.cert)
    return client_secret(settings.client_id)


def _certificate(pem: Path) -> dict[str, str]:
    """MSAL's certificate credential: the private key and the certificate's SHA-1 thumbprint."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    try:
        text = pem.read_text(encoding="ascii")
        certificate = x509.load_pem_x509_certificate(text.encode("ascii"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"--graph-cert {pem}: not a PEM file with the certificate and its private key ({exc})"
        ) from None
    if "PRIVATE KEY-----" not in text:
        raise UsageError(f"--graph-cert {pem}: the private key is missing from the PEM file")
    thumbprint = certificate.fingerprint(hashes.SHA1()).hex()  # Entra ID names a certificate so
    return {"private_key": text, "thumbprint": thumbprint, "public_certificate": text}


def http_session() -> Any:
    """A requests session that trusts what the PC trusts: the bundle REQUESTS_CA_BUNDLE names
    when set (requests reads it), else the operating system's certificate store through
    truststore (Windows' own store, where IT puts the CA of its TLS inspection; on Linux
    OpenSSL's, which SSL_CERT_FILE can name). Verification is never switched off."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    if os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE"):
        return session
    try:
        truststore = importlib.import_module("truststore")
    except ImportError:  # requests' own bundle (certifi) then
        return session

    class SystemStore(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            super().init_poolmanager(*args, **kwargs)

    session.mount("https://", SystemStore())
    return session


def _msal() -> Any:
    try:
        return importlib.import_module("msal")
    except ImportError:
        raise UsageError("--via graph needs MSAL: pip install 'kpixl[graph]'") from None


def _reason(exc: BaseException) -> str:
    return _first_line(str(exc)) or type(exc).__name__


def _first_line(text: object) -> str:
    return str(text).strip().splitlines()[0] if str(text).strip() else ""


def recipients(entries: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"emailAddress": {"address": a, **({"name": n} if n else {})}} for n, a in entries]


def message_json(mail: GraphMail, inline: bool) -> dict[str, Any]:
    """Graph's message resource; attachments inline (base64) only for a small message."""
    message: dict[str, Any] = {
        "subject": mail.subject,
        "body": {"contentType": "HTML", "content": mail.html},
        "toRecipients": recipients(mail.to),
        "ccRecipients": recipients(mail.cc),
        "bccRecipients": recipients(mail.bcc),
    }
    if inline:
        message["attachments"] = [
            {"@odata.type": "#microsoft.graph.fileAttachment", "name": name,
             "contentType": kind, "contentBytes": base64.b64encode(data).decode("ascii")}
            for name, kind, data in mail.attachments
        ]  # fmt: skip
    return message


def user_path(settings: GraphSettings) -> str:
    return f"{settings.endpoint.rstrip('/')}/v1.0/users/{quote(settings.mailbox, safe='@')}"


def is_small(mail: GraphMail) -> bool:
    return sum(len(data) for _, _, data in mail.attachments) <= SMALL_LIMIT


def sys_say(text: str) -> None:
    """Where a device-code prompt goes from the command line: stderr, so stdout stays clean."""
    sys.stderr.write(text + "\n")


@dataclass(frozen=True)
class GraphDelivery:
    """Graph's answer to the last request, and how many requests were retried."""

    reply: str
    retries: int


def send_graph(
    mail: GraphMail, settings: GraphSettings, token: str, *,
    sleep: Callable[[float], None] = time.sleep,
) -> GraphDelivery:  # fmt: skip
    """Send `mail` as `settings.mailbox`: one sendMail, or a draft with uploaded attachments."""
    client = _Client(http_session(), settings, sleep)
    client.session.headers["Authorization"] = f"Bearer {token}"
    user = user_path(settings)
    if is_small(mail):
        body = {"message": message_json(mail, inline=True), "saveToSentItems": True}
        reply = client.call("POST", f"{user}/sendMail", body)
        return GraphDelivery(f"{reply.status_code} {reply.reason}", client.retries)
    draft = client.call("POST", f"{user}/messages", message_json(mail, inline=False))
    message = f"{user}/messages/{quote(_field(draft, 'id', settings), safe='')}"
    for name, kind, data in mail.attachments:
        if len(data) <= SMALL_LIMIT:
            small = {"@odata.type": "#microsoft.graph.fileAttachment", "name": name,
                     "contentType": kind, "contentBytes": base64.b64encode(data).decode()}  # fmt: skip
            client.call("POST", f"{message}/attachments", small)
            continue
        item = {"attachmentType": "file", "name": name, "size": len(data), "contentType": kind}
        upload = client.call(
            "POST", f"{message}/attachments/createUploadSession", {"AttachmentItem": item}
        )
        client.upload(_field(upload, "uploadUrl", settings), data)
    reply = client.call("POST", f"{message}/send", None)
    return GraphDelivery(f"{reply.status_code} {reply.reason}", client.retries)


class _Client:
    """Graph requests with retries after 429/503/504, and every failure as one MailError."""

    def __init__(self, session: Any, settings: GraphSettings, sleep: Callable[[float], None]):
        self.session, self.settings, self.sleep = session, settings, sleep
        self.retries = 0

    def call(self, method: str, url: str, body: dict[str, Any] | None) -> Any:
        return self._send(lambda: self.session.request(
            method, url, json=body, timeout=self.settings.timeout
        ))  # fmt: skip

    def upload(self, url: str, data: bytes) -> None:
        """PUT the bytes in pieces to the upload URL, which carries its own authorisation
        (Graph refuses an Authorization header there)."""
        plain = http_session()
        for start in range(0, len(data), CHUNK):
            piece = data[start : start + CHUNK]
            end = start + len(piece) - 1
            headers = {"Content-Range": f"bytes {start}-{end}/{len(data)}"}
            self._send(lambda piece=piece, headers=headers: plain.put(  # type: ignore[misc]
                url, data=piece, headers=headers, timeout=self.settings.timeout
            ))  # fmt: skip

    def _send(self, request: Callable[[], Any]) -> Any:
        delays = self.settings.retry_delays
        for attempt in range(len(delays) + 1):
            try:
                response = request()
            except OSError as exc:
                raise MailError(
                    f"not sent: cannot reach {self.settings.where}: {_reason(exc)}"
                ) from None
            if response.status_code not in RETRY_STATUSES or attempt == len(delays):
                break
            self.retries += 1
            self.sleep(_retry_after(response, delays[attempt]))
        if response.status_code >= 400:
            raise MailError(_refusal(response, self.settings))
        return response


def _field(response: Any, key: str, settings: GraphSettings) -> str:
    """A value of Graph's JSON answer, or one line saying the answer was not what Graph gives."""
    try:
        value = response.json()[key]
    except (ValueError, KeyError, TypeError):
        raise MailError(
            f"not sent: {settings.where} answered {response.status_code} without '{key}': is "
            "--graph-endpoint (setting graph_endpoint) Microsoft Graph?"
        ) from None
    return str(value)


def _retry_after(response: Any, default: float) -> float:
    text = str(response.headers.get("Retry-After", "")).strip()
    return float(text) if text.isdigit() else default


def _refusal(response: Any, settings: GraphSettings) -> str:
    try:
        error = response.json().get("error", {})
        detail = f"{error.get('code', '')}: {_first_line(error.get('message', ''))}"
    except (ValueError, AttributeError):
        detail = _first_line(response.text) or response.reason
    status = response.status_code
    what = {
        401: "the token was refused: check the tenant and that the admin granted consent",
        403: f"the app may not send as {settings.mailbox}: the admin must grant Mail.Send "
        "(and Mail.ReadWrite for large attachments) and allow this mailbox in the "
        "application access policy",
        404: f"no mailbox {settings.mailbox}: check --graph-mailbox (setting graph_mailbox)",
        429: "Graph is still throttling after several tries: try again later",
    }.get(status, "see Graph's answer")
    return f"not sent: {settings.where} answered {status} ({detail}): {what}"
