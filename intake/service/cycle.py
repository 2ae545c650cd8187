"""One poll cycle, start to finish: new mail in, requests assessed, state durable.

For each new message, in UID order:

1. fetch its bytes (the source never sets \\Seen);
2. read it: MIME → envelope → documents (pure, outside any transaction);
3. in ONE transaction: record the message, add its documents to the sender's open
   request, assess all of that request's documents, store the assessment, write the
   audit, advance the cursor, and note the mailbox action owed;
4. apply the mailbox action (move to Processed/Failed, or set a keyword), then note it done.

With `outgoing` settings, step 3 also queues the reply to the attorney (or audits why
none) and, for a complete or needs-review request, the clerks' summary, in the same
transaction as the assessment: the outbox holds them exactly when the assessment is
kept. The PDFs' bytes are kept in state_dir/documents/ before that transaction; the
summaries' pages and packets are rendered after the poll (see `intake.service.clerk_files`), and
`intake.service.send.send_due` sends what is queued.

Every step is idempotent, and the mailbox action comes last: killed anywhere, the next
poll either redoes uncommitted work (nothing of it was kept) or finds it committed and
only applies the action still owed. A UIDVALIDITY change makes every UID new again; the
SHA-256 of the bytes (with the Message-ID) keeps a message from being handled twice.

A message whose reading raises is recorded `failed` with the error, its bytes kept in
`state_dir/failed/<sha256>.eml` for `intake requests retry`, and the poll goes on.

No crash loop: the MIME parse and each PDF read run in bounded children, so hostile
bytes cannot take the poll down; for anything else that could (a bug in C code, the
OOM killer, an operator's kill), an attempt mark is committed before a message is
handled and removed in the transaction that records it. A message whose handling was
interrupted `MAX_INTERRUPTED` times is recorded failed with that reason and set aside,
and the mail behind it flows.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import queue
import sqlite3
import threading
import traceback
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from intake.core.model import Document, Envelope, Status
from intake.core.policy.assess import assess, other_signer, with_unverified_sender
from intake.core.policy.rules import Rules
from intake.core.replies.screen import Screening, Verdict, screen
from intake.core.sender_check import GATE_OFF, SenderCheck, check_sender
from intake.edges.durable import write_once
from intake.edges.mail.header_caps import cap_headers
from intake.edges.mail.isolated import parse_isolated
from intake.edges.mail.message import header_block
from intake.edges.mail.source import MailSource, MessageRef, RawMessage
from intake.edges.pdf.reader import warm_up_readers
from intake.edges.state_layout import StateLayout
from intake.edges.store import (
    MailboxAction,
    MessageRow,
    MessageStatus,
    RequestRow,
    RequestStatus,
    Store,
)
from intake.service.clerk_files import (
    SUMMARY_STATUSES,
    refresh_summaries,
    save_originals_behind,
)
from intake.service.crash_hook import crash_point
from intake.service.documents import prefetch_documents, read_documents
from intake.service.enqueue import Outgoing, queue_reply, queue_summary
from intake.service.journal import log_message

log = logging.getLogger(__name__)

ACTOR = "poll"

# progress(done, total): called once with done=0 when the backlog is known, then after
# each message.
Progress = Callable[[int, int], None]
# stop(): True once the process is asked to end (SIGTERM): the poll ends between two
# messages, each one before committed whole, the rest left for the next start.
Stop = Callable[[], bool]


# ------------------------------------------------------------------ test hook

CRASH_POINTS = ("after_fetch", "while_reading", "before_commit", "after_commit", "after_action")
# Handling interrupted this many times (the attempt marks say so): set the message aside.
MAX_INTERRUPTED = 2


def _crash_point(name: str) -> None:
    """TEST HOOK (see `intake.service.crash_hook`). The poll's points: after_fetch (bytes
    in hand, nothing recorded), while_reading (the attempt is marked, the message is
    being read: a message that kills the process every time), before_commit (inside the
    message's transaction), after_commit (work durable, mailbox action not applied),
    after_action (mailbox action applied, not yet noted)."""
    crash_point(name)


# ----------------------------------------------------------------- results


@dataclass
class PollResult:
    fetched: int = 0
    processed: int = 0
    duplicates: int = 0
    failed: int = 0
    ignored: int = 0
    # Mailbox actions owed by an interrupted earlier poll and applied by this one.
    actions_recovered: int = 0
    uidvalidity_changed: bool = False
    request_ids: set[int] = field(default_factory=set)
    summaries_rendered: int = 0
    # Why the clerks' pages could not be rendered (the poll's own work is kept).
    summary_error: str | None = None
    # Messages left in the mailbox because the poll was asked to stop (SIGTERM).
    left_for_next: int = 0

    def summary(self) -> str:
        parts = [
            f"{self.fetched} fetched",
            f"{self.processed} processed",
            f"{self.duplicates} duplicate(s)",
            f"{self.ignored} ignored",
            f"{self.failed} failed",
        ]
        if self.actions_recovered:
            parts.append(f"{self.actions_recovered} mailbox action(s) completed from before")
        if self.summaries_rendered:
            parts.append(f"{self.summaries_rendered} clerk summary(ies) rendered")
        if self.summary_error:
            parts.append(f"summaries not rendered: {self.summary_error}")
        if self.left_for_next:
            parts.append(f"stopped early: {self.left_for_next} left for the next poll")
        line = ", ".join(parts)
        if self.request_ids:
            line += f"; {len(self.request_ids)} request(s) updated"
        return line


@dataclass(frozen=True)
class EmailReading:
    """What one email says, read without touching any state."""

    envelope: Envelope
    documents: tuple[Document, ...]
    screening: Verdict
    sender_check: SenderCheck = GATE_OFF

    @property
    def ignored(self) -> str | None:
        """Why it starts no request (the screen said IGNORE), or None."""
        return self.screening.reason if self.screening.action is Screening.IGNORE else None


# ------------------------------------------------------------ pure decisions


def read_message(
    data: bytes,
    rules: Rules,
    own_addresses: Collection[str],
    authserv_ids: Collection[str] = (),
    envelope: Envelope | None = None,
) -> EmailReading:
    """MIME bytes → envelope, screening and documents, without touching any state; an
    exception here fails the message. The MIME parse runs in a bounded child
    (`parse_isolated`), and so does the reading of each PDF.

    `envelope` is the bytes' envelope when already parsed (by the read-ahead).
    """
    envelope = envelope if envelope is not None else parse_isolated(data)
    check = check_sender(envelope.sender_address, envelope.authentication_results, authserv_ids)
    verdict = screen(envelope, own_addresses=own_addresses, sender_check=check)
    ignored = verdict.action is Screening.IGNORE
    documents = () if ignored else tuple(read_documents(envelope, rules))
    return EmailReading(envelope, documents, verdict, check)


def header_message_id(data: bytes) -> str | None:
    """The Message-ID header, read from the header block only (cheap, never raises)."""
    try:
        capped, _ = cap_headers(header_block(data))
        headers = BytesHeaderParser(policy=compat32).parsebytes(capped)
        value = headers.get("Message-ID")
    except Exception:  # a header block so broken that even compat32 gives up
        return None
    text = str(value).strip() if value is not None else ""
    return text[:998] or None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def describe_error(exc: BaseException) -> str:
    """One line for the operator, plus where it happened (the last frame of our code)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "/intake/" in f.filename.replace(os.sep, "/")]
    where = f" (at {Path(ours[-1].filename).name}:{ours[-1].lineno})" if ours else ""
    return f"{type(exc).__name__}: {exc}{where}"[:2000]


