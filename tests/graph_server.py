"""A local HTTPS server playing the Microsoft identity platform (OpenID configuration and the
v2.0 token endpoint, enough for MSAL itself to run) and Microsoft Graph's mail calls (sendMail,
draft messages, attachments, createUploadSession and the upload URL, send), in the request and
response shapes Microsoft documents. Everything it is sent is kept for the test to decode."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.smtp_servers import Authority

TENANT = "west-kent-council"
CLIENT_ID = "6731de76-14a6-49ae-97bc-6eba6914391e"
SECRET = "s3cret~value"
TOKEN = "eyJ0eXAiOiJKV1Qi.test-token"


@dataclass
class Graph:
    """What arrived, and the faults to give: `throttle` answers the next sendMail/send with 429
    and this Retry-After; `forbid` answers Graph calls with 403 (mailbox not allowed)."""

    base: str = ""
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)  # sendMail bodies
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    small: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> item, bytes
    sent_drafts: list[str] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    throttle: list[str] = field(default_factory=list)
    forbid: bool = False
    certificate: Any = None  # the app's certificate (cryptography), for client assertions
    assertions: list[dict[str, Any]] = field(default_factory=list)  # their verified claims
    pending: int = 1  # device-code polls answered "authorization_pending" before the token
    device_codes: list[dict[str, list[str]]] = field(default_factory=list)


class _Handler(BaseHTTPRequestHandler):
    graph: Graph

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.graph.calls.append(f"GET {path}")
        if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            root = f"{self.graph.base}/{TENANT}"
            self._reply(200, {
                "issuer": f"{root}/v2.0",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "token_endpoint": f"{root}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{root}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
            })  # fmt: skip
        else:
            self._reply(404, {"error": {"code": "NotFound", "message": path}})

    def do_POST(self) -> None:
        path = unquote(urlsplit(self.path).path)
        self.graph.calls.append(f"POST {path}")
        body = self._body()
        if path == f"/{TENANT}/oauth2/v2.0/token":
            return self._token(parse_qs(body.decode()))
        if path == f"/{TENANT}/oauth2/v2.0/devicecode":
            self.graph.device_codes.append(parse_qs(body.decode()))
            return self._reply(200, {
                "device_code": "DAQABAAEAAAD", "user_code": "KPX7QFDL",
                "verification_uri": "https://microsoft.com/devicelogin", "expires_in": 900,
                "interval": 1, "message": "To sign in, use a web browser to open the page "
                "https://microsoft.com/devicelogin and enter the code KPX7QFDL to authenticate.",
            })  # fmt: skip
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._reply(401, {"error": {"code": "InvalidAuthenticationToken",
                                               "message": "Access token is empty."}})  # fmt: skip
        if self.graph.forbid:
            return self._reply(403, {"error": {"code": "ErrorAccessDenied",
                                               "message": "Access is denied."}})  # fmt: skip
        parts = path.split("/")  # /v1.0/users/{mailbox}/...
        rest = parts[4:]
        if rest == ["sendMail"] or (len(rest) == 3 and rest[0] == "messages" and rest[2] == "send"):
            if self.graph.throttle:
                return self._reply(429, {"error": {"code": "TooManyRequests"}},
                                   {"Retry-After": self.graph.throttle.pop(0)})  # fmt: skip
            if rest == ["sendMail"]:
                self.graph.sent.append(json.loads(body))
            else:
                self.graph.sent_drafts.append(rest[1])
            return self._reply(202)
        if rest == ["messages"]:
            draft = f"AAMkADraft{len(self.graph.drafts) + 1}"
            self.graph.drafts[draft] = json.loads(body)
            return self._reply(201, {"id": draft, **json.loads(body)})
        if len(rest) == 3 and rest[2] == "attachments":
            self.graph.small.setdefault(rest[1], []).append(json.loads(body))
            return self._reply(201, {"id": "att"})
        if rest[2:] == ["attachments", "createUploadSession"]:
            item = json.loads(body)["AttachmentItem"]
            url = f"{self.graph.base}/upload/{rest[1]}/{len(self.graph.uploads)}?authtoken=x"
            self.graph.uploads[url] = {"item": item, "draft": rest[1], "data": b""}
            return self._reply(201, {"uploadUrl": url, "nextExpectedRanges": ["0-"]})
        self._reply(404, {"error": {"code": "NotFound", "message": path}})

    def _token(self, form: dict[str, list[str]]) -> None:
        self.graph.token_requests.append(form)
        if form.get("grant_type") == ["urn:ietf:params:oauth:grant-type:device_code"]:
            if self.graph.pending:
                self.graph.pending -= 1
                return self._reply(400, {"error": "authorization_pending",
                                         "error_description": "AADSTS70016: pending"})  # fmt: skip
            return self._reply(200, {"token_type": "Bearer", "expires_in": 3599,
                                     "scope": self.graph.device_codes[-1]["scope"][0],
                                     "access_token": TOKEN})  # fmt: skip
        good = form.get("client_secret") == [SECRET] or self._assertion(form)
        if form.get("client_id") != [CLIENT_ID] or not good:
            return self._reply(401, {"error": "invalid_client",
                                     "error_description": "AADSTS7000215: Invalid client "
                                     "secret provided.\r\nTrace ID: 1"})  # fmt: skip
        self._reply(200, {"token_type": "Bearer", "expires_in": 3599,
                          "ext_expires_in": 3599, "access_token": TOKEN})  # fmt: skip

    def _assertion(self, form: dict[str, list[str]]) -> bool:
        """A client assertion signed by the app's certificate's key, for this token endpoint."""
        import jwt

        if "client_assertion" not in form or self.graph.certificate is None:
            return False
        try:
            claims = jwt.decode(
                form["client_assertion"][0], self.graph.certificate.public_key(),
                algorithms=["RS256", "PS256"],
                audience=f"{self.graph.base}/{TENANT}/oauth2/v2.0/token",
            )  # fmt: skip
        except jwt.InvalidTokenError:
            return False
        self.graph.assertions.append(claims)
        return bool(claims.get("iss") == CLIENT_ID)

    def do_PUT(self) -> None:
        url = f"{self.graph.base}{self.path}"
        self.graph.calls.append(f"PUT {urlsplit(self.path).path}")
        upload = self.graph.uploads.get(url)
        if upload is None or "Authorization" in self.headers:
            return self._reply(401 if upload else 404, {"error": {"code": "BadRequest"}})
        first, last_total = self.headers["Content-Range"].removeprefix("bytes ").split("-")
        last, total = (int(n) for n in last_total.split("/"))
        assert int(first) == len(upload["data"]), "pieces must come in order"
        upload["data"] += self._body()
        if last + 1 == total:
            return self._reply(201)
        self._reply(200, {"nextExpectedRanges": [f"{last + 1}-"]})


@contextmanager
def graph_server(authority: Authority) -> Iterator[Graph]:
    graph = Graph()
    handler = type("Handler", (_Handler,), {"graph": graph})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.socket = authority.server_context.wrap_socket(server.socket, server_side=True)
    graph.base = f"https://localhost:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield graph
    finally:
        server.shutdown()
        server.server_close()
