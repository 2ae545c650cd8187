"""OAuth2 for the IMAP and SMTP logins (XOAUTH2): Microsoft 365 and Gmail, whose basic
auth is gone.

`TokenSource.access_token()` returns a valid access token, asking the token endpoint for
a new one when none is held or the held one expires within `margin` (default 5 min):
- grant `refresh_token` (Gmail, and Microsoft with a delegated mailbox): the refresh
  token the operator installed (a file or the systemd credential), or the newer one the
  provider rotated in, which is kept in `state_dir/oauth-refresh-token.json` (0600).
  When the operator installs a different token, theirs wins over the stored one.
- grant `client_credentials` (Microsoft app-only access): the client id and secret.

One source serves both logins of the daemon (IMAP, and SMTP with `smtp.auth =
"xoauth2"`): both log in as the training mailbox, so one token of that account does, as
long as its scope covers both. Microsoft's default scope here then adds SMTP.Send; Google's
(https://mail.google.com/) covers SMTP already. The source is shared by the poll, the
IDLE thread and the send step, so a lock keeps two refreshes from racing (a rotated
refresh token may stop the other one working).

Tokens and secrets are registered with the log redaction and never put in an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.config import ConfigError, OAuthSettings, Settings
from intake.edges.durable import write_atomically
from intake.edges.mail.source import SourceError
from intake.edges.state_layout import StateLayout
from intake.edges.store import utc_now
from intake.secrets import register_secret

log = logging.getLogger(__name__)

ROTATED_FILE = StateLayout.ROTATED_TOKEN
# Added to Microsoft's default (IMAP) scope when SMTP logs in by XOAUTH2 as well.
MICROSOFT_SMTP_SCOPE = "https://outlook.office.com/SMTP.Send"
DEFAULT_MARGIN = dt.timedelta(minutes=5)
HTTP_TIMEOUT = 30.0

# post(url, form) -> (HTTP status, body); the real one is `http_post`.
Post = Callable[[str, dict[str, str]], tuple[int, bytes]]
Clock = Callable[[], dt.datetime]


class OAuthError(SourceError):
    """No access token: the endpoint refused, cannot be reached, or the setup is wrong."""


def xoauth2_string(username: str, access_token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={username}\x01auth=Bearer {access_token}\x01\x01"


@dataclass(frozen=True)
class Token:
    access_token: str
    expires_at: dt.datetime


def http_post(url: str, form: dict[str, str]) -> tuple[int, bytes]:
    data = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OAuthError(f"token endpoint {url} cannot be reached: {reason}") from exc


def check_token_url(url: str) -> None:
    """https only, except to this machine (a test's endpoint, a local proxy)."""
    parts = urllib.parse.urlsplit(url)
    local = parts.hostname in ("127.0.0.1", "::1", "localhost")
    if parts.scheme != "https" and not (parts.scheme == "http" and local):
        raise OAuthError(f"token_url {url!r}: must be https (http only to localhost)")


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class RotatedTokenStore:
    """The newest refresh token, in the state folder, tied to the installed one it replaced."""

    def __init__(self, state_dir: Path) -> None:
        self.path = StateLayout(state_dir).rotated_token

    def load(self, installed: str | None) -> str | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.warning("%s: unreadable (%s); using the installed refresh token", self.path, exc)
            return None
        if installed is not None and data.get("installed_sha256") != _fingerprint(installed):
            return None  # the operator installed a new token since: theirs wins
        token = data.get("refresh_token")
        return token if isinstance(token, str) and token else None

    def save(self, refresh_token: str, installed: str | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        payload = json.dumps(
            {
                "refresh_token": refresh_token,
                "installed_sha256": _fingerprint(installed) if installed else None,
                "saved_at": utc_now().isoformat(timespec="seconds"),
            }
        )
        write_atomically(self.path, payload.encode("utf-8"), mode=0o600)


class TokenSource:
    def __init__(
        self,
        settings: OAuthSettings,
        state_dir: Path,
        *,
        post: Post = http_post,
        clock: Clock = utc_now,
        margin: dt.timedelta = DEFAULT_MARGIN,
        scope: str | None = None,
    ) -> None:
        check_token_url(settings.effective_token_url)
        self.settings = settings
        self.scope = scope or settings.effective_scope
        self.rotated = RotatedTokenStore(state_dir)
        self._post = post
        self._clock = clock
        self.margin = margin
        self._token: Token | None = None
        self._lock = threading.Lock()
        self.refreshes = 0

    def access_token(self) -> str:
        with self._lock:
            token = self._token
            if token is None or token.expires_at - self.margin <= self._clock():
                token = self._token = self._fetch()
            return token.access_token

    def invalidate(self) -> None:
        """Forget the held access token (a server refused it): the next call asks anew."""
        with self._lock:
            self._token = None

    def _form(self) -> tuple[dict[str, str], str | None]:
        """The request body, and the installed refresh token (None for client credentials)."""
        settings = self.settings
        try:
            secret = settings.client_secret()
            installed = settings.refresh_token() if settings.grant == "refresh_token" else None
        except ConfigError as exc:
            raise OAuthError(str(exc)) from exc
        register_secret(secret)
        form = {"client_id": settings.client_id, "scope": self.scope}
        if secret:
            form["client_secret"] = secret
        if settings.grant == "client_credentials":
            if not secret:
                raise OAuthError(
                    "oauth: grant 'client_credentials' needs a client secret "
                    f"(client_secret_file, or the credential {settings.client_secret_credential!r})"
                )
            form["grant_type"] = "client_credentials"
            return form, None
        current = self.rotated.load(installed) or installed
        if not current:
            raise OAuthError(
                "oauth: no refresh token: set refresh_token_file, or pass the systemd "
                f"credential {settings.refresh_token_credential!r} (LoadCredential=)"
            )
        register_secret(current)
        form["grant_type"] = "refresh_token"
        form["refresh_token"] = current
        return form, installed

    def _fetch(self) -> Token:
        form, installed = self._form()
        url = self.settings.effective_token_url
        asked = self._clock()
        status, body = self._post(url, form)
        answer = _json(body)
        if status != 200 or "access_token" not in answer:
            error = answer.get("error") or f"HTTP {status}"
            detail = answer.get("error_description")
            raise OAuthError(
                f"token endpoint {url} refused ({self.settings.grant}): {error}"
                + (f": {detail}" if detail else "")
            )
        access = str(answer["access_token"])
        register_secret(access)
        rotated = answer.get("refresh_token")
        if isinstance(rotated, str) and rotated and rotated != form.get("refresh_token"):
            register_secret(rotated)
            self.rotated.save(rotated, installed)
            log.info("oauth: the provider rotated the refresh token; stored the new one")
        self.refreshes += 1
        lifetime = _seconds(answer.get("expires_in"), default=3600)
        return Token(access, asked + dt.timedelta(seconds=lifetime))


def _json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _seconds(value: object, default: int) -> int:
    try:
        return max(int(str(value)), 0)
    except ValueError:
        return default


def oauth_scope(settings: Settings) -> str:
    """The scope to ask for: the configured one, or the provider's for the logins in use."""
    oauth = settings.oauth
    assert oauth is not None
    scope = oauth.effective_scope
    smtp_too = settings.smtp is not None and settings.smtp.auth == "xoauth2"
    if (
        smtp_too
        and oauth.scope is None  # an operator's own scope is taken as written
        and oauth.provider == "microsoft"
        and oauth.grant == "refresh_token"  # client credentials: .default covers all
        and MICROSOFT_SMTP_SCOPE not in scope.split()
    ):
        scope = f"{scope} {MICROSOFT_SMTP_SCOPE}"
    return scope


def token_source(settings: Settings) -> TokenSource | None:
    """The settings' token source, or None without an [oauth] section."""
    if settings.oauth is None:
        return None
    try:
        return TokenSource(settings.oauth, settings.state_dir, scope=oauth_scope(settings))
    except OAuthError as exc:
        raise ConfigError(f"{settings.origin}: {exc}") from exc