def follow_up_target(store: Store, attorney: str) -> RequestRow | None:
    """The complete request a new email from `attorney` joins, when none accumulates.

    After a request is complete the attorney's next email ("did you get it?", a
    corrected letter, a seventh NEF) belongs to it, not to a new request. Once a clerk
    has closed it (a decision), the next email is a new application.
    """
    latest = store.requests.latest_for(attorney)
    if latest is not None and latest.status is RequestStatus.COMPLETE:
        return latest
    return None


# --------------------------------------------------------------- the cycle


@dataclass
class PollCycle:
    """What every step of one poll shares: the mailbox, the state, the policy, where
    replies go, and the tally. One is made per `poll_once`."""

    source: MailSource
    store: Store
    rules: Rules
    own_addresses: tuple[str, ...] = ()
    outgoing: Outgoing | None = None
    authserv_ids: tuple[str, ...] = ()
    result: PollResult = field(default_factory=PollResult)
    # Messages whose mailbox action is applied and not yet noted done (`_apply_action`).
    notes: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Arrival:
    """One fetched email as the state records it: where it sits and what its bytes are."""

    raw: RawMessage
    sha256: str
    message_id: str | None

    @property
    def ref(self) -> MessageRef:
        return self.raw.ref

    @classmethod
    def of(cls, raw: RawMessage) -> Arrival:
        return cls(raw, sha256_hex(raw.data), header_message_id(raw.data))


