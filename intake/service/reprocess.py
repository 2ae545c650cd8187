"""`intake requests retry`: read the failed messages again, then free them in the mailbox.

First the database (`retry_failed`): each failed message is read again from the bytes
the poll kept, and applied as the poll would have, in a transaction of its own. Then
the mailbox (`owed_releases`, `release_each`), message by message, through
`MailSource.release_failed`: out of the Failed folder into Processed, or the failed
keyword swapped for the processed one.

Who is owed a release is read from the state, not carried over from the retry: a
message whose mailbox action was "failed" and was applied, that now stands processed or
ignored (itself, or as the byte-for-byte duplicate of such a message), and whose audit
trail holds no release yet. So a retry that could not reach the mailbox leaves its
messages owed, and the next retry releases them; a second retry after a full one finds
nothing owed and touches nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

from intake.core.policy.rules import Rules
from intake.edges.mail.source import MailSource
from intake.edges.store import MailboxAction, MessageRow, MessageStatus, Store
from intake.service.clerk_files import save_originals
from intake.service.cycle import (
    apply_reading,
    describe_error,
    failed_bytes_path,
    header_message_id,
    own_addresses,
    read_message,
)
from intake.service.enqueue import Outgoing
from intake.service.journal import log_message

log = logging.getLogger(__name__)

# Audit actions on `message:<id>`; either one settles the message for good.
RELEASED = "released"
NOT_FOUND = "release_not_found"
SETTLED = frozenset({RELEASED, NOT_FOUND})

SUCCEEDED = frozenset({MessageStatus.PROCESSED, MessageStatus.IGNORED})


# -------------------------------------------------------------- read again


@dataclass
class RetryResult:
    retried: int = 0
    processed: int = 0
    ignored: int = 0
    still_failed: int = 0
    missing_bytes: list[int] = field(default_factory=list)


def retry_failed(
    store: Store,
    rules: Rules,
    *,
    own_address: str | None = None,
    actor: str = "retry",
    outgoing: Outgoing | None = None,
    authserv_ids: Collection[str] = (),
) -> RetryResult:
    """Run the failed messages again from their saved bytes.

    The mailbox is not touched: the message already sits in the Failed folder (or
    carries the failed keyword); its row and request are what change.
    """
    result = RetryResult()
    for row in store.messages.all(status=MessageStatus.FAILED):
        path = failed_bytes_path(store.state_dir, row.sha256)
        try:
            data = path.read_bytes()
        except OSError:
            result.missing_bytes.append(row.id)
            continue
        result.retried += 1
        try:
            reading = read_message(data, rules, own_addresses(own_address, outgoing), authserv_ids)
            save_originals(store.state_dir, reading.envelope, reading.documents)
            with store.transaction():
                status, _ = apply_reading(
                    store, rules, row.id, reading, actor=actor, outgoing=outgoing
                )
                store.audit.record(actor, "retried", f"message:{row.id}", status=status.value)
        except sqlite3.Error:
            raise
        except Exception as exc:
            error = describe_error(exc)
            with store.transaction():
                store.messages.update(row.id, status=MessageStatus.FAILED, error=error)
                store.audit.record(actor, "retry_failed", f"message:{row.id}", error=error)
            result.still_failed += 1
            log_message(store, row.id)
            continue
        log_message(store, row.id)
        if status is MessageStatus.IGNORED:
            result.ignored += 1
        else:
            result.processed += 1
    return result


# ---------------------------------------------------------------- release


def owes_release(row: MessageRow, original: MessageRow | None) -> bool:
    """Whether `row`'s message was put in Failed (or given the failed keyword) although
    its work has since succeeded; `original` is the row a duplicate copies. Pure: the
    audit trail (released already?) is the caller's to read."""
    if row.mailbox_action is not MailboxAction.FAILED or row.action_done_at is None:
        return False
    if row.status is MessageStatus.DUPLICATE:
        return original is not None and original.status in SUCCEEDED
    return row.status in SUCCEEDED


def owed_releases(store: Store) -> list[MessageRow]:
    """Every message owed a release, oldest first (see the module docstring)."""
    rows = store.messages.all()
    by_id = {row.id: row for row in rows}
    candidates = [row for row in rows if owes_release(row, by_id.get(row.duplicate_of or 0))]
    # The audit trail (indexed by subject) is read only for rows that could qualify.
    return [row for row in candidates if not _settled(store, row.id)]


def _settled(store: Store, message_row_id: int) -> bool:
    return any(entry.action in SETTLED for entry in store.audit.trail(f"message:{message_row_id}"))


def release_each(
    source: MailSource, store: Store, rows: Iterable[MessageRow], *, actor: str
) -> Iterator[tuple[MessageRow, bool]]:
    """Release each row's message from the open `source`, auditing each outcome at once;
    yield (row, True) when it was released, (row, False) when it was no longer marked
    failed (moved by a clerk, say: settled too, it is not looked for again).

    A `SourceError` from the mailbox ends the loop: the releases yielded before are
    audited, the rest stay owed for the next retry.
    """
    for row in rows:
        message_id = _message_id(store, row)
        found = source.release_failed(row.sha256, message_id)
        with store.transaction():
            store.audit.record(
                actor,
                RELEASED if found else NOT_FOUND,
                f"message:{row.id}",
                folder=row.folder,
                sha256=row.sha256,
                message_id=message_id,
            )
        if found:
            log.info("message #%d (%s) released from Failed", row.id, message_id or row.sha256)
        else:
            log.info("message #%d is no longer marked failed in the mailbox", row.id)
        yield row, found


def _message_id(store: Store, row: MessageRow) -> str | None:
    """The Message-ID exactly as the header holds it (what the server searches), read
    from the saved bytes; the row's (possibly cleaned) value when they are gone."""
    try:
        data = failed_bytes_path(store.state_dir, row.sha256).read_bytes()
    except OSError:
        return row.message_id
    return header_message_id(data)
