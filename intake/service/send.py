"""The send step: queued outbox rows out through a mail sink, each exactly once.

Each row holds the full bytes of its message, Message-ID included, fixed when it was
queued. `send_due` hands every due row to the sink and marks it sent in its own
transaction right after the sink returns. A transient failure (server down, 4xx, TLS
or login trouble) puts the row back with a growing delay (1 min, 2, 4 … capped at 1 h);
a permanent one (5xx for this message) marks it failed, with the error, in the audit.

The one window left: the server accepted a message and the process died before the
commit marking it sent. The next round sends it again, with the same Message-ID (the
recipient's client shows one message; the folder sink finds the file by that Message-ID
and writes nothing). The window is one SMTP QUIT plus one SQLite commit wide.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from intake.config import ConfigError, Settings
from intake.edges.mail.folder_sink import OutboxFolder, OutboxFolderError
from intake.edges.mail.smtp import AccessTokens, SendError, SmtpConfig, SmtpSink
from intake.edges.oauth import token_source
from intake.edges.store import OutboxRow, Store
from intake.service.journal import log_sent

ACTOR = "outbox"
FIRST_DELAY = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 72  # about three days at the capped delay


class Sink(Protocol):
    def send(self, message: EmailMessage, recipients: Sequence[str]) -> None:
        """Deliver `message` to exactly `recipients` (the SMTP envelope), whatever its
        To/Cc headers say."""
        ...


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    # Due rows not tried this round: the sink failed transiently, so the server is
    # probably down for all of them; they stay due for the next round.
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"{len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.failed)} failed"
        if self.deferred:
            line += f", {self.deferred} deferred"
        if self.errors:
            line += f" (last error: {self.errors[-1]})"
        return line


def backoff(attempts: int) -> dt.timedelta:
    """The delay before the next try after `attempts` failed ones (1 min doubling, ≤ 1 h)."""
    exponent = min(max(attempts - 1, 0), 16)
    delay: dt.timedelta = FIRST_DELAY * 2**exponent
    return min(delay, MAX_DELAY)


def parse_raw(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.SMTP)
    assert isinstance(message, EmailMessage)
    return message


# A bare addr-spec as the outbox stores it: nothing that needs quoting, no display name.
_BARE_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\]+")


def envelope_recipients(to_address: str) -> list[str]:
    """The SMTP envelope recipients of an outbox row: its stored addresses, nothing else.

    A reply's row holds the one sender address it answers; a summary's or digest's the
    clerks' addresses, comma-separated. The message's own To header is never read for
    this: a display name the email package folds into extra addresses must not turn the
    court into a relay. Raises a permanent SendError for a row without a usable address.
    """
    addresses = [a.strip().lower() for a in to_address.split(",") if a.strip()]
    bad = [a for a in addresses if not _BARE_ADDRESS.fullmatch(a)]
    if not addresses or bad:
        shown = ", ".join(repr(a) for a in bad) or "none"
        raise SendError(False, f"not sent: the row has no usable recipient address ({shown})")
    return list(dict.fromkeys(addresses))


def _send_one(sink: Sink, row: OutboxRow) -> None:
    assert row.raw is not None
    recipients = envelope_recipients(row.to_address)
    try:
        message = parse_raw(row.raw)
    except Exception as exc:  # bytes the email package cannot read back: never sendable
        raise SendError(False, f"not sent: the message cannot be read ({exc})") from exc
    try:
        sink.send(message, recipients)
    except SendError:
        raise
    except OutboxFolderError as exc:  # disk full, no access: may clear up
        raise SendError(True, str(exc)) from exc
    except (ValueError, TypeError, LookupError, UnicodeError) as exc:
        # The message itself cannot be written out (a header the generator rejects):
        # this row can never be sent, and the rows behind it must not wait for it.
        raise SendError(False, f"not sent: the message cannot be written ({exc})") from exc


def send_due(
    store: Store,
    sink: Sink,
    *,
    now: dt.datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    limit: int = 1000,
    stop: Callable[[], bool] | None = None,
) -> SendReport:
    """Send the queued messages that are due; see the module doc. With `stop`, the round
    ends before the next message once it says True (SIGTERM); the rest stay queued."""
    report = SendReport()
    due = store.outbox.due(now or store.now(), limit=limit)
    for position, row in enumerate(due):
        if stop is not None and stop():
            report.deferred = len(due) - position
            break
        try:
            _send_one(sink, row)
        except SendError as exc:
            report.errors.append(exc.message)
            attempts = row.attempts + 1
            with store.transaction():
                if exc.transient and attempts < max_attempts:
                    retry_at = (now or store.now()) + backoff(attempts)
                    store.outbox.mark_retry(row.id, exc.message, retry_at)
                    store.audit.record(
                        ACTOR,
                        "send_retry",
                        f"outbox:{row.id}",
                        error=exc.message,
                        attempts=attempts,
                        next_attempt_at=retry_at.isoformat(timespec="seconds"),
                    )
                    report.retrying.append(row.id)
                else:
                    store.outbox.mark_failed(row.id, exc.message)
                    store.audit.record(
                        ACTOR,
                        "send_failed",
                        f"outbox:{row.id}",
                        error=exc.message,
                        attempts=attempts,
                        transient=exc.transient,
                    )
                    report.failed.append(row.id)
            if exc.transient:
                report.deferred = len(due) - position - 1
                break
            continue
        # Accepted: commit at once, so the window for a second send stays this small.
        with store.transaction():
            store.outbox.mark_sent(row.id)
            store.audit.record(
                ACTOR,
                "sent",
                f"outbox:{row.id}",
                kind=row.kind,
                to=row.to_address,
                message_id=row.message_id,
            )
        log_sent(row)
        report.sent.append(row.id)
    return report


def sink_from_settings(settings: Settings, tokens: AccessTokens | None = None) -> Sink:
    """The configured sink: the folder outbox (default) or the SMTP server.

    With `smtp.auth = "xoauth2"` the login takes its tokens from `tokens` (the daemon
    passes the IMAP login's source, so one token serves both) or else from a new source
    for the [oauth] section. Raises ConfigError when a secret or the [oauth] is missing.
    """
    if settings.outbox.sink == "smtp":
        return SmtpSink(smtp_config(settings, tokens))
    return OutboxFolder(settings.outbox_folder)


def smtp_config(settings: Settings, tokens: AccessTokens | None = None) -> SmtpConfig:
    smtp = settings.smtp
    assert smtp is not None  # validated by Settings
    password: str | None = None
    if smtp.auth == "xoauth2":
        if smtp.username is None:
            raise ConfigError(
                f"{settings.origin}: smtp.auth = 'xoauth2' needs smtp.username, "
                "the mailbox the OAuth2 token belongs to"
            )
        tokens = tokens or token_source(settings)
        if tokens is None:
            raise ConfigError(
                f"{settings.origin}: smtp.auth = 'xoauth2' needs an [oauth] section "
                "(the same one as the IMAP login's, usually)"
            )
    else:
        tokens = None
        password = smtp.password()
    return SmtpConfig(
        host=smtp.host,
        port=smtp.effective_port,
        security=smtp.security,
        username=smtp.username if password is not None or tokens is not None else None,
        password=password,
        timeout=smtp.timeout_seconds,
        ca_file=smtp.tls_ca_file,
        tokens=tokens,
    )