def poll_once(
    source: MailSource,
    store: Store,
    rules: Rules,
    *,
    own_address: str | None = None,
    progress: Progress | None = None,
    batch_size: int = 50,
    outgoing: Outgoing | None = None,
    stop: Stop | None = None,
    render_summaries: bool = True,
    authserv_ids: Collection[str] = (),
) -> PollResult:
    """Handle every message above the cursor of the source's folder. See the module doc.

    With `render_summaries=False` the clerks' pages and packets are left for the caller
    to render (`finish_summaries`), after it has sent the attorneys' replies: a packet
    costs more than the rest of a message's handling, and the attorneys are waiting.
    `authserv_ids`: the court's mail servers whose Authentication-Results are believed
    (none: the sender check is off).

    Raises `SourceError` when the mailbox fails mid-way; all work finished before that
    is durable and the next poll continues from there. With `stop`, the poll looks at it
    before each message and ends there once it says True (`left_for_next` counts the rest).
    """
    own = own_addresses(own_address, outgoing)
    cycle = PollCycle(source, store, rules, own, outgoing, tuple(authserv_ids))
    result = cycle.result
    folder = source.folder
    uidvalidity = source.uidvalidity()
    known = store.cursors.uidvalidities(folder)
    if uidvalidity not in known:
        # A new folder, or the server renumbered it: every UID is new again. The cursor
        # row is written now so that the change is noticed (and audited) only once.
        result.uidvalidity_changed = bool(known)
        with store.transaction():
            store.cursors.advance(folder, uidvalidity, 0)
            if known:
                store.audit.record(
                    ACTOR,
                    "uidvalidity_changed",
                    f"mailbox:{folder}",
                    previous=known,
                    current=uidvalidity,
                )

    try:
        result.actions_recovered = _apply_owed_actions(cycle, folder, uidvalidity)
        uids = source.uids_above(store.cursors.last_uid(folder, uidvalidity))
        if uids:  # the readers start (on the other core) while the first batch is fetched
            warm_up_readers()
        if progress:
            progress(0, len(uids))
        fetched = _fetch_in_batches(source, uids, batch_size, stop)
        done = 0
        for raw, envelope in _read_ahead(fetched, own, rules):
            if stop is not None and stop():
                break  # what the read-ahead started is dropped by the reader pool
            result.fetched += 1
            _crash_point("after_fetch")
            _handle(cycle, raw, envelope)
            done += 1
            if progress:
                progress(done, len(uids))
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # the error on its way out says more
            _note_done(store, cycle.notes)
        raise
    _note_done(store, cycle.notes)
    if stop is not None and stop():
        # The clerks' pages of this poll are owed, and drawn at the next start.
        result.left_for_next = len(uids) - done
    elif outgoing is not None and render_summaries:
        finish_summaries(store, outgoing, result)
    return result


def own_addresses(own_address: str | None, outgoing: Outgoing | None) -> tuple[str, ...]:
    """Every address of ours: mail from them (or naming them in X-Loop) is never answered."""
    found = [own_address or "", *(outgoing.own_addresses if outgoing else ())]
    return tuple(dict.fromkeys(a.strip().lower() for a in found if a and a.strip()))


