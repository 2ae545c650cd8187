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
    def transaction(self) -> Iterator[None]:
        """One atomic unit of work. Not re-entrant: a unit is one message's consequences."""
        if self._in_transaction:
            raise RuntimeError("transactions do not nest")
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
