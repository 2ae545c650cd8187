"""The one SQLite connection every kind of record shares, and its transaction.

Each kind of record (messages, requests, documents, assessments, audit, outbox, polls,
cursors) has its own small class; all of them write through this one connection, so a
single `Store.transaction()` commits one message's consequences across kinds at once.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from intake.errors import IntakeError

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(moment: dt.datetime) -> str:
    """The stored form of a time: UTC ISO 8601 to the second (sorts as text)."""
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")


class StoreError(IntakeError):
    """The state database cannot be opened or used; the message says which file and why."""


class Connection:
    """The connection, the clock, and whether a transaction is open."""

    def __init__(self, conn: sqlite3.Connection, clock: Clock = utc_now) -> None:
        self.sqlite = conn
        self._clock = clock
        self._in_transaction = False

    @contextmanager
    def transaction(self, power_safe: bool = True) -> Iterator[None]:
        """One atomic unit of work. Not re-entrant: a unit is one message's consequences.

        With `power_safe=False` the commit is not flushed to the disk (SQLite's
        ``synchronous = NORMAL`` in WAL mode): it survives the process being killed, not
        a power cut, and the next ordinary commit flushes it with its own, in order. For
        a note whose loss in a power cut is what it should be (an attempt mark: a power
        cut is not the message's doing), not worth a disk flush of its own.
        """
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
        if not power_safe:
            self.sqlite.execute("PRAGMA synchronous = NORMAL")
        try:
            self.sqlite.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield
            except BaseException:
                self.sqlite.execute("ROLLBACK")
                raise
            else:
                self.sqlite.execute("COMMIT")
            finally:
                self._in_transaction = False
        finally:
            if not power_safe:
                self.sqlite.execute("PRAGMA synchronous = FULL")

    def now(self) -> dt.datetime:
        """The store's clock (tests fix it), time zone-aware."""
        return self._clock().astimezone(dt.UTC)

    def stamp_now(self) -> str:
        return stamp(self._clock())

    def write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        if not self._in_transaction:
            raise RuntimeError("writes happen inside Store.transaction()")
        return self.sqlite.execute(sql, params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.sqlite.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(self.sqlite.execute(sql, params).fetchall())

    def status_counts(self, table: str) -> dict[str, int]:
        """How many rows of `table` (one of ours, never user input) have each status."""
        rows = self.all(f"SELECT status, count(*) AS n FROM {table} GROUP BY status")
        return {str(r["status"]): int(r["n"]) for r in rows}
