"""The state database: one SQLite file in the state folder.

`Store` opens it and holds one class per kind of record, all on one connection:
`store.messages`, `store.requests`, `store.documents`, `store.assessments`,
`store.audit`, `store.outbox`, `store.polls`, `store.cursors` and `store.attempts` (each in its own
module). Every write happens inside `Store.transaction()` (BEGIN IMMEDIATE … COMMIT),
kept short: the pipeline reads and assesses outside it where it can, then writes one
message's consequences, across kinds, at once. WAL lets `intake requests list` read
while a poll writes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Self

from intake.edges.state_layout import StateLayout
from intake.edges.store import schema
from intake.edges.store.assessments import Assessments
from intake.edges.store.attempts import Attempts
from intake.edges.store.audit import Audit
from intake.edges.store.connection import Clock, Connection, StoreError, utc_now
from intake.edges.store.cursors import Cursors
from intake.edges.store.decisions import Decisions
from intake.edges.store.documents import Documents
from intake.edges.store.messages import Messages
from intake.edges.store.outbox import Outbox
from intake.edges.store.polls import Polls
from intake.edges.store.requests import Requests

DB_FILENAME = StateLayout.DATABASE
BUSY_TIMEOUT_MS = 10_000


class Store:
    """The state of the intake, one attribute per kind of record, one shared transaction."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Clock = utc_now) -> None:
        self._db = Connection(conn, clock)
        self.path = path
        self.cursors = Cursors(self._db)
        self.messages = Messages(self._db)
        self.attempts = Attempts(self._db)
        self.requests = Requests(self._db)
        self.documents = Documents(self._db)
        self.assessments = Assessments(self._db)
        self.decisions = Decisions(self._db)
        self.audit = Audit(self._db)
        self.outbox = Outbox(self._db)
        self.polls = Polls(self._db)

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

    @property
    def layout(self) -> StateLayout:
        """Every path of the state folder this database sits in."""
        return StateLayout(self.state_dir)

    def close(self) -> None:
        self._db.sqlite.close()

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
        """One atomic unit of work across every kind of record. Not re-entrant: a unit
        is one message's consequences."""
        with self._db.transaction():
            yield

    def now(self) -> dt.datetime:
        """The store's clock (tests fix it), time zone-aware."""
        return self._db.now()

    def schema_version(self) -> int:
        return schema.current_version(self._db.sqlite)

    def integrity_problems(self) -> list[str]:
        """SQLite's own check of the file and of every foreign key; empty when sound."""
        found = [
            str(row[0])
            for row in self._db.all("PRAGMA integrity_check")
            if str(row[0]).lower() != "ok"
        ]
        for row in self._db.all("PRAGMA foreign_key_check"):
            found.append(f"table {row[0]} row {row[1]} refers to a missing {row[2]} row")
        return found

    def referenced_hashes(self) -> tuple[set[str], set[str]]:
        """(SHA-256 of every document recorded, SHA-256 of every message recorded failed):
        the files under documents/ and failed/ that the state refers to."""
        documents = {str(r[0]) for r in self._db.all("SELECT sha256 FROM documents")}
        failed = {
            str(r[0]) for r in self._db.all("SELECT sha256 FROM messages WHERE status = 'failed'")
        }
        return documents, failed


__all__ = ["DB_FILENAME", "Store", "StoreError", "utc_now"]
