"""The outbox: replies, clerk summaries and alerts queued to send, with their attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from intake.edges.store.connection import Connection, stamp
from intake.edges.store.records import OutboxRow


class Outbox:
    """Outgoing messages: queued, rendered, sent, retried, failed."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def enqueue(
        self,
        *,
        request_id: int | None,
        message_id: str,
        kind: str,
        to_address: str,
        subject: str,
        body: str,
        raw: bytes | None = None,
    ) -> int:
        """Queue an outgoing message; `raw` is its full bytes, Message-ID included.

        `message_id` is fixed here so that a retried send carries the same Message-ID
        and the recipient's server (or the outbox folder) recognizes it. `raw=None`
        queues a clerk summary whose bytes `set_message` fills in later.
        """
        now = self._db.stamp_now()
        cur = self._db.write(
            "INSERT INTO outbox (request_id, message_id, kind, to_address, subject, body,"
            " raw, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, message_id, kind, to_address, subject, body, raw, now, now),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def all(self, request_id: int | None = None, *, status: str | None = None) -> list[OutboxRow]:
        clauses: list[str] = []
        params: list[Any] = []
        if request_id is not None:
            clauses.append("request_id = ?")
            params.append(request_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._db.all(f"SELECT * FROM outbox{where} ORDER BY id", params)
        return [OutboxRow(**dict(r)) for r in rows]

    def get(self, outbox_id: int) -> OutboxRow | None:
        row = self._db.one("SELECT * FROM outbox WHERE id = ?", (outbox_id,))
        return OutboxRow(**dict(row)) if row else None

    def due(
        self, now: dt.datetime, limit: int = 1000, *, ignore_backoff: bool = False
    ) -> list[OutboxRow]:
        """Queued messages with their bytes whose next attempt is due (any, with
        `ignore_backoff`) and that no live sender holds, oldest first."""
        rows = self._db.all(
            "SELECT * FROM outbox WHERE status = 'queued' AND raw IS NOT NULL"
            " AND (? OR next_attempt_at IS NULL OR next_attempt_at <= ?)"
            " AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT ?",
            (int(ignore_backoff), stamp(now), stamp(now), limit),
        )
        return [OutboxRow(**dict(r)) for r in rows]

    def claim(self, outbox_id: int, owner: str, now: dt.datetime, until: dt.datetime) -> bool:
        """Take the row for sending: True for exactly one of any number of senders.

        Inside a transaction of its own (BEGIN IMMEDIATE: one writer at a time), so the
        check and the claim are one step. A row another sender holds until after `now`,
        or no longer queued (sent meanwhile), is not taken.
        """
        cur = self._db.write(
            "UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?"
            " AND status = 'queued' AND raw IS NOT NULL"
            " AND (claimed_until IS NULL OR claimed_until <= ?)",
            (owner, stamp(until), outbox_id, stamp(now)),
        )
        return cur.rowcount == 1

    def release(self, outbox_id: int, owner: str) -> bool:
        """Give up `owner`'s claim on the row (a sender found dead); False if not held."""
        cur = self._db.write(
            "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL"
            " WHERE id = ? AND claimed_by = ?",
            (outbox_id, owner),
        )
        return cur.rowcount == 1

    def claimed(self, now: dt.datetime) -> list[OutboxRow]:
        """Rows a sender holds right now (sending at this moment, or died holding them)."""
        rows = self._db.all(
            "SELECT * FROM outbox WHERE status = 'queued' AND claimed_until > ? ORDER BY id",
            (stamp(now),),
        )
        return [OutboxRow(**dict(r)) for r in rows]

    def unrendered(self) -> list[OutboxRow]:
        """Queued clerk summaries whose bytes are still to be rendered."""
        rows = self._db.all(
            "SELECT * FROM outbox WHERE status = 'queued' AND raw IS NULL ORDER BY id"
        )
        return [OutboxRow(**dict(r)) for r in rows]

    def set_message(self, outbox_id: int, *, subject: str, body: str, raw: bytes) -> None:
        self._db.write(
            "UPDATE outbox SET subject = ?, body = ?, raw = ? WHERE id = ? AND raw IS NULL",
            (subject, body, raw, outbox_id),
        )

    def mark_sent(self, outbox_id: int) -> None:
        self._db.write(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?,"
            " last_error = NULL, next_attempt_at = NULL, claimed_by = NULL,"
            " claimed_until = NULL WHERE id = ?",
            (self._db.stamp_now(), outbox_id),
        )

    def mark_retry(self, outbox_id: int, error: str, next_attempt_at: dt.datetime) -> None:
        self._db.write(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,"
            " claimed_by = NULL, claimed_until = NULL WHERE id = ?",
            (error, stamp(next_attempt_at), outbox_id),
        )

    def mark_failed(self, outbox_id: int, error: str) -> None:
        self._db.write(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,"
            " next_attempt_at = NULL, claimed_by = NULL, claimed_until = NULL WHERE id = ?",
            (error, outbox_id),
        )

    def requeue(self, outbox_id: int) -> bool:
        """Put a failed message back in the queue (an operator fixed the cause)."""
        cur = self._db.write(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ? WHERE id = ?"
            " AND status = 'failed'",
            (self._db.stamp_now(), outbox_id),
        )
        return cur.rowcount == 1

    def replies_since(self, to_address: str, since: dt.datetime, kind: str = "reply") -> int:
        """How many messages of `kind` were queued to `to_address` since `since`."""
        row = self._db.one(
            "SELECT count(*) AS n FROM outbox WHERE to_address = ? AND kind = ?"
            " AND created_at >= ?",
            (to_address.strip().lower(), kind, stamp(since)),
        )
        return int(row["n"]) if row else 0

    def replies_to_domain_since(self, domain: str, since: dt.datetime) -> int:
        """Replies queued since `since` to any address at `domain` (the per-domain cap)."""
        row = self._db.one(
            "SELECT count(*) AS n FROM outbox WHERE kind = 'reply' AND created_at >= ?"
            " AND to_address LIKE ? ESCAPE '\\'",
            (stamp(since), "%@" + _like_escape(domain.strip().lower())),
        )
        return int(row["n"]) if row else 0

    def replies_overall_since(self, since: dt.datetime) -> int:
        """Replies queued since `since` to anyone (the overall cap)."""
        row = self._db.one(
            "SELECT count(*) AS n FROM outbox WHERE kind = 'reply' AND created_at >= ?",
            (stamp(since),),
        )
        return int(row["n"]) if row else 0

    def counts(self) -> dict[str, int]:
        return self._db.status_counts("outbox")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
