"""A token endpoint on 127.0.0.1 (real HTTP) for the OAuth2 tests: tests/unit/test_oauth.py,
and the XOAUTH2 logins that check the tokens it issued (tests/integration/test_smtp_oauth.py).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[str, dict[str, str]], tuple[int, dict[str, Any]]]


class JsonEndpoint:
    """A real HTTP server on 127.0.0.1 that answers each form POST with JSON.

    `answer(path, form)` gives the status and the body; the tests' token endpoints (here
    and the provider of tests/integration/test_oauth_dovecot.py) are small `answer`s.
    """

    def __init__(self, answer: Answer) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                status, body = answer(self.path, form)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class TokenEndpoint:
    """Issues access tokens numbered 1, 2, …; rotates the refresh token when asked."""

    def __init__(self, *, rotate: bool, expires_in: int = 3600) -> None:
        self.rotate = rotate
        self.expires_in = expires_in
        self.requests: list[dict[str, str]] = []
        self.issued: list[str] = []  # access tokens handed out, in order
        self.valid_refresh = {"installed-refresh-token"}
        self.refuse: str | None = None
        self._http = JsonEndpoint(lambda path, form: self._record(form))
        self.url = f"{self._http.base}/token"

    def _record(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.requests.append(form)
        return self.answer(form)

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.refuse:
            return 400, {"error": "invalid_grant", "error_description": self.refuse}
        number = len(self.requests)
        body: dict[str, Any] = {
            "access_token": f"access-{number}",
            "token_type": "Bearer",
            "expires_in": self.expires_in,
        }
        if form.get("grant_type") == "client_credentials":
            if form.get("client_secret") != "app-secret":
                return 401, {}
            self.issued.append(body["access_token"])
            return 200, body
        if form.get("refresh_token") not in self.valid_refresh:
            return 400, {"error": "invalid_grant", "error_description": "refresh token revoked"}
        if self.rotate:
            new = f"rotated-refresh-{number}"
            # As Microsoft does: the old one may stop working once a new one is issued.
            self.valid_refresh = {new}
            body["refresh_token"] = new
        self.issued.append(body["access_token"])
        return 200, body

    def close(self) -> None:
        self._http.close()
