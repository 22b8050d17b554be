"""Real SMTP servers on 127.0.0.1 for the mail tests (aiosmtpd), and a test certificate authority."""

from __future__ import annotations

import base64
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as Server
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes


@dataclass
class Recorder:
    """Keeps every message the server accepted. `faults` holds replies to give instead of
    accepting, per command (`MAIL`, `RCPT`, `DATA`), used up one per command in turn;
    `refuse` maps an address to the reply its RCPT gets every time."""

    messages: list[Received] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    refuse: dict[str, str] = field(default_factory=dict)
    commands: list[str] = field(default_factory=list)

    def _fault(self, command: str) -> str | None:
        self.commands.append(command)
        pending = self.faults.get(command)
        return pending.pop(0) if pending else None

    async def handle_MAIL(
        self, server: Server, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        fault = self._fault("MAIL")
        if fault:
            return fault
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Server, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        fault = self._fault("RCPT") or self.refuse.get(address)
        if fault:
            return fault
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Server, session: Session, envelope: Envelope) -> str:
        fault = self._fault("DATA")
        if fault:
            return fault
        content = envelope.original_content or b""
        self.messages.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 2.0.0 queued as TEST1"


@dataclass
class Credentials:
    """An aiosmtpd authenticator accepting one user name and password; records every try."""

    user: str
    password: str
    tried: list[tuple[str, str]] = field(default_factory=list)

    def __call__(
        self, server: Server, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        self.tried.append((login, password))
        return AuthResult(success=(login, password) == (self.user, self.password), handled=False)


@dataclass
class OAuthRecorder(Recorder):
    """A Recorder whose server offers AUTH XOAUTH2 and takes one user's one bearer token."""

    user: str = ""
    token: str = ""
    tried: list[str] = field(default_factory=list)  # each decoded initial response

    async def auth_XOAUTH2(self, server: Server, args: list[str]) -> AuthResult:
        response = base64.b64decode(args[1]).decode() if len(args) > 1 else ""
        self.tried.append(response)
        expected = f"user={self.user}\x01auth=Bearer {self.token}\x01\x01"
        return AuthResult(success=response == expected, handled=False)


class _BoundController(Controller):
    """A Controller listening on a socket bound beforehand to an ephemeral port."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        port = self._sock.getsockname()[1]
        super().__init__(
            handler, hostname="127.0.0.1", port=port, server_hostname="localhost",
            ready_timeout=10.0, **kwargs,
        )  # fmt: skip

    def _create_server(self) -> Any:
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


@contextmanager
def smtp_server(handler: Recorder, **kwargs: Any) -> Iterator[int]:
    """Run an aiosmtpd server for the block; yield its port."""
    controller = _BoundController(handler, **kwargs)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@dataclass(frozen=True)
class Authority:
    """A certificate authority made for the test, and a server context with its certificate
    for 127.0.0.1 and localhost."""

    ca_file: Path
    server_context: ssl.SSLContext


def make_authority(folder: Path) -> Authority:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = folder / "test-ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Authority(ca_file, context)


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
