"""SMTP login by XOAUTH2 against a real aiosmtpd server whose handler checks the bearer
token against the local token endpoint that issued it (tests/unit/oauth_endpoint.py).

The road is the daemon's: [oauth] + `[smtp] auth = "xoauth2"` in a settings file, the
sink built by `sink_from_settings`, the token from the endpoint over HTTP, the SASL
exchange (RFC 4954 initial response; a refusal goes through a 334 error challenge, as
Gmail does it, then 535).
"""

from __future__ import annotations

import base64
import json
import logging
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from intake.commands.cli import main
from intake.config import ConfigError, load_settings
from intake.edges.mail.maildir import deliver
from intake.edges.mail.smtp import SendError, SmtpSink
from intake.edges.oauth import MICROSOFT_SMTP_SCOPE, oauth_scope, token_source
from intake.service.daemon import Daemon
from intake.service.runtime import load_runtime
from intake.service.send import sink_from_settings
from intake.service.systemd import Notifier
from tests.integration.test_smtp import ATTORNEY, Recorder, free_port, reply_message
from tests.unit.oauth_endpoint import TokenEndpoint

pytestmark = pytest.mark.integration

MAILBOX = "ecf-training@canb.example.gov"


@dataclass
class XOAuth2Relay(Recorder):
    """Accepts XOAUTH2 for MAILBOX with a token the endpoint issued and not revoked."""

    endpoint: TokenEndpoint | None = None
    revoked: set[str] = field(default_factory=set)
    presented: list[str] = field(default_factory=list)

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        if len(args) == 2:
            blob = base64.b64decode(args[1])
        else:  # no initial response: ask for it
            answer = await server.challenge_auth("")
            if not isinstance(answer, bytes):
                return AuthResult(success=False, handled=True)
            blob = answer
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        token = fields.get("auth", "").removeprefix("Bearer ")
        self.presented.append(token)
        assert self.endpoint is not None
        if (
            fields.get("user") == MAILBOX
            and token in self.endpoint.issued
            and token not in self.revoked
        ):
            return AuthResult(success=True, auth_data=MAILBOX)
        # Gmail's way: the error as a 334 challenge; the client answers empty, then 535.
        error = json.dumps({"status": "401", "schemes": "Bearer", "scope": "https://mail"})
        await server.challenge_auth(error)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    server = TokenEndpoint(rotate=True)
    yield server
    server.close()


@pytest.fixture
def relay(endpoint: TokenEndpoint) -> Iterator[tuple[XOAuth2Relay, int]]:
    handler = XOAuth2Relay(endpoint=endpoint)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, auth_require_tls=False)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _config(tmp_path: Path, endpoint: TokenEndpoint, port: int) -> Path:
    refresh = tmp_path / "refresh-token"
    refresh.write_text("installed-refresh-token\n")
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\nown_address = "{MAILBOX}"\n'
        f'[source]\nmaildir = "{tmp_path / "mail"}"\n'
        "[daemon]\ndigest_cron = ''\n"
        f"[oauth]\nprovider = 'custom'\ntoken_url = '{endpoint.url}'\n"
        "scope = 'https://mail.example/ offline_access'\nclient_id = 'intake-client'\n"
        f"refresh_token_file = '{refresh}'\n"
        f"[smtp]\nhost = '127.0.0.1'\nport = {port}\nsecurity = 'plain'\n"
        f"username = '{MAILBOX}'\nauth = 'xoauth2'\ntimeout_seconds = 5\n"
        "[outbox]\nsink = 'smtp'\n"
    )
    return path


def _message() -> EmailMessage:
    message = reply_message()
    del message["From"]
    message["From"] = MAILBOX
    return message


def test_a_token_from_the_endpoint_logs_in_and_the_message_goes(
    tmp_path: Path, endpoint: TokenEndpoint, relay: tuple[XOAuth2Relay, int]
) -> None:
    handler, port = relay
    sink = sink_from_settings(load_settings(_config(tmp_path, endpoint, port)))
    assert isinstance(sink, SmtpSink) and sink.config.auth == "xoauth2"
    sink.send(_message(), [ATTORNEY])
    assert endpoint.requests[0]["grant_type"] == "refresh_token"
    assert handler.presented == endpoint.issued == ["access-1"]
    assert len(handler.received) == 1
    assert handler.received[0].mail_from == MAILBOX


