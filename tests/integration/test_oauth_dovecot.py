"""XOAUTH2 against a real Dovecot whose oauth2 passdb asks the test's own endpoint.

One local HTTP server plays the provider: `/token` issues access tokens from a refresh
token (rotating it, as Microsoft does) and `/introspect` tells Dovecot whether a token
is live and whose it is (Dovecot 2.3 `passdb { driver = oauth2 }`, introspection_mode =
post). So the whole road is real: refresh grant → access token → AUTHENTICATE XOAUTH2 →
Dovecot → introspection → login → poll.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.commands.cli import main
from intake.edges.oauth import ROTATED_FILE
from intake.service.daemon import Daemon
from intake.service.runtime import load_runtime
from intake.service.systemd import Notifier
from tests.emails import small_email
from tests.integration.dovecot import DovecotMailbox, DovecotServer, unavailable_reason
from tests.unit.oauth_endpoint import JsonEndpoint

pytestmark = pytest.mark.integration


class Provider:
    def __init__(self, user: str) -> None:
        self.user = user
        self.refresh_tokens = {"installed-refresh"}
        self.live_access: set[str] = set()
        self.introspected: list[str] = []
        self.issued = 0
        # Looked up per request: a test may swap `answer` for a while.
        self._http = JsonEndpoint(lambda path, form: self.answer(path, form))
        self.base = self._http.base

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if path == "/introspect":
            token = form.get("token", "")
            self.introspected.append(token)
            if token in self.live_access:
                return 200, {"active": True, "username": self.user}
            return 200, {"active": False}
        if form.get("refresh_token") not in self.refresh_tokens:
            return 400, {"error": "invalid_grant", "error_description": "token revoked"}
        self.issued += 1
        access, rotated = f"access-{self.issued}", f"rotated-{self.issued}"
        self.live_access.add(access)
        self.refresh_tokens = {rotated}
        return 200, {"access_token": access, "expires_in": 3600, "refresh_token": rotated}

    def close(self) -> None:
        self._http.close()


@pytest.fixture(scope="module")
def oauth_dovecot() -> Iterator[tuple[DovecotServer, Provider]]:
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    provider = Provider("user1")
    server = DovecotServer()
    ext = server.root / "oauth2.conf.ext"
    ext.write_text(
        "introspection_mode = post\n"
        f"introspection_url = {provider.base}/introspect\n"
        "username_attribute = username\n"
        "active_attribute = active\nactive_value = true\n"
    )
    ext.chmod(0o644)
    config = server.config_path.read_text()
    config = config.replace(
        "auth_mechanisms = plain login", "auth_mechanisms = plain login xoauth2 oauthbearer"
    )
    # The oauth2 passdb answers XOAUTH2; the harness's static one still serves PLAIN.
    config = config.replace(
        "passdb {\n  driver = static",
        f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {ext}\n}}\n"
        "passdb {\n  driver = static",
        1,
    )
    server.config_path.write_text(config)
    try:
        server.start()
        yield server, provider
    finally:
        server.cleanup()
        provider.close()


def _config(tmp_path: Path, mailbox: DovecotMailbox, provider: Provider) -> Path:
    refresh = tmp_path / "refresh"
    refresh.write_text("installed-refresh")
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n'
        "[source]\nkind = 'imap'\n[source.imap]\n"
        f"host = '{mailbox.host}'\nport = {mailbox.port}\nsecurity = 'plain'\n"
        f"username = '{mailbox.user}'\ntimeout_seconds = 5\n"
        "[oauth]\nprovider = 'custom'\n"
        f"token_url = '{provider.base}/token'\nscope = 'imap'\nclient_id = 'intake'\n"
        f"refresh_token_file = '{refresh}'\n"
    )
    return path


def test_config_check_logs_in_by_xoauth2_and_stores_the_rotated_token(
    oauth_dovecot: tuple[DovecotServer, Provider],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, provider = oauth_dovecot
    mailbox = server.new_mailbox()
    provider.user = mailbox.user
    mailbox.deliver(small_email(1))
    config = _config(tmp_path, mailbox, provider)

    assert main(["config", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "ok   oauth token" in out
    assert f"ok   imap login: {mailbox.user} on 127.0.0.1:{mailbox.port} (XOAUTH2)" in out
    # Dovecot asked our endpoint about the very token we were issued.
    first = provider.introspected[-1]
    assert first == f"access-{provider.issued}"
    stored = json.loads((tmp_path / "state" / ROTATED_FILE).read_text())
    assert stored["refresh_token"] == f"rotated-{provider.issued}"

    # A second process refreshes with the rotated token (the installed one is dead now).
    assert main(["config", "check", "--config", str(config)]) == 0
    assert "ok   imap login" in capsys.readouterr().out
    assert provider.introspected[-1] == f"access-{provider.issued}" != first


def test_a_token_dovecot_does_not_accept_fails_the_login_clearly(
    oauth_dovecot: tuple[DovecotServer, Provider],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, provider = oauth_dovecot
    mailbox = server.new_mailbox()
    provider.user = mailbox.user
    config = _config(tmp_path, mailbox, provider)
    provider.refresh_tokens.add("installed-refresh")
    provider.live_access.clear()  # the provider revokes every access token at once
    original = provider.answer

    def issue_dead_tokens(path: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        status, body = original(path, form)
        if path == "/token":
            provider.live_access.discard(body.get("access_token", ""))
        return status, body

    provider.answer = issue_dead_tokens  # type: ignore[method-assign]
    try:
        assert main(["config", "check", "--config", str(config)]) == 1
    finally:
        provider.answer = original  # type: ignore[method-assign]
    out = capsys.readouterr().out
    assert "FAIL imap login:" in out
    assert "AUTHENTICATIONFAILED" in out or "Authentication failed" in out
    assert all(f"access-{n}" not in out for n in range(1, provider.issued + 1))


def test_the_daemon_polls_over_xoauth2(
    oauth_dovecot: tuple[DovecotServer, Provider], tmp_path: Path
) -> None:
    server, provider = oauth_dovecot
    mailbox = server.new_mailbox()
    provider.user = mailbox.user
    provider.refresh_tokens.add("installed-refresh")
    mailbox.deliver(small_email(1))
    runtime = load_runtime(_config(tmp_path, mailbox, provider))
    daemon = Daemon(None, runtime, notifier=Notifier({}))
    issued = provider.issued
    daemon.poll()
    assert "1 fetched, 1 processed" in daemon.last_poll, daemon.last_poll
    daemon.poll()  # the access token is reused: no second request to the endpoint
    assert "0 fetched" in daemon.last_poll
    assert provider.issued == issued + 1
    assert mailbox.uids() == []  # moved to Processed


def test_a_revoked_access_token_costs_one_failed_poll_only(
    oauth_dovecot: tuple[DovecotServer, Provider], tmp_path: Path
) -> None:
    server, provider = oauth_dovecot
    mailbox = server.new_mailbox()
    provider.user = mailbox.user
    provider.refresh_tokens.add("installed-refresh")
    daemon = Daemon(None, load_runtime(_config(tmp_path, mailbox, provider)), notifier=Notifier({}))
    daemon.poll()
    assert "0 fetched" in daemon.last_poll
    provider.live_access.clear()  # revoked long before its expiry
    daemon.poll()
    assert "FAILED" in daemon.last_poll
    mailbox.deliver(small_email(1))
    daemon.poll()  # a fresh token, asked for because the last one was refused
    assert "1 fetched, 1 processed" in daemon.last_poll, daemon.last_poll
