"""After a retry: take the messages that now succeed out of the mailbox's Failed folder.

`intake requests retry` updates the database first (`pipeline.retry_failed`); the
mailbox follows here, message by message, through `MailSource.release_failed` (into
Processed, or the failed keyword swapped for the processed one).

Who is owed a release is read from the state, not carried over from the retry: a
message whose mailbox action was "failed" and was applied, that now stands processed or
ignored (itself, or as the byte-for-byte duplicate of such a message), and whose audit
trail holds no release yet. So a retry that could not reach the mailbox leaves its
messages owed, and the next retry releases them; a second retry after a full one finds
nothing owed and touches nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from intake.mail.source import MailSource
from intake.pipeline import failed_bytes_path, header_message_id
from intake.store import MailboxAction, MessageRow, MessageStatus, Store

log = logging.getLogger(__name__)

# Audit actions on `message:<id>`; either one settles the message for good.
RELEASED = "released"
NOT_FOUND = "release_not_found"
SETTLED = frozenset({RELEASED, NOT_FOUND})

SUCCEEDED = frozenset({MessageStatus.PROCESSED, MessageStatus.IGNORED})


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
    rows = store.messages()
    by_id = {row.id: row for row in rows}
    candidates = [row for row in rows if owes_release(row, by_id.get(row.duplicate_of or 0))]
    # The audit trail (indexed by subject) is read only for rows that could qualify.
    return [row for row in candidates if not _settled(store, row.id)]


def _settled(store: Store, message_row_id: int) -> bool:
    return any(entry.action in SETTLED for entry in store.audit_trail(f"message:{message_row_id}"))


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
            store.audit(
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