def test_a_refused_token_is_dropped_and_the_next_try_fetches_a_new_one(
    tmp_path: Path,
    endpoint: TokenEndpoint,
    relay: tuple[XOAuth2Relay, int],
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler, port = relay
    settings = load_settings(_config(tmp_path, endpoint, port))
    tokens = token_source(settings)
    assert tokens is not None
    sink = sink_from_settings(settings, tokens)
    assert tokens.access_token() == "access-1"  # held, valid for an hour
    handler.revoked.add("access-1")  # ... but revoked at the server before that

    with caplog.at_level(logging.DEBUG):
        with pytest.raises(SendError) as caught:
            sink.send(_message(), [ATTORNEY])
        assert caught.value.transient
        assert "535" in caught.value.message
        assert "refused the OAuth2 token of " + MAILBOX in caught.value.message
        assert handler.received == []

        sink.send(_message(), [ATTORNEY])  # the next attempt: a fresh token, and the mail goes
    assert handler.presented == ["access-1", "access-2"]
    assert len(endpoint.requests) == 2
    assert len(handler.received) == 1

    # No token, refresh token or SASL string in any log line or in the error.
    said = caplog.text + caught.value.message
    secrets = [*endpoint.issued, "installed-refresh-token", "rotated-refresh-1"]
    secrets += [base64.b64encode(f"user={MAILBOX}\x01auth=Bearer {t}\x01\x01".encode()).decode()
                for t in endpoint.issued]  # fmt: skip
    assert [s for s in secrets if s in said] == []


def test_the_daemon_shares_the_imap_token_source_with_smtp(
    tmp_path: Path, endpoint: TokenEndpoint, relay: tuple[XOAuth2Relay, int]
) -> None:
    handler, port = relay
    config = _config(tmp_path, endpoint, port)
    message = _message()
    message.replace_header("To", MAILBOX)
    message.replace_header("From", "Jane Doe <jane@example-law.com>")
    # What remains of our own reply: no marks of an automatic message.
    del message["In-Reply-To"], message["Auto-Submitted"], message["X-Auto-Response-Suppress"]
    deliver(tmp_path / "mail", bytes(message))
    daemon = Daemon(config, load_runtime(config), notifier=Notifier({}))
    daemon.poll_and_send()
    tokens = daemon.runtime.tokens
    assert tokens is not None and tokens.refreshes == 1  # its source, not a second one
    assert len(endpoint.requests) == 1
    assert [r.rcpt_tos for r in handler.received] == [["jane@example-law.com"]]
    with sqlite3.connect(tmp_path / "state" / "intake.sqlite3") as db:
        statuses = db.execute("SELECT status FROM outbox").fetchall()
    assert statuses == [("sent",)]


def test_config_check_tries_the_xoauth2_login(
    tmp_path: Path,
    endpoint: TokenEndpoint,
    relay: tuple[XOAuth2Relay, int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    handler, port = relay
    config = _config(tmp_path, endpoint, port)
    assert main(["config", "check", "--config", str(config)]) == 0
    assert f"ok   smtp login: 127.0.0.1:{port} as {MAILBOX}" in capsys.readouterr().out
    handler.revoked.update(endpoint.issued)
    endpoint.refuse = "AADSTS50173: the grant has expired"
    assert main(["config", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "FAIL smtp login" in out and "AADSTS50173" in out


def test_xoauth2_needs_an_oauth_section_and_a_username(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    smtp = "[smtp]\nhost = '127.0.0.1'\nsecurity = 'plain'\nauth = 'xoauth2'\n"
    path.write_text(f"[outbox]\nsink = 'smtp'\n{smtp}username = '{MAILBOX}'\n")
    with pytest.raises(ConfigError, match=r"needs an \[oauth\] section"):
        sink_from_settings(load_settings(path, environ={}))
    path.write_text(
        f"[outbox]\nsink = 'smtp'\n{smtp}[oauth]\nprovider = 'google'\nclient_id = 'x'\n"
    )
    with pytest.raises(ConfigError, match=r"needs smtp\.username"):
        sink_from_settings(load_settings(path, environ={}))


def test_microsofts_default_scope_gains_smtp_send_when_smtp_uses_the_token(
    tmp_path: Path,
) -> None:
    path = tmp_path / "intake.toml"
    oauth = "[oauth]\nprovider = 'microsoft'\nclient_id = 'x'\n"
    path.write_text(oauth)
    assert MICROSOFT_SMTP_SCOPE not in oauth_scope(load_settings(path, environ={}))
    smtp = f"[smtp]\nhost = 'smtp.office365.com'\nsecurity = 'starttls'\nusername = '{MAILBOX}'\n"
    path.write_text(oauth + smtp + "auth = 'xoauth2'\n")
    scope = oauth_scope(load_settings(path, environ={})).split()
    assert MICROSOFT_SMTP_SCOPE in scope and "offline_access" in scope
    assert any(s.endswith("IMAP.AccessAsUser.All") for s in scope)
    path.write_text(oauth + "scope = 'https://outlook.office.com/SMTP.Send'\n" + smtp)
    assert oauth_scope(load_settings(path, environ={})) == "https://outlook.office.com/SMTP.Send"