def _fetch_in_batches(
    source: MailSource, uids: list[int], batch_size: int, stop: Stop | None
) -> Iterator[RawMessage]:
    """The messages of `uids`, fetched `batch_size` at a time; no new batch once stopping."""
    for start in range(0, len(uids), batch_size):
        if stop is not None and stop():
            return
        yield from source.fetch(uids[start : start + batch_size])


# Emails larger than this are read at their turn only: reading ahead holds two in memory.
READ_AHEAD_MAX_BYTES = 8 * 1024 * 1024
# How many messages past the current one are being read (MIME and PDFs) at any time.
READ_AHEAD_DEPTH = 2


def _read_ahead(
    raws: Iterable[RawMessage], own: Collection[str], rules: Rules
) -> Iterator[tuple[RawMessage, Envelope | None]]:
    """Each message with its envelope, once the reading of the NEXT ones has started.

    A thread of this process hands the next `READ_AHEAD_DEPTH` messages to the MIME
    parsing child and their PDFs to the reader pool, while this thread commits the
    current one: the children work on the other core instead of waiting for this
    process, which then only collects (`read_documents` takes the pool's reads over).
    Only a head start: a message whose MIME cannot be parsed ahead is parsed (and
    fails) again at its turn, and what a skipped duplicate started is dropped by the
    pool. The next messages are fetched as before; what the thread holds is at most
    `READ_AHEAD_DEPTH` messages of up to `READ_AHEAD_MAX_BYTES` each.
    """
    ahead = _Ahead(own, rules)
    pending: deque[tuple[RawMessage, Future[Envelope | None]]] = deque()
    try:
        for raw in raws:
            pending.append((raw, ahead.start(raw)))
            if len(pending) > READ_AHEAD_DEPTH:
                first, envelope = pending.popleft()
                yield first, envelope.result()
        while pending:
            first, envelope = pending.popleft()
            yield first, envelope.result()
    finally:  # stopped, or done: what was not started yet is not read
        for _, envelope in pending:
            envelope.cancel()
        ahead.close()


