"""The send step: queued outbox rows out through a mail sink, each exactly once.

Each row holds the full bytes of its message, Message-ID included, fixed when it was
queued. Before sending a row, `send_due` claims it in the database (one UPDATE in a
transaction of its own: of any number of senders - the daemon, `intake outbox send`,
`intake digest`, `intake poll` - exactly one gets it), and the row is marked sent in
its own transaction the moment the sink has it: for SMTP, when the server has answered
250 to the DATA, before QUIT. A transient failure (server down, 4xx, TLS or login
trouble) puts the row back with a growing delay (1 min, 2, 4 … capped at 1 h) and is
logged as a warning; a permanent one (5xx for this message) marks it failed, audited and
logged as an error.

The one window left: the server accepted a message and the process died before the
commit marking it sent (one SQLite commit wide; measured in bench/send_window.py). The
claim of the dead sender lapses after CLAIM_FOR, and the next round sends it again, with
the same Message-ID (the recipient's client shows one message; the folder sink finds the
file by that Message-ID and writes nothing).
"""

from __future__ import annotations

import datetime as dt
import email
import logging
import os
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from intake.config import ConfigError, Settings
from intake.core.replies.headers import OUTGOING_POLICY
from intake.edges.durable import process_alive
from intake.edges.mail.folder_sink import OutboxFolder, OutboxFolderError
from intake.edges.mail.smtp import AccessTokens, SendError, SmtpConfig, SmtpSink, verify_login
from intake.edges.oauth import token_source
from intake.edges.store import OutboxRow, Store
from intake.service.crash_hook import crash_point
from intake.service.journal import log_sent

log = logging.getLogger(__name__)

ACTOR = "outbox"
FIRST_DELAY = dt.timedelta(minutes=1)
MAX_DELAY = dt.timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 72  # about three days at the capped delay
# How long a sender holds a row it is sending: longer than any one send can take (each
# SMTP step has its timeout); a sender that died holding one gives it up after this.
CLAIM_FOR = dt.timedelta(minutes=10)
CRASH_POINTS = ("after_accept", "after_mark_sent")


class Sink(Protocol):
    def send(
        self,
        message: EmailMessage,
        recipients: Sequence[str],
        accepted: Callable[[], None] | None = None,
    ) -> None:
        """Deliver `message` to exactly `recipients` (the SMTP envelope), whatever its
        To/Cc headers say; call `accepted` the moment the message is out of our hands
        (the SMTP server accepted the DATA; the file is in place)."""
        ...


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    # Due rows not tried this round: the sink failed transiently, so the server is
    # probably down for all of them; they stay due for the next round.
    deferred: int = 0
    # Due rows another sender (the daemon, a second `outbox send`) held or sent first.
    taken: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        line = f"{len(self.sent)} sent, {len(self.retrying)} to retry, {len(self.failed)} failed"
        if self.deferred:
            line += f", {self.deferred} deferred"
        if self.taken:
            line += f", {self.taken} taken by another sender"
        if self.errors:
            line += f" (last error: {self.errors[-1]})"
        return line


def backoff(attempts: int) -> dt.timedelta:
    """The delay before the next try after `attempts` failed ones (1 min doubling, ≤ 1 h)."""
    exponent = min(max(attempts - 1, 0), 16)
    delay: dt.timedelta = FIRST_DELAY * 2**exponent
    return min(delay, MAX_DELAY)


def parse_raw(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=OUTGOING_POLICY)
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


def _send_one(sink: Sink, row: OutboxRow, accepted: Callable[[], None]) -> None:
    assert row.raw is not None
    recipients = envelope_recipients(row.to_address)
    if isinstance(sink, OutboxFolder):
        try:
            if sink.send_raw(row.raw, recipients, accepted):
                return
        except OutboxFolderError as exc:  # disk full, no access: may clear up
            raise SendError(True, str(exc)) from exc
    try:
        message = parse_raw(row.raw)
    except Exception as exc:  # bytes the email package cannot read back: never sendable
        raise SendError(False, f"not sent: the message cannot be read ({exc})") from exc
    try:
        sink.send(message, recipients, accepted)
    except SendError:
        raise
    except OutboxFolderError as exc:  # disk full, no access: may clear up
        raise SendError(True, str(exc)) from exc
    except (ValueError, TypeError, LookupError, UnicodeError) as exc:
        # The message itself cannot be written out (a header the generator rejects):
        # this row can never be sent, and the rows behind it must not wait for it.
        raise SendError(False, f"not sent: the message cannot be written ({exc})") from exc


