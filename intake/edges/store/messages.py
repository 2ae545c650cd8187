"""The emails seen: one row per message fetched, with what became of it."""

from __future__ import annotations

import sqlite3
from typing import Any

from intake.edges.store.connection import Connection
from intake.edges.store.records import MailboxAction, MessageRow, MessageStatus


class Messages:
    """Every email fetched, its status, its request and its pending mailbox action."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def find(self, folder: str, uidvalidity: int, uid: int) -> MessageRow | None:
        row = self._db.one(
            "SELECT * FROM messages WHERE folder = ? AND uidvalidity = ? AND uid = ?",
            (folder, uidvalidity, uid),
        )
        return _message(row) if row else None

    def find_copy(self, sha256: str, message_id: str | None) -> MessageRow | None:
        """The first message already handled with these exact bytes (and this Message-ID).

        The hash covers the headers too, so equal bytes mean the same Message-ID; the
        Message-ID is compared as well so that a weak hash collision could not merge two
        different emails. A duplicate row points at its original, so originals only.
        """
        row = self._db.one(
            "SELECT * FROM messages WHERE sha256 = ? AND message_id IS ?"
            " AND status IN ('processed', 'ignored', 'failed') ORDER BY id LIMIT 1",
            (sha256, message_id),
        )
        return _message(row) if row else None

    def find_original(self, message_id: str) -> MessageRow | None:
        """The first email handled with this Message-ID (not a duplicate row)."""
        row = self._db.one(
            "SELECT * FROM messages WHERE message_id = ?"
            " AND status IN ('processed', 'ignored', 'failed') ORDER BY id LIMIT 1",
            (message_id,),
        )
        return _message(row) if row else None

    def get(self, message_row_id: int) -> MessageRow | None:
        row = self._db.one("SELECT * FROM messages WHERE id = ?", (message_row_id,))
        return _message(row) if row else None

    def record(
        self,
        *,
        folder: str,
        uidvalidity: int,
        uid: int,
        sha256: str,
        size: int,
        message_id: str | None,
        sender: str | None,
        subject: str | None,
        status: MessageStatus,
        error: str | None = None,
        request_id: int | None = None,
        duplicate_of: int | None = None,
        mailbox_action: MailboxAction | None = None,
        documents_key: str | None = None,
    ) -> int:
        now = self._db.stamp_now()
        cur = self._db.write(
            "INSERT INTO messages (folder, uidvalidity, uid, message_id, sha256, size, sender,"
            " subject, status, error, request_id, duplicate_of, mailbox_action,"
            " received_at, updated_at, documents_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                folder,
                uidvalidity,
                uid,
                message_id,
                sha256,
                size,
                sender,
                subject,
                status.value,
                error,
                request_id,
                duplicate_of,
                mailbox_action.value if mailbox_action else None,
                now,
                now,
                documents_key,
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def update(
        self,
        message_row_id: int,
        *,
        status: MessageStatus,
        error: str | None,
        request_id: int | None = None,
        message_id: str | None = None,
        sender: str | None = None,
        subject: str | None = None,
        duplicate_of: int | None = None,
    ) -> None:
        self._db.write(
            "UPDATE messages SET status = ?, error = ?, request_id = ?,"
            " message_id = coalesce(?, message_id), sender = coalesce(?, sender),"
            " subject = coalesce(?, subject), duplicate_of = ?, updated_at = ? WHERE id = ?",
            (
                status.value,
                error,
                request_id,
                message_id,
                sender,
                subject,
                duplicate_of,
                self._db.stamp_now(),
                message_row_id,
            ),
        )

    def set_sender_check(self, message_row_id: int, state: str, detail: str) -> None:
        """What the sender check found ('off' | 'verified' | 'not_verified', and why)."""
        self._db.write(
            "UPDATE messages SET sender_check = ?, sender_check_detail = ? WHERE id = ?",
            (state, detail, message_row_id),
        )

    def unverified_senders(self, request_id: int) -> list[str]:
        """What the sender check found for each of the request's unauthenticated emails."""
        rows = self._db.all(
            "SELECT sender_check_detail FROM messages WHERE request_id = ?"
            " AND sender_check = 'not_verified' ORDER BY id",
            (request_id,),
        )
        return [str(r["sender_check_detail"] or "") for r in rows]

    def pending_actions(self, folder: str, uidvalidity: int) -> list[MessageRow]:
        """Messages whose work is committed but whose mailbox action is not known done."""
        rows = self._db.all(
            "SELECT * FROM messages WHERE folder = ? AND uidvalidity = ?"
            " AND mailbox_action IS NOT NULL AND action_done_at IS NULL ORDER BY uid",
            (folder, uidvalidity),
        )
        return [_message(r) for r in rows]

    def action_done(self, message_row_id: int) -> None:
        self._db.write(
            "UPDATE messages SET action_done_at = ? WHERE id = ?",
            (self._db.stamp_now(), message_row_id),
        )

    def all(
        self, *, status: MessageStatus | None = None, request_id: int | None = None
    ) -> list[MessageRow]:
        clauses: list[str] = []
        params: list[Any] = []
        if status is not None:
            clauses.append("status = ?")
            params.append(status.value)
        if request_id is not None:
            clauses.append("request_id = ?")
            params.append(request_id)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.all(f"SELECT * FROM messages{where} ORDER BY id", params)
        return [_message(r) for r in rows]

    def counts(self) -> dict[str, int]:
        return self._db.status_counts("messages")


def _message(row: sqlite3.Row) -> MessageRow:
    values = dict(row)
    values["status"] = MessageStatus(values["status"])
    action = values["mailbox_action"]
    values["mailbox_action"] = MailboxAction(action) if action else None
    return MessageRow(**values)
