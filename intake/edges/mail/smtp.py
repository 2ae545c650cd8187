"""Sending one message over SMTP: the edge where replies and summaries leave.

`send` either returns (the server accepted the message for every recipient) or raises
`SendError`, which says whether trying again later may help. Transient: the server
cannot be reached, times out, drops the line, or answers 4xx; also the connection-wide
problems an operator must fix (TLS, login) - every queued message would fail the same
way, and dropping them all for a mistyped password would lose the replies. Permanent: the
server answered 5xx to this message (its sender, a recipient, or its content).

The password is read by the caller (from a file or a systemd credential) and is never
put in an error message or a log line.

OAuth2 (`auth="xoauth2"`, Microsoft 365 and Gmail, which refuse basic auth for SMTP
too): the login is SASL XOAUTH2 with an access token from `tokens` (in the daemon, the
same token source as the IMAP login). A refused token (535) is dropped from the source,
so the next attempt asks the token endpoint for a fresh one; like every login failure
it is transient. A token endpoint that cannot give one is transient too.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

from intake.edges.mail.source import SourceError
from intake.edges.oauth import xoauth2_string
from intake.errors import IntakeError

Security = Literal["tls", "starttls", "plain"]
Auth = Literal["password", "xoauth2"]
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


# Called once the server has accepted a message (see `send`).
Accepted = Callable[[], None]


class SendError(IntakeError):
    """A message was not sent; `transient` says whether a later attempt may succeed."""

    def __init__(self, transient: bool, message: str) -> None:
        super().__init__(message)
        self.transient = transient
        self.message = message


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class AccessTokens(Protocol):
    """Where XOAUTH2 access tokens come from (intake.edges.oauth.TokenSource)."""

    def access_token(self) -> str:
        """A valid access token; raises a SourceError (OAuthError) when none can be had."""
        ...

    def invalidate(self) -> None:
        """Forget the held token: the server refused it."""
        ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security = "tls"  # "tls": implicit TLS (port 465); "starttls": port 587
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    ca_file: Path | None = None  # a private CA for an internal relay; None: the system's
    # XOAUTH2 login as `username` with tokens from here, instead of the password.
    tokens: AccessTokens | None = field(default=None, repr=False, compare=False)

    @property
    def auth(self) -> Auth | None:
        if self.tokens is not None:
            return "xoauth2"
        return "password" if self.username is not None else None

    def __post_init__(self) -> None:
        if self.security not in ("tls", "starttls", "plain"):
            raise ValueError(f"SMTP security must be tls, starttls or plain, not {self.security!r}")
        if self.security == "plain" and not is_loopback(self.host):
            raise ValueError(
                f"SMTP without TLS is only allowed to a loopback relay, not to {self.host}"
            )
        if not 0 < self.port < 65536:
            raise ValueError(f"SMTP port {self.port} is out of range")
        if self.tokens is not None:
            if self.username is None or self.password is not None:
                raise ValueError("SMTP XOAUTH2 needs the mailbox's username and no password")
        elif (self.username is None) != (self.password is None):
            raise ValueError("SMTP username and password go together")


def _tls_context(config: SmtpConfig) -> ssl.SSLContext:
    cafile = str(config.ca_file) if config.ca_file else None
    return ssl.create_default_context(cafile=cafile)


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.security == "tls":
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=_tls_context(config)
        )
    client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    if config.security == "starttls":
        try:
            client.starttls(context=_tls_context(config))
        except BaseException:
            client.close()
            raise
    return client


def _response(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}"


def _where(config: SmtpConfig) -> str:
    return f"SMTP server {config.host}:{config.port}"


def send(
    config: SmtpConfig,
    message: EmailMessage,
    recipients: Sequence[str],
    accepted: Accepted | None = None,
) -> None:
    """Deliver `message` to exactly `recipients` through the configured server.

    The envelope recipients are given, never read from the message's To/Cc/Bcc: a
    header built from a stranger's display name must not choose where mail goes.
    `accepted` is called as soon as the server has accepted the DATA, before QUIT: the
    caller marks the message sent there, so a kill during the goodbye sends nothing twice.
    """
    if not recipients:
        raise SendError(False, "not sent: no recipient")
    where = _where(config)
    try:
        client = _connect(config)
    except smtplib.SMTPResponseException as exc:  # the greeting was 4xx/5xx
        raise SendError(
            True, f"{where} refused the connection: {_response(exc.smtp_code, exc.smtp_error)}"
        ) from exc
    except ssl.SSLError as exc:
        raise SendError(
            True, f"{where}: TLS failed ({exc.reason or exc}); check the host and its certificate"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(True, f"{where} does not offer STARTTLS") from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, unreachable, timeout, DNS
        raise SendError(True, f"{where} cannot be reached: {_os_reason(exc)}") from exc
    try:
        try:
            _deliver(client, config, message, list(recipients), where)
        except SendError:
            raise
        except smtplib.SMTPServerDisconnected as exc:
            raise SendError(True, f"{where} closed the connection: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(True, f"{where}: {_os_reason(exc)}") from exc
        if accepted is not None:
            accepted()
    finally:
        _quit(client)


def _quit(client: smtplib.SMTP) -> None:
    # Once the server has accepted the message, nothing that goes wrong while saying
    # goodbye may turn into an error: the caller would retry and send it twice.
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        pass
    finally:
        client.close()


def verify_login(config: SmtpConfig) -> None:
    """Connect, log in when configured, and say goodbye: for `intake config check`.

    Raises `SendError` with the same wording as `send` when any step fails.
    """
    where = _where(config)
    try:
        client = _connect(config)
    except smtplib.SMTPResponseException as exc:
        raise SendError(
            True, f"{where} refused the connection: {_response(exc.smtp_code, exc.smtp_error)}"
        ) from exc
    except ssl.SSLError as exc:
        raise SendError(True, f"{where}: TLS failed ({exc.reason or exc})") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(True, f"{where} cannot be reached: {_os_reason(exc)}") from exc
    try:
        if config.auth is None:
            client.noop()
        else:
            _login(client, config, where)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendError(True, f"{where}: {_os_reason(exc)}") from exc
    finally:
        _quit(client)


def _login(client: smtplib.SMTP, config: SmtpConfig, where: str) -> None:
    """Log in with the password or by XOAUTH2; a refusal is a transient SendError."""
    assert config.username is not None
    try:
        if config.tokens is not None:
            _xoauth2(client, config.username, config.tokens, where)
        else:
            assert config.password is not None
            client.login(config.username, config.password)
    except smtplib.SMTPAuthenticationError as exc:
        answer = _response(exc.smtp_code, exc.smtp_error)
        if config.tokens is not None:
            # Revoked, or issued for another mailbox or scope: the next try asks anew.
            config.tokens.invalidate()
            raise SendError(
                True,
                f"{where} refused the OAuth2 token of {config.username} ({answer}); "
                "a new token is asked for at the next try (check oauth.scope and that "
                "smtp.username is the mailbox the token belongs to)",
            ) from exc
        raise SendError(
            True,
            f"{where} rejected the login of {config.username} ({answer}); "
            "check the username and password",
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        mechanism = "XOAUTH2" if config.tokens is not None else "login"
        raise SendError(True, f"{where} does not offer AUTH ({mechanism})") from exc


def _xoauth2(client: smtplib.SMTP, username: str, tokens: AccessTokens, where: str) -> None:
    try:
        token = tokens.access_token()
    except SourceError as exc:  # OAuthError: the endpoint refused or cannot be reached
        raise SendError(True, f"{where}: no OAuth2 access token: {exc}") from exc
    client.ehlo_or_helo_if_needed()
    if not client.has_extn("auth"):
        raise smtplib.SMTPNotSupportedError("AUTH")
    initial = xoauth2_string(username, token)

    def respond(challenge: bytes | None = None) -> str:
        # A 334 after the initial response carries the server's error (Google: JSON);
        # the answer to it is empty, and the server then says 535.
        return initial if challenge is None else ""

    client.auth("XOAUTH2", respond, initial_response_ok=True)


class SmtpSink:
    """A mail sink with the same `send(message)` shape as the outbox folder."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(
        self, message: EmailMessage, recipients: Sequence[str], accepted: Accepted | None = None
    ) -> None:
        send(self.config, message, recipients, accepted)


def _deliver(
    client: smtplib.SMTP,
    config: SmtpConfig,
    message: EmailMessage,
    recipients: list[str],
    where: str,
) -> None:
    if config.auth is not None:
        _login(client, config, where)
    try:
        refused = client.send_message(message, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        detail = "; ".join(
            f"{addr}: {_response(code, text)}" for addr, (code, text) in exc.recipients.items()
        )
        transient = all(400 <= code < 500 for code in codes)
        raise SendError(transient, f"{where} refused the recipients: {detail}") from exc
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused, 421...
        transient = 400 <= exc.smtp_code < 500
        raise SendError(
            transient, f"{where} answered {_response(exc.smtp_code, exc.smtp_error)}"
        ) from exc
    if refused:
        # Some recipients took it and some did not: the message is out, retrying would
        # send it twice to those who have it. Say so, permanently.
        detail = "; ".join(
            f"{addr}: {_response(code, text)}" for addr, (code, text) in refused.items()
        )
        raise SendError(
            False, f"{where} accepted the message but refused some recipients: {detail}"
        )


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__