def sender_name() -> str:
    """Who holds a claim: host and pid, for `outbox list` and the audit."""
    return f"{socket.gethostname()}:{os.getpid()}"


def send_due(
    store: Store,
    sink: Sink,
    *,
    now: dt.datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    limit: int = 1000,
    stop: Callable[[], bool] | None = None,
    ignore_backoff: bool = False,
) -> SendReport:
    """Send the queued messages that are due; see the module doc. With `stop`, the round
    ends before the next message once it says True (SIGTERM); the rest stay queued.
    `ignore_backoff` (`intake outbox send --now`): every queued row, due or not."""
    report = SendReport()
    owner = sender_name()
    _release_dead_claims(store, now or store.now())
    due = store.outbox.due(now or store.now(), limit=limit, ignore_backoff=ignore_backoff)
    for position, row in enumerate(due):
        if stop is not None and stop():
            report.deferred = len(due) - position
            break
        moment = now or store.now()
        with store.transaction():
            mine = store.outbox.claim(row.id, owner, moment, moment + CLAIM_FOR)
        if not mine:
            report.taken += 1  # another sender has it (or sent it meanwhile)
            continue
        done: list[bool] = []

        def accepted(row: OutboxRow = row, done: list[bool] = done) -> None:
            # The server has the message: mark it sent before anything else (QUIT
            # included), so that the window for a second send is this one commit.
            crash_point("after_accept")
            _mark_sent(store, row)
            done.append(True)
            crash_point("after_mark_sent")

        try:
            _send_one(sink, row, accepted)
        except SendError as exc:
            if done:  # accepted already, then the goodbye failed: it is sent
                report.sent.append(row.id)
                continue
            _failed(store, row, exc, report, max_attempts=max_attempts, now=now)
            if exc.transient:
                report.deferred = len(due) - position - 1
                break
            continue
        if not done:  # a sink that does not call back: it returned, so it is out
            _mark_sent(store, row)
        report.sent.append(row.id)
    return report


def _release_dead_claims(store: Store, now: dt.datetime) -> None:
    """Free the rows held by a sender of this machine that is gone (killed mid-send):
    the next round need not wait CLAIM_FOR for them. Claims from elsewhere lapse."""
    host = socket.gethostname()
    for row in store.outbox.claimed(now):
        claimant_host, _, pid = (row.claimed_by or "").rpartition(":")
        if claimant_host == host and pid.isdigit() and not process_alive(int(pid)):
            with store.transaction():
                if store.outbox.release(row.id, row.claimed_by or ""):
                    store.audit.record(
                        ACTOR, "claim_released", f"outbox:{row.id}", sender=row.claimed_by
                    )


def _mark_sent(store: Store, row: OutboxRow) -> None:
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


def _failed(
    store: Store,
    row: OutboxRow,
    exc: SendError,
    report: SendReport,
    *,
    max_attempts: int,
    now: dt.datetime | None,
) -> None:
    """Put a row back for a later try, or fail it for good; audited and logged."""
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
    if row.id in report.failed:
        log.error(
            "%s to %s (outbox %d) FAILED for good after %d attempt(s): %s",
            row.kind, row.to_address, row.id, attempts, exc.message,
        )  # fmt: skip
    else:
        log.warning(
            "%s to %s (outbox %d) not sent (attempt %d), will retry: %s",
            row.kind, row.to_address, row.id, attempts, exc.message,
        )  # fmt: skip


def sink_from_settings(settings: Settings, tokens: AccessTokens | None = None) -> Sink:
    """The configured sink: the folder outbox (default) or the SMTP server.

    With `smtp.auth = "xoauth2"` the login takes its tokens from `tokens` (the daemon
    passes the IMAP login's source, so one token serves both) or else from a new source
    for the [oauth] section. Raises ConfigError when a secret or the [oauth] is missing.
    """
    if settings.outbox.sink == "smtp":
        return SmtpSink(smtp_config(settings, tokens))
    return OutboxFolder(settings.outbox_folder)


def probe_sink(settings: Settings, tokens: AccessTokens | None = None) -> str | None:
    """Whether the configured sink takes mail now, touching no outbox row: None when it
    does (the SMTP server answers and accepts the login; the folder is writable), else
    why not. The daemon asks this often while sends fail, and sends at once when it can."""
    if settings.outbox.sink == "smtp":
        try:
            verify_login(smtp_config(settings, tokens))
        except SendError as exc:
            return exc.message
        return None
    folder = settings.outbox_folder
    target = folder if folder.exists() else folder.parent
    return None if os.access(target, os.W_OK) else f"{target} is not writable"


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