class _Ahead:
    """One daemon thread reading messages ahead, in the order given.

    A daemon thread rather than an executor: a stopped poll (SIGTERM) does not wait at
    exit for a parse still within its bounds; the parsing child is ended with it.
    """

    def __init__(self, own: Collection[str], rules: Rules) -> None:
        self._own = own
        self._rules = rules
        self._jobs: queue.SimpleQueue[tuple[RawMessage, Future[Envelope | None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None

    def start(self, raw: RawMessage) -> Future[Envelope | None]:
        future: Future[Envelope | None] = Future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="read-ahead", daemon=True)
            self._thread.start()
        self._jobs.put((raw, future))
        return future

    def close(self) -> None:
        """No new work; what was queued and not started is cancelled."""
        self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            raw, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(_start_reading(raw, self._own, self._rules))
            except BaseException:  # never: `_start_reading` catches what a parse raises
                future.set_result(None)


def _start_reading(raw: RawMessage, own: Collection[str], rules: Rules) -> Envelope | None:
    if len(raw.data) > READ_AHEAD_MAX_BYTES:
        return None
    try:
        envelope = parse_isolated(raw.data)  # bounded, like every parse of mail
    except Exception:  # reported at the message's own turn
        return None
    if screen(envelope, own_addresses=own).action is not Screening.IGNORE:
        prefetch_documents(envelope.attachments, rules)
    return envelope


def finish_summaries(store: Store, outgoing: Outgoing, result: PollResult) -> None:
    """Render the clerks' pages of the requests the poll touched, after its transactions;
    a failure here loses nothing (the rows stay queued without bytes, rendered by the
    next poll)."""
    try:
        result.summaries_rendered = refresh_summaries(
            store, outgoing, result.request_ids, actor=ACTOR
        )
    except sqlite3.Error:
        raise
    except Exception as exc:
        result.summary_error = describe_error(exc)


def _apply_owed_actions(cycle: PollCycle, folder: str, uidvalidity: int) -> int:
    """Finish the mailbox actions that a killed poll committed but did not apply."""
    owed = cycle.store.messages.pending_actions(folder, uidvalidity)
    for row in owed:
        _apply_action(cycle, row.id, row.uid, row.mailbox_action)
    return len(owed)


# Mailbox actions applied are noted done this many at a time (and at the poll's end):
# one commit for them all rather than one per message. A note that a crash loses only
# makes the next poll apply that action again, which is harmless (see `_apply_action`).
ACTION_NOTES_BATCH = 25


def _apply_action(
    cycle: PollCycle, message_row_id: int, uid: int, action: MailboxAction | None
) -> None:
    # Moving a UID that is already gone (moved before a crash) is a no-op on IMAP
    # servers and in the Maildir source, so applying an owed action twice is harmless.
    if action is MailboxAction.PROCESSED:
        cycle.source.mark_processed(uid)
    elif action is MailboxAction.FAILED:
        cycle.source.mark_failed(uid)
    _crash_point("after_action")
    cycle.notes.append(message_row_id)
    if len(cycle.notes) >= ACTION_NOTES_BATCH:
        _note_done(cycle.store, cycle.notes)


def _note_done(store: Store, notes: list[int]) -> None:
    """Note the applied mailbox actions of `notes` done, in one transaction; empties it."""
    if not notes:
        return
    with store.transaction():
        for message_row_id in notes:
            store.messages.action_done(message_row_id)
    notes.clear()


def _handle(cycle: PollCycle, raw: RawMessage, envelope: Envelope | None = None) -> None:
    store, result = cycle.store, cycle.result
    ref = raw.ref
    existing = store.messages.find(ref.folder, ref.uidvalidity, ref.uid)
    if existing is not None:
        # Recorded by an earlier poll whose cursor did not move (possible only if the
        # cursor row was lost): finish what it owes, count it as seen.
        result.duplicates += 1
        with store.transaction():
            store.cursors.advance(ref.folder, ref.uidvalidity, ref.uid)
        if existing.mailbox_action and existing.action_done_at is None:
            _apply_action(cycle, existing.id, ref.uid, existing.mailbox_action)
        return

    arrival = Arrival.of(raw)
    message_id = arrival.message_id
    original = store.messages.find_copy(arrival.sha256, message_id)
    why = "the same bytes and Message-ID"
    conflict: MessageRow | None = None
    if original is None and message_id is not None:
        earlier = store.messages.find_original(message_id)
        if earlier is not None and earlier.documents_key is not None:
            envelope = envelope or _parse_quietly(raw.data)
            key = documents_key(envelope) if envelope is not None else None
            if key == earlier.documents_key:
                original = earlier
                why = (
                    "the same Message-ID and the same documents "
                    f"({len(envelope.attachments) if envelope else 0}); only the headers differ"
                )
            elif key is not None:
                conflict = earlier
    if original is not None:
        row_id, action = _record_duplicate(store, arrival, original, why)
        result.duplicates += 1
    elif (
        interrupted := store.attempts.begin(ref.folder, ref.uidvalidity, ref.uid, arrival.sha256)
    ) >= (MAX_INTERRUPTED):
        # Killed, out of memory or crashed in C code twice while handling this very
        # message: a third try would most likely do it again and stop the mail behind it.
        reason = (
            f"its handling was interrupted {interrupted} times (the process was killed, "
            "ran out of memory or crashed); set aside so that the mail behind it flows"
        )
        row_id, action = _record_failure(store, arrival, reason)
        result.failed += 1
    else:
        try:
            _crash_point("while_reading")
            reading = read_message(
                raw.data, cycle.rules, cycle.own_addresses, cycle.authserv_ids, envelope
            )
        except KeyboardInterrupt:
            # Ctrl-C or SIGTERM (`poll --once`): a stop, not this message's doing.
            _forget_attempt(store, ref)
            raise
        except Exception as exc:
            row_id, action = _record_failure(store, arrival, exc)
            result.failed += 1
        else:
            try:
                row_id, action, status, request_id = _record_reading(
                    cycle, arrival, reading, conflict
                )
            except KeyboardInterrupt:
                _forget_attempt(store, ref)
                raise
            if status is MessageStatus.FAILED:
                result.failed += 1
            elif status is MessageStatus.IGNORED:
                result.ignored += 1
            else:
                result.processed += 1
            if request_id is not None:
                result.request_ids.add(request_id)
    log_message(store, row_id)
    _crash_point("after_commit")
    _apply_action(cycle, row_id, ref.uid, action)


def _forget_attempt(store: Store, ref: MessageRef) -> None:
    """The attempt was stopped on purpose: it does not count as an interrupted one."""
    with store.transaction():
        store.attempts.end(ref.folder, ref.uidvalidity, ref.uid)


def _insert_message(
    store: Store,
    arrival: Arrival,
    *,
    sender: str | None,
    subject: str | None,
    status: MessageStatus,
    mailbox_action: MailboxAction,
    error: str | None = None,
    request_id: int | None = None,
    duplicate_of: int | None = None,
    documents_key: str | None = None,
) -> int:
    """Inside a transaction: the message's row, keyed by where it stands in the mailbox
    and by what its bytes are."""
    ref = arrival.ref
    return store.messages.record(
        folder=ref.folder,
        uidvalidity=ref.uidvalidity,
        uid=ref.uid,
        sha256=arrival.sha256,
        size=len(arrival.raw.data),
        message_id=arrival.message_id,
        sender=sender,
        subject=subject,
        status=status,
        error=error,
        request_id=request_id,
        duplicate_of=duplicate_of,
        mailbox_action=mailbox_action,
        documents_key=documents_key,
    )


def _move_cursor_past(store: Store, ref: MessageRef) -> None:
    """The last write of a message's transaction: the next poll starts after it."""
    _crash_point("before_commit")
    store.cursors.advance(ref.folder, ref.uidvalidity, ref.uid)


def documents_key(envelope: Envelope) -> str:
    """What an email carried, in one value: its attachments' hashes and sizes, sorted.

    Two deliveries of one email (another Received: line, a rewritten header) carry the
    same; an email that reuses a Message-ID with other files does not. Pure.
    """
    parts = sorted(f"{hashlib.sha256(a.data).hexdigest()}:{a.size}" for a in envelope.attachments)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _parse_quietly(data: bytes) -> Envelope | None:
    try:
        return parse_isolated(data)  # bounded, like every parse of mail
    except Exception:  # its own turn reports it (the message fails there)
        return None


def _record_duplicate(
    store: Store, arrival: Arrival, original: MessageRow, why: str
) -> tuple[int, MailboxAction]:
    ref = arrival.ref
    action = (
        MailboxAction.FAILED if original.status is MessageStatus.FAILED else MailboxAction.PROCESSED
    )
    with store.transaction():
        row_id = _insert_message(
            store,
            arrival,
            sender=original.sender,
            subject=original.subject,
            status=MessageStatus.DUPLICATE,
            request_id=original.request_id,
            duplicate_of=original.id,
            mailbox_action=action,
        )
        store.audit.record(
            ACTOR,
            "duplicate",
            f"message:{row_id}",
            of=original.id,
            uid=ref.uid,
            uidvalidity=ref.uidvalidity,
            message_id=arrival.message_id,
            reason=why,
        )
        _move_cursor_past(store, ref)
    return row_id, action


def save_failed_bytes(state_dir: Path, sha: str, data: bytes) -> Path:
    """Keep a failed message's bytes for a retry; durable before the failure is recorded."""
    path = failed_bytes_path(state_dir, sha)
    write_once(path, data)
    return path


def failed_bytes_path(state_dir: Path, sha: str) -> Path:
    return StateLayout(state_dir).failed_message(sha)


def _record_failure(
    store: Store, arrival: Arrival, exc: BaseException | str
) -> tuple[int, MailboxAction]:
    """`exc`: what went wrong, or why the message is set aside."""
    ref = arrival.ref
    error = exc if isinstance(exc, str) else describe_error(exc)
    save_failed_bytes(store.state_dir, arrival.sha256, arrival.raw.data)
    with store.transaction():
        row_id = _insert_message(
            store,
            arrival,
            sender=None,
            subject=None,
            status=MessageStatus.FAILED,
            error=error,
            mailbox_action=MailboxAction.FAILED,
        )
        store.audit.record(ACTOR, "failed", f"message:{row_id}", uid=ref.uid, error=error)
        store.attempts.end(ref.folder, ref.uidvalidity, ref.uid)
        _move_cursor_past(store, ref)
    return row_id, MailboxAction.FAILED


def _record_reading(
    cycle: PollCycle,
    arrival: Arrival,
    reading: EmailReading,
    conflict: MessageRow | None = None,
) -> tuple[int, MailboxAction, MessageStatus, int | None]:
    """Commit one read message and everything that follows from it, at once.

    `conflict`: an earlier email with this Message-ID and other documents. This one is
    handled as the email it is, and the conflict is put on record for the clerk."""
    store, ref = cycle.store, arrival.ref
    envelope = reading.envelope
    try:
        # Durable before the commit that refers to them; a crash leaves an orphan at most.
        # Their disk flush runs while the request is assessed and the reply composed.
        originals = save_originals_behind(store.state_dir, envelope, reading.documents)
        with store.transaction():
            row_id = _insert_message(
                store,
                arrival,
                sender=envelope.sender_address,
                subject=envelope.subject[:998],
                status=MessageStatus.RECEIVED,
                mailbox_action=MailboxAction.PROCESSED,
                documents_key=documents_key(envelope),
            )
            status, request_id = apply_reading(
                store, cycle.rules, row_id, reading, actor=ACTOR, outgoing=cycle.outgoing
            )
            if conflict is not None:
                _record_conflict(store, row_id, request_id, conflict, arrival.message_id)
            store.attempts.end(ref.folder, ref.uidvalidity, ref.uid)
            _move_cursor_past(store, ref)
            originals.result()  # the PDFs are on the disk before the commit naming them
    except sqlite3.Error:
        raise  # the state itself is in trouble: stop the poll, do not blame the message
    except Exception as exc:
        # The assessment raised (a bug in the pure core): fail this message alone.
        row_id, action = _record_failure(store, arrival, exc)
        return row_id, action, MessageStatus.FAILED, None
    return row_id, MailboxAction.PROCESSED, status, request_id


MESSAGE_ID_CONFLICT = "message_id_conflict"


def _record_conflict(
    store: Store,
    row_id: int,
    request_id: int | None,
    earlier: MessageRow,
    message_id: str | None,
) -> None:
    """Inside the message's transaction: the audit lines a clerk and an operator see."""
    detail = {
        "message": row_id,
        "earlier_message": earlier.id,
        "earlier_request": earlier.request_id,
        "message_id": message_id,
        "reason": "the same Message-ID as an earlier email, with other documents: "
        "handled as an email of its own, not merged with the earlier one",
    }
    store.audit.record(ACTOR, MESSAGE_ID_CONFLICT, f"message:{row_id}", **detail)
    for request in {request_id, earlier.request_id} - {None}:
        store.audit.record(ACTOR, MESSAGE_ID_CONFLICT, f"request:{request}", **detail)


def apply_reading(
    store: Store,
    rules: Rules,
    message_row_id: int,
    reading: EmailReading,
    *,
    actor: str,
    outgoing: Outgoing | None = None,
) -> tuple[MessageStatus, int | None]:
    """Inside a transaction: add a read message's documents to its sender's open request
    and assess the request; with `outgoing`, queue the reply and the clerks' summary.
    Returns the message's status and the request it joined."""
    envelope = reading.envelope
    check = reading.sender_check
    store.messages.set_sender_check(message_row_id, check.state, check.summary)
    store.audit.record(
        actor,
        "screened",
        f"message:{message_row_id}",
        answer=reading.screening.action.value,
        reason=reading.screening.reason,
        sender_check=check.state,
        sender_check_detail=check.summary,
    )
    if reading.ignored is not None:
        store.messages.update(
            message_row_id,
            status=MessageStatus.IGNORED,
            error=reading.ignored,
            message_id=envelope.message_id,
            sender=envelope.sender_address,
            subject=envelope.subject[:998],
        )
        store.audit.record(actor, "ignored", f"message:{message_row_id}", reason=reading.ignored)
        if outgoing is not None:
            store.audit.record(
                actor, "no_reply", f"message:{message_row_id}", reason=reading.ignored
            )
        return MessageStatus.IGNORED, None

    attorney = (envelope.sender_address or "").strip().lower()
    request = store.requests.open_for(attorney)
    follow_up = False
    if request is None:
        request = follow_up_target(store, attorney)
        follow_up = request is not None
    if follow_up and request is not None:
        completed = store.assessments.latest(request.id)
        newcomer = other_signer(reading.documents, completed.attorney_name if completed else None)
        if newcomer is not None:
            store.audit.record(
                actor,
                "other_attorney_same_address",
                f"request:{request.id}",
                message=message_row_id,
                signer=newcomer,
            )
            request, follow_up = None, False
    if request is None:
        request_id = store.requests.create(attorney, envelope.sender_name)
        store.audit.record(actor, "request_opened", f"request:{request_id}", attorney=attorney)
    else:
        request_id = request.id
    if follow_up:
        store.audit.record(
            actor, "follow_up_to_complete", f"request:{request_id}", message=message_row_id
        )
    added, repeated = [], []
    for document in reading.documents:
        store.documents.save(document, message_row_id)
        if store.documents.attach(request_id, document.sha256, document.filename, message_row_id):
            added.append(document.filename)
        else:
            repeated.append(document.filename)
    store.audit.record(
        actor,
        "documents_added",
        f"request:{request_id}",
        message=message_row_id,
        added=added,
        already_held=repeated,
    )

    held = [document for document, _ in store.documents.of_request(request_id)]
    name = envelope.sender_name or (request.attorney_name if request else None)
    # The clerks' decisions on this request's documents stand in every later assessment.
    assessment = assess(held, name, rules, store.decisions.of_request(request_id))
    unverified = store.messages.unverified_senders(request_id)
    if unverified:
        # The sender check is on and some of this request's mail may be forged.
        assessment = with_unverified_sender(assessment, unverified, rules)
    store.assessments.add(request_id, assessment, message_row_id)
    store.requests.update(
        request_id, status=RequestStatus(assessment.status.value), attorney_name=name
    )
    store.messages.update(
        message_row_id,
        status=MessageStatus.PROCESSED,
        error=None,
        request_id=request_id,
        message_id=envelope.message_id,
        sender=envelope.sender_address,
        subject=envelope.subject[:998],
    )
    store.audit.record(
        actor,
        "assessed",
        f"request:{request_id}",
        message=message_row_id,
        status=assessment.status.value,
        qualifying_nefs=assessment.qualifying_nefs,
        letter=assessment.letter.value,
        documents=len(held),
    )
    # A follow-up cannot undo a completion (assess: the good letter and the counted NEFs
    # stay); a good letter naming another attorney opened a request of its own above.
    still_complete = follow_up and assessment.status is Status.COMPLETE
    if outgoing is not None and reading.screening.action is not Screening.ANSWER:
        store.audit.record(
            actor,
            "no_reply",
            f"message:{message_row_id}",
            reason=reading.screening.reason,
            request=request_id,
        )
    elif outgoing is not None:
        queue_reply(
            store,
            outgoing,
            request_id=request_id,
            message_row_id=message_row_id,
            envelope=envelope,
            assessment=assessment,
            documents=held,
            actor=actor,
            follow_up_to=reading.documents if still_complete else None,
            authenticated_submission=check.gate_on and check.verified and bool(reading.documents),
        )
        # The clerks already have this request's summary; its page and packet on disk
        # are re-rendered after the poll (refresh_summaries, for every request touched).
        if RequestStatus(assessment.status.value) in SUMMARY_STATUSES and not still_complete:
            queue_summary(store, outgoing, request_id=request_id, actor=actor)
    return MessageStatus.PROCESSED, request_id
