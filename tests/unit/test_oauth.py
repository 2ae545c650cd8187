"""OAuth2 tokens against a token endpoint the test runs on 127.0.0.1 (real HTTP)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.config import ConfigError, OAuthSettings, load_settings
from intake.edges.oauth import (
    ROTATED_FILE,
    OAuthError,
    TokenSource,
    check_token_url,
    xoauth2_string,
)
from intake.service.logs import REDACTED, redact
from tests.unit.oauth_endpoint import TokenEndpoint


@pytest.fixture
def endpoint() -> Iterator[TokenEndpoint]:
    server = TokenEndpoint(rotate=True)
    yield server
    server.close()


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


def _settings(tmp_path: Path, url: str, **extra: Any) -> OAuthSettings:
    refresh = tmp_path / "refresh-token"
    if not refresh.exists():
        refresh.write_text("installed-refresh-token\n")
    values: dict[str, Any] = {
        "provider": "custom",
        "token_url": url,
        "scope": "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
        "client_id": "intake-client",
        "refresh_token_file": refresh,
    }
    return OAuthSettings.model_validate(values | extra)


def test_token_is_reused_then_refreshed_before_expiry(
    tmp_path: Path, endpoint: TokenEndpoint
) -> None:
    clock = Clock()
    source = TokenSource(_settings(tmp_path, endpoint.url), tmp_path / "state", clock=clock)
    assert source.access_token() == "access-1"
    clock.now += dt.timedelta(minutes=50)  # 10 min left: still good
    assert source.access_token() == "access-1"
    assert len(endpoint.requests) == 1
    clock.now += dt.timedelta(minutes=6)  # 4 min left: inside the 5-minute margin
    assert source.access_token() == "access-2"
    assert len(endpoint.requests) == 2
    first, second = endpoint.requests
    assert first["grant_type"] == "refresh_token"
    assert first["refresh_token"] == "installed-refresh-token"
    assert first["client_id"] == "intake-client"
    assert "offline_access" in first["scope"]
    # The second refresh used the token the provider rotated in.
    assert second["refresh_token"] == "rotated-refresh-1"


def test_the_rotated_refresh_token_is_stored_0600_and_survives_a_restart(
    tmp_path: Path, endpoint: TokenEndpoint
) -> None:
    state = tmp_path / "state"
    TokenSource(_settings(tmp_path, endpoint.url), state).access_token()
    stored = state / ROTATED_FILE
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert json.loads(stored.read_text())["refresh_token"] == "rotated-refresh-1"
    # A new process (new TokenSource) must use the rotated token: the installed one is dead.
    assert TokenSource(_settings(tmp_path, endpoint.url), state).access_token() == "access-2"
    assert endpoint.requests[-1]["refresh_token"] == "rotated-refresh-1"


def test_a_newly_installed_refresh_token_wins_over_the_stored_one(
    tmp_path: Path, endpoint: TokenEndpoint
) -> None:
    state = tmp_path / "state"
    TokenSource(_settings(tmp_path, endpoint.url), state).access_token()
    (tmp_path / "refresh-token").write_text("operator-new-token")
    endpoint.valid_refresh = {"operator-new-token"}
    assert TokenSource(_settings(tmp_path, endpoint.url), state).access_token() == "access-2"
    assert endpoint.requests[-1]["refresh_token"] == "operator-new-token"


def test_client_credentials_grant(tmp_path: Path, endpoint: TokenEndpoint) -> None:
    secret = tmp_path / "client-secret"
    secret.write_text("app-secret")
    settings = OAuthSettings(
        provider="microsoft",
        grant="client_credentials",
        tenant="contoso.onmicrosoft.com",
        token_url=endpoint.url,
        client_id="app",
        client_secret_file=secret,
    )
    assert TokenSource(settings, tmp_path / "state").access_token() == "access-1"
    form = endpoint.requests[0]
    assert form["grant_type"] == "client_credentials"
    assert form["scope"] == "https://outlook.office365.com/.default"
    assert "refresh_token" not in form
    assert not (tmp_path / "state" / ROTATED_FILE).exists()


def test_a_refusal_says_why_without_the_token(tmp_path: Path, endpoint: TokenEndpoint) -> None:
    endpoint.refuse = "AADSTS70008: the refresh token has expired"
    source = TokenSource(_settings(tmp_path, endpoint.url), tmp_path / "state")
    with pytest.raises(OAuthError) as caught:
        source.access_token()
    message = str(caught.value)
    assert "invalid_grant" in message
    assert "AADSTS70008" in message
    assert "installed-refresh-token" not in message


def test_an_unreachable_endpoint_is_an_oauth_error(tmp_path: Path) -> None:
    source = TokenSource(_settings(tmp_path, "http://127.0.0.1:9/token"), tmp_path / "s")
    with pytest.raises(OAuthError, match="cannot be reached"):
        source.access_token()


def test_tokens_read_or_issued_are_redacted_from_logs(
    tmp_path: Path, endpoint: TokenEndpoint
) -> None:
    TokenSource(_settings(tmp_path, endpoint.url), tmp_path / "state").access_token()
    for token in ("installed-refresh-token", "access-1", "rotated-refresh-1"):
        assert redact(f"debug: {token}") == f"debug: {REDACTED}"


def test_token_url_must_be_https_except_to_localhost() -> None:
    check_token_url("https://login.microsoftonline.com/common/oauth2/v2.0/token")
    check_token_url("http://127.0.0.1:8080/token")
    with pytest.raises(OAuthError, match="https"):
        check_token_url("http://login.example.com/token")


def test_xoauth2_string_format() -> None:
    sasl = xoauth2_string("ecf-training@canb.uscourts.gov", "ya29.token")
    assert sasl == "user=ecf-training@canb.uscourts.gov\x01auth=Bearer ya29.token\x01\x01"
    # As sent on the wire (RFC 4648 base64 of the above), e.g. Google's documented example.
    example = base64.b64encode(
        xoauth2_string(
            "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"
        ).encode()
    ).decode()
    assert example == (
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhk"
        "SFJoZG1semRHRXVZMjl0Q2cBAQ=="
    )


def test_provider_defaults_and_checks(tmp_path: Path) -> None:
    config = tmp_path / "intake.toml"
    config.write_text("[oauth]\nprovider = 'microsoft'\ntenant = 'contoso'\nclient_id = 'abc'\n")
    oauth = load_settings(config, environ={}).oauth
    assert oauth is not None
    assert oauth.effective_token_url == (
        "https://login.microsoftonline.com/contoso/oauth2/v2.0/token"
    )
    assert oauth.effective_scope.startswith("https://outlook.office.com/IMAP")
    config.write_text(
        "[oauth]\nprovider = 'google'\nclient_id = 'x'\ngrant = 'client_credentials'\n"
    )
    with pytest.raises(ConfigError, match="Gmail has no client-credentials grant"):
        load_settings(config, environ={})


def test_invalidate_asks_for_a_new_token_before_expiry(
    tmp_path: Path, endpoint: TokenEndpoint
) -> None:
    source = TokenSource(_settings(tmp_path, endpoint.url), tmp_path / "state")
    assert source.access_token() == "access-1"
    source.invalidate()  # the IMAP server refused it
    assert source.access_token() == "access-2"
