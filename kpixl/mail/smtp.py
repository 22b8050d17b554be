"""Hand a message to an SMTP server: TLS, login, all recipients or none, retries with back-off."""

from __future__ import annotations

import contextlib
import importlib
import os
import smtplib
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kpixl.errors import MailError, UsageError

PASSWORD_ENV = "KPIXL_SMTP_PASSWORD"
KEYRING_SERVICE = "kpixl-smtp"
RETRY_DELAYS = (2.0, 10.0, 30.0)  # seconds before the 2nd, 3rd and 4th attempt
TIMEOUT = 30.0


class Security(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"

    @classmethod
    def parse(cls, text: str, where: str) -> Security | None:
        """None for blank; UsageError for anything but none/starttls/ssl."""
        value = text.strip().lower()
        if not value:
            return None
        for member in cls:
            if member.value == value:
                return member
        raise UsageError(f"{where} '{text}' is not one of: none, starttls, ssl")


DEFAULT_PORTS = {Security.NONE: 25, Security.STARTTLS: 587, Security.SSL: 465}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send; the password is never here (see `smtp_password`)."""

    host: str
    port: int = 0  # 0: the usual port for `security`
    security: Security = Security.STARTTLS
    user: str = ""  # blank: no login
    timeout: float = TIMEOUT
    ca_file: Path | None = None  # extra CA certificates (PEM) to trust, e.g. an internal CA
    retry_delays: tuple[float, ...] = RETRY_DELAYS
    token: str | None = None  # an OAuth access token for `user` (XOAUTH2), got just before sending

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.security]

    @property
    def where(self) -> str:
        return f"{self.host}:{self.effective_port}"


@dataclass(frozen=True)
class Delivery:
    """The server's answer to the message it accepted, and how many attempts it took."""

    reply: str
    attempts: int


class _Transient(Exception):
    """A failure worth trying again: the server or the network may be fine in a moment."""


def smtp_password(user: str) -> str | None:
    """From the environment (`KPIXL_SMTP_PASSWORD`), else the OS keyring if `keyring` is
    installed (service `kpixl-smtp`, the user name as account); never from a flag or a file."""
    found = os.environ.get(PASSWORD_ENV)
    if found:
        return found
    try:
        keyring = importlib.import_module("keyring")
        stored = keyring.get_password(KEYRING_SERVICE, user)
    except Exception:  # not installed, or no keyring backend on this machine
        return None
    return stored if isinstance(stored, str) and stored else None


def deliver(
    message: bytes,
    sender: str,
    recipients: Sequence[str],
    smtp: SmtpSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """Send `message` to every recipient or to none; retry transient failures after the
    settings' delays; raise MailError for anything else, or once the attempts run out."""
    password = _password(smtp)
    attempts = len(smtp.retry_delays) + 1
    for attempt in range(1, attempts + 1):
        try:
            return Delivery(_attempt(message, sender, recipients, smtp, password), attempt)
        except _Transient as exc:
            if attempt == attempts:
                raise MailError(
                    f"not sent: {smtp.where} failed {attempts} time(s), the last time with "
                    f"{exc}; try again later or ask IT whether the mail server is up"
                ) from None
            sleep(smtp.retry_delays[attempt - 1])
    raise AssertionError("unreachable")  # pragma: no cover


def _password(smtp: SmtpSettings) -> str | None:
    if not smtp.user:
        return None
    if smtp.security is Security.NONE:
        what = "token" if smtp.token else "password"
        raise MailError(
            f"not sent: kpixl will not send the {what} of '{smtp.user}' over an unencrypted "
            "connection: set smtp_security to starttls or ssl (or --security)"
        )
    if smtp.token:
        return None
    password = smtp_password(smtp.user)
    if password is None:
        raise MailError(
            f"not sent: no password for '{smtp.user}': set the environment variable "
            f"{PASSWORD_ENV}, or store it with `keyring set {KEYRING_SERVICE} {smtp.user}`"
        )
    return password


def _attempt(
    message: bytes, sender: str, recipients: Sequence[str], smtp: SmtpSettings, password: str | None
) -> str:
    try:
        conn = _connect(smtp)
    except Exception as exc:
        raise _classify(exc, smtp) from None
    try:
        return _transaction(conn, message, sender, recipients, smtp, password)
    except (MailError, _Transient):
        raise
    except Exception as exc:
        raise _classify(exc, smtp) from None
    finally:
        conn.close()


def _tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if smtp.ca_file is not None:
        context.load_verify_locations(cafile=str(smtp.ca_file))
    return context


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    if smtp.security is Security.SSL:
        conn: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.effective_port, timeout=smtp.timeout, context=_tls_context(smtp)
        )
    else:
        conn = smtplib.SMTP(smtp.host, smtp.effective_port, timeout=smtp.timeout)
    try:
        conn.ehlo_or_helo_if_needed()
        if smtp.security is Security.STARTTLS:
            if not conn.has_extn("starttls"):
                raise MailError(
                    f"not sent: {smtp.where} does not offer STARTTLS: set smtp_security to ssl "
                    "or none as IT advises"
                )
            conn.starttls(context=_tls_context(smtp))
            conn.ehlo()
    except BaseException:
        conn.close()
        raise
    return conn


def _transaction(
    conn: smtplib.SMTP,
    message: bytes,
    sender: str,
    recipients: Sequence[str],
    smtp: SmtpSettings,
    password: str | None,
) -> str:
    """Log in, name the sender and every recipient, and only then send the message: a refused
    recipient stops the whole message, so nobody gets it twice when it is sent again."""
    if password is not None:
        conn.login(smtp.user, password)
    elif smtp.token and smtp.user:
        conn.auth("XOAUTH2", lambda challenge=None: xoauth2(smtp.user, str(smtp.token)))
    options = [f"size={len(message)}"] if conn.has_extn("size") else []
    _expect(conn.mail(sender, options), f"the sender '{sender}'")
    refused = {}
    for address in recipients:
        code, text = conn.rcpt(address)
        if code not in (250, 251):
            refused[address] = (code, _text(text))
    if refused:
        _reset(conn)
        listed = "; ".join(f"{a} ({c} {t})" for a, (c, t) in refused.items())
        if all(400 <= c < 500 for c, _ in refused.values()):
            raise _Transient(f"recipients deferred: {listed}")
        raise MailError(
            f"not sent to anyone: {smtp.where} refused {len(refused)} recipient(s): {listed}; "
            "correct the address in the register's Service areas sheet (or --to/--cc/--bcc)"
        )
    code, text = conn.data(message)
    _expect((code, text), "the message")
    with contextlib.suppress(smtplib.SMTPException, OSError):
        conn.quit()  # the message was accepted; a lost goodbye does not undo that
    return f"{code} {_text(text)}"


def xoauth2(user: str, token: str) -> str:
    """The XOAUTH2 initial response (before base64): Google's and Microsoft's SASL form."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


def _expect(reply: tuple[int, bytes], what: str) -> None:
    code, text = reply
    if code in (250, 251):
        return
    if 400 <= code < 500:
        raise _Transient(f"{code} {_text(text)}")
    raise MailError(f"not sent: the server refused {what}: {code} {_text(text)}")


def _reset(conn: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        conn.rset()


def _text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())


def _classify(exc: Exception, smtp: SmtpSettings) -> Exception:
    """A transient failure to retry, or the MailError a user reads."""
    if isinstance(exc, MailError | _Transient):
        return exc
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return _Transient(f"the connection closed ({exc})")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return MailError(
            f"not sent: {smtp.where} does not offer a login ({exc}): leave smtp_user blank, "
            "or ask IT which port and security take a login"
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if 400 <= exc.smtp_code < 500:
            return _Transient(reply)
        if isinstance(exc, smtplib.SMTPAuthenticationError) and smtp.token:
            return MailError(
                f"not sent: {smtp.where} refused the OAuth token of '{smtp.user}' ({reply}): "
                "the admin must allow SMTP AUTH for that mailbox and give the app SMTP.SendAsApp "
                "and a mailbox permission (see docs/email.md)"
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return MailError(
                f"not sent: {smtp.where} refused the user name or password of '{smtp.user}' "
                f"({reply}): check smtp_user and the password in {PASSWORD_ENV} or the keyring"
            )
        return MailError(f"not sent: {smtp.where} answered {reply}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(
            f"not sent: the certificate of {smtp.where} is not trusted ({exc.verify_message}): "
            "ask IT for the right server name, or for its CA certificate (setting smtp_ca_file)"
        )
    if isinstance(exc, socket.gaierror):
        return MailError(f"not sent: no mail server called '{smtp.host}': check smtp_host")
    if isinstance(exc, ssl.SSLError | smtplib.SMTPException):
        return MailError(f"not sent: {smtp.where}: {exc}")
    if isinstance(exc, OSError):  # refused, reset, timed out, network unreachable
        return _Transient(f"{type(exc).__name__}: {exc.strerror or exc}")
    return exc
