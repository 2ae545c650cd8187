"""The state database: one SQLite file in the state folder, and the queries on it.

Every write happens inside `Store.transaction()` (BEGIN IMMEDIATE … COMMIT), kept short:
the pipeline reads and assesses outside it where it can, then writes one message's
consequences at once. WAL lets `intake requests list` read while a poll writes.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from pydantic import ValidationError

from intake.core.model import Assessment, Document
from intake.edges.store import schema
from intake.edges.store.records import (
    ACCUMULATING,
    AuditRow,
    MailboxAction,
    MessageRow,
    MessageStatus,
    OutboxRow,
    PollRow,
    RequestRow,
    RequestStatus,
)

DB_FILENAME = "intake.sqlite3"
BUSY_TIMEOUT_MS = 10_000

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class StoreError(Exception):
    """The state database cannot be opened or used; the message says which file and why."""


class Store:
    """The state of the intake: messages seen, requests, documents, assessments, outbox, audit."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Clock = utc_now) -> None:
        self._conn = conn
        self.path = path
        self._clock = clock
        self._in_transaction = False

    # ----------------------------------------------------------------- lifecycle

    @classmethod
    def open(
        cls,
        state_dir: Path,
        *,
        clock: Clock = utc_now,
        migrate_to: int = schema.LATEST,
        create: bool = True,
    ) -> Store:
        """Open the database in `state_dir`, migrated to the latest schema.

        With `create=False` a missing database is an error rather than a new empty one
        (for commands that only look).
        """
        if not create and not (state_dir / DB_FILENAME).is_file():
            raise StoreError(
                f"{state_dir / DB_FILENAME}: no state database here yet "
                "(nothing was polled with this state_dir)"
            )
        try:
            state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{state_dir}: cannot create the state folder: {exc}") from exc
        path = state_dir / DB_FILENAME
        try:
            conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit survives a power cut, not only a killed process.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            schema.migrate(conn, migrate_to)
        except schema.SchemaError as exc:
            raise StoreError(f"{path}: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the state database: {exc}") from exc
        conn.row_factory = sqlite3.Row
        return cls(conn, path, clock)

    @property
    def state_dir(self) -> Path:
        return self.path.parent

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work. Not re-entrant: a unit is one message's consequences."""
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        self._conn.execute("BEGIN IMMEDIATE")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            self._conn.execute("COMMIT")
        finally:
            self._in_transaction = False

    def _now(self) -> str:
        return _stamp(self._clock())

    def now(self) -> dt.datetime:
        """The store's clock (tests fix it), time zone-aware."""
        return self._clock().astimezone(dt.UTC)

    def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        if not self._in_transaction:
            raise RuntimeError("writes happen inside Store.transaction()")
        return self._conn.execute(sql, params)

    def _one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self._conn.execute(sql, params).fetchone()
        return row

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self._conn.execute(sql, params).fetchall())

    def schema_version(self) -> int:
        return schema.current_version(self._conn)

    # -------------------------------------------------------------------- cursor

    def last_uid(self, folder: str, uidvalidity: int) -> int:
        row = self._one(
            "SELECT last_uid FROM mailbox_cursor WHERE folder = ? AND uidvalidity = ?",
            (folder, uidvalidity),
        )
        return int(row["last_uid"]) if row else 0

    def known_uidvalidities(self, folder: str) -> list[int]:
        rows = self._all(
            "SELECT uidvalidity FROM mailbox_cursor WHERE folder = ? ORDER BY uidvalidity",
            (folder,),
        )
        return [int(r["uidvalidity"]) for r in rows]

    def advance_cursor(self, folder: str, uidvalidity: int, uid: int) -> None:
        """Remember that every UID up to `uid` is handled. Never moves backwards."""
        self._write(
            "INSERT INTO mailbox_cursor (folder, uidvalidity, last_uid, updated_at)"
            " VALUES (?, ?, ?, ?)"
            " ON CONFLICT (folder, uidvalidity) DO UPDATE SET"
            "   last_uid = max(last_uid, excluded.last_uid), updated_at = excluded.updated_at",
            (folder, uidvalidity, uid, self._now()),
        )

    # ------------------------------------------------------------------ messages

    def find_message(self, folder: str, uidvalidity: int, uid: int) -> MessageRow | None:
        row = self._one(
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
        row = self._one(
            "SELECT * FROM messages WHERE sha256 = ? AND message_id IS ?"
            " AND status IN ('processed', 'ignored', 'failed') ORDER BY id LIMIT 1",
            (sha256, message_id),
        )
        return _message(row) if row else None

    def get_message(self, message_row_id: int) -> MessageRow | None:
        row = self._one("SELECT * FROM messages WHERE id = ?", (message_row_id,))
        return _message(row) if row else None

    def record_message(
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
    ) -> int:
        now = self._now()
        cur = self._write(
            "INSERT INTO messages (folder, uidvalidity, uid, message_id, sha256, size, sender,"
            " subject, status, error, request_id, duplicate_of, mailbox_action,"
            " received_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def update_message(
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
        self._write(
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
                self._now(),
                message_row_id,
            ),
        )

    def pending_actions(self, folder: str, uidvalidity: int) -> list[MessageRow]:
        """Messages whose work is committed but whose mailbox action is not known done."""
        rows = self._all(
            "SELECT * FROM messages WHERE folder = ? AND uidvalidity = ?"
            " AND mailbox_action IS NOT NULL AND action_done_at IS NULL ORDER BY uid",
            (folder, uidvalidity),
        )
        return [_message(r) for r in rows]

    def action_done(self, message_row_id: int) -> None:
        self._write(
            "UPDATE messages SET action_done_at = ? WHERE id = ?", (self._now(), message_row_id)
        )

    def messages(
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
        rows = self._all(f"SELECT * FROM messages{where} ORDER BY id", params)
        return [_message(r) for r in rows]

    def message_counts(self) -> dict[str, int]:
        rows = self._all("SELECT status, count(*) AS n FROM messages GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}

    # ------------------------------------------------------------------ requests

    def open_request_for(self, attorney: str) -> RequestRow | None:
        """The attorney's request that still accumulates documents, if any."""
        placeholders = ", ".join("?" for _ in ACCUMULATING)
        row = self._one(
            f"SELECT * FROM requests WHERE attorney = ? AND status IN ({placeholders})",
            (attorney, *sorted(s.value for s in ACCUMULATING)),
        )
        return _request(row) if row else None

    def latest_request_for(self, attorney: str) -> RequestRow | None:
        """The attorney's most recent request, whatever its status, if any."""
        row = self._one(
            "SELECT * FROM requests WHERE attorney = ? ORDER BY id DESC LIMIT 1", (attorney,)
        )
        return _request(row) if row else None

    def create_request(self, attorney: str, attorney_name: str | None) -> int:
        now = self._now()
        cur = self._write(
            "INSERT INTO requests (attorney, attorney_name, status, created_at, updated_at)"
            " VALUES (?, ?, 'open', ?, ?)",
            (attorney, attorney_name, now, now),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def get_request(self, request_id: int) -> RequestRow | None:
        row = self._one("SELECT * FROM requests WHERE id = ?", (request_id,))
        return _request(row) if row else None

    def list_requests(self, status: RequestStatus | None = None) -> list[RequestRow]:
        if status is None:
            rows = self._all("SELECT * FROM requests ORDER BY id")
        else:
            rows = self._all("SELECT * FROM requests WHERE status = ? ORDER BY id", (status.value,))
        return [_request(r) for r in rows]

    def update_request(
        self, request_id: int, *, status: RequestStatus, attorney_name: str | None = None
    ) -> None:
        # completed_at is set once, when the request first becomes complete, so that the
        # decision window promised to the attorney never moves.
        now = self._now()
        self._write(
            "UPDATE requests SET status = ?, attorney_name = coalesce(?, attorney_name),"
            " updated_at = ?, completed_at = CASE WHEN ? = 'complete'"
            " THEN coalesce(completed_at, ?) ELSE completed_at END WHERE id = ?",
            (status.value, attorney_name, now, status.value, now, request_id),
        )

    def close_request(self, request_id: int, reason: str) -> None:
        self._write(
            "UPDATE requests SET status = 'closed', closed_reason = ?, updated_at = ? WHERE id = ?",
            (reason, self._now(), request_id),
        )

    # ----------------------------------------------------------------- documents

    def save_document(self, document: Document, message_row_id: int) -> bool:
        """Keep a document's facts under its SHA-256; False when it was already known.

        A file seen before gets the facts of this newer reading (the readers or the
        rules may have changed since); its first message and first name stay.
        """
        known = self._one("SELECT 1 FROM documents WHERE sha256 = ?", (document.sha256,))
        self._write(
            "INSERT INTO documents (sha256, filename, kind, facts, first_message, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET"
            " kind = excluded.kind, facts = excluded.facts",
            (
                document.sha256,
                document.filename,
                document.kind.value,
                document.model_dump_json(),
                message_row_id,
                self._now(),
            ),
        )
        return known is None

    def attach_document(
        self, request_id: int, sha256: str, filename: str, message_row_id: int
    ) -> bool:
        """Add a document to a request; False when the request already holds that file."""
        cur = self._write(
            "INSERT INTO request_documents (request_id, sha256, filename, message, added_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id, sha256) DO NOTHING",
            (request_id, sha256, filename, message_row_id, self._now()),
        )
        return cur.rowcount == 1

    def request_documents(self, request_id: int) -> list[tuple[Document, int]]:
        """The request's documents in the order it received them, named as in their email, with the
        id of the message that brought each."""
        rows = self._all(
            "SELECT d.facts, rd.filename, rd.message FROM request_documents rd"
            " JOIN documents d ON d.sha256 = rd.sha256"
            " WHERE rd.request_id = ? ORDER BY rd.rowid",
            (request_id,),
        )
        out: list[tuple[Document, int]] = []
        for r in rows:
            document = _document(str(r["facts"]))
            if document.filename != r["filename"]:
                document = document.model_copy(update={"filename": r["filename"]})
            out.append((document, int(r["message"])))
        return out

    # --------------------------------------------------------------- assessments

    def add_assessment(
        self, request_id: int, assessment: Assessment, message_row_id: int | None
    ) -> int:
        cur = self._write(
            "INSERT INTO assessments (request_id, message, status, assessment, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                request_id,
                message_row_id,
                assessment.status.value,
                assessment.model_dump_json(),
                self._now(),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def latest_assessment(self, request_id: int) -> Assessment | None:
        row = self._one(
            "SELECT assessment FROM assessments WHERE request_id = ? ORDER BY id DESC LIMIT 1",
            (request_id,),
        )
        return _assessment(row["assessment"]) if row else None

    def assessment_count(self, request_id: int) -> int:
        row = self._one("SELECT count(*) AS n FROM assessments WHERE request_id = ?", (request_id,))
        return int(row["n"]) if row else 0

    # --------------------------------------------------------------------- audit

    def audit(self, actor: str, action: str, subject: str, **detail: Any) -> None:
        self._write(
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (self._now(), actor, action, subject, json.dumps(detail, default=str, sort_keys=True)),
        )

    def audit_trail(self, subject: str | None = None) -> list[AuditRow]:
        if subject is None:
            rows = self._all("SELECT * FROM audit ORDER BY id")
        else:
            rows = self._all("SELECT * FROM audit WHERE subject = ? ORDER BY id", (subject,))
        return [AuditRow(**dict(r)) for r in rows]

    # -------------------------------------------------------------------- outbox

    def enqueue_reply(
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
        queues a clerk summary whose bytes `set_outbox_message` fills in later.
        """
        now = self._now()
        cur = self._write(
            "INSERT INTO outbox (request_id, message_id, kind, to_address, subject, body,"
            " raw, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (request_id, message_id, kind, to_address, subject, body, raw, now, now),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def outbox(
        self, request_id: int | None = None, *, status: str | None = None
    ) -> list[OutboxRow]:
        clauses: list[str] = []
        params: list[Any] = []
        if request_id is not None:
            clauses.append("request_id = ?")
            params.append(request_id)
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._all(f"SELECT * FROM outbox{where} ORDER BY id", params)
        return [OutboxRow(**dict(r)) for r in rows]

    def get_outbox(self, outbox_id: int) -> OutboxRow | None:
        row = self._one("SELECT * FROM outbox WHERE id = ?", (outbox_id,))
        return OutboxRow(**dict(row)) if row else None

    def due_outbox(self, now: dt.datetime, limit: int = 1000) -> list[OutboxRow]:
        """Queued messages with their bytes whose next attempt is due, oldest first."""
        rows = self._all(
            "SELECT * FROM outbox WHERE status = 'queued' AND raw IS NOT NULL"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?",
            (_stamp(now), limit),
        )
        return [OutboxRow(**dict(r)) for r in rows]

    def unrendered_outbox(self) -> list[OutboxRow]:
        """Queued clerk summaries whose bytes are still to be rendered."""
        rows = self._all("SELECT * FROM outbox WHERE status = 'queued' AND raw IS NULL ORDER BY id")
        return [OutboxRow(**dict(r)) for r in rows]

    def set_outbox_message(self, outbox_id: int, *, subject: str, body: str, raw: bytes) -> None:
        self._write(
            "UPDATE outbox SET subject = ?, body = ?, raw = ? WHERE id = ? AND raw IS NULL",
            (subject, body, raw, outbox_id),
        )

    def mark_outbox_sent(self, outbox_id: int) -> None:
        self._write(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?,"
            " last_error = NULL, next_attempt_at = NULL WHERE id = ?",
            (self._now(), outbox_id),
        )

    def mark_outbox_retry(self, outbox_id: int, error: str, next_attempt_at: dt.datetime) -> None:
        self._write(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?"
            " WHERE id = ?",
            (error, _stamp(next_attempt_at), outbox_id),
        )

    def mark_outbox_failed(self, outbox_id: int, error: str) -> None:
        self._write(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ?,"
            " next_attempt_at = NULL WHERE id = ?",
            (error, outbox_id),
        )

    def requeue_outbox(self, outbox_id: int) -> bool:
        """Put a failed message back in the queue (an operator fixed the cause)."""
        cur = self._write(
            "UPDATE outbox SET status = 'queued', next_attempt_at = ? WHERE id = ?"
            " AND status = 'failed'",
            (self._now(), outbox_id),
        )
        return cur.rowcount == 1

    def replies_since(self, to_address: str, since: dt.datetime, kind: str = "reply") -> int:
        """How many messages of `kind` were queued to `to_address` since `since`."""
        row = self._one(
            "SELECT count(*) AS n FROM outbox WHERE to_address = ? AND kind = ?"
            " AND created_at >= ?",
            (to_address.strip().lower(), kind, _stamp(since)),
        )
        return int(row["n"]) if row else 0

    # --------------------------------------------------------------------- polls

    def record_poll(
        self,
        started_at: dt.datetime,
        *,
        ok: bool,
        result: str,
        error: str | None = None,
        keep: int = 1000,
    ) -> None:
        """Note one poll of the daemon; only the latest `keep` rows are kept."""
        started = started_at.astimezone(dt.UTC).isoformat(timespec="seconds")
        cur = self._write(
            "INSERT INTO polls (started_at, finished_at, ok, result, error) VALUES (?, ?, ?, ?, ?)",
            (started, self._now(), int(ok), result, error),
        )
        assert cur.lastrowid is not None
        self._write("DELETE FROM polls WHERE id <= ?", (cur.lastrowid - keep,))

    def recent_polls(self, limit: int = 10, *, failed_only: bool = False) -> list[PollRow]:
        """The latest polls, newest first."""
        where = " WHERE ok = 0" if failed_only else ""
        rows = self._all(f"SELECT * FROM polls{where} ORDER BY id DESC LIMIT ?", (limit,))
        return [PollRow(**{**dict(r), "ok": bool(r["ok"])}) for r in rows]

    def request_counts(self) -> dict[str, int]:
        rows = self._all("SELECT status, count(*) AS n FROM requests GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}

    def outbox_counts(self) -> dict[str, int]:
        rows = self._all("SELECT status, count(*) AS n FROM outbox GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}


def _stamp(moment: dt.datetime) -> str:
    """The stored form of a time: UTC ISO 8601 to the second (sorts as text)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


def _message(row: sqlite3.Row) -> MessageRow:
    values = dict(row)
    values["status"] = MessageStatus(values["status"])
    action = values["mailbox_action"]
    values["mailbox_action"] = MailboxAction(action) if action else None
    return MessageRow(**values)


def _request(row: sqlite3.Row) -> RequestRow:
    values = dict(row)
    values["status"] = RequestStatus(values["status"])
    return RequestRow(**values)


def _assessment(stored: str) -> Assessment:
    try:
        return Assessment.model_validate_json(stored)
    except ValidationError as exc:
        # As for documents: an assessment another release wrote, or a hand edit.
        raise StoreError(f"a stored assessment no longer matches the model: {exc}") from exc


def _document(facts: str) -> Document:
    try:
        return Document.model_validate_json(facts)
    except ValidationError as exc:
        # Facts stored by an older release that the model no longer accepts.
        raise StoreError(f"stored document facts no longer match the model: {exc}") from exc
