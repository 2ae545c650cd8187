"""The requests: one attorney's documents gathered toward a waiver."""

from __future__ import annotations

import sqlite3

from intake.edges.store.connection import Connection
from intake.edges.store.records import ACCUMULATING, RequestRow, RequestStatus


class Requests:
    """Each attorney's requests and their status."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def open_for(self, attorney: str) -> RequestRow | None:
        """The attorney's request that still accumulates documents, if any."""
        placeholders = ", ".join("?" for _ in ACCUMULATING)
        row = self._db.one(
            f"SELECT * FROM requests WHERE attorney = ? AND status IN ({placeholders})",
            (attorney, *sorted(s.value for s in ACCUMULATING)),
        )
        return _request(row) if row else None

    def latest_for(self, attorney: str) -> RequestRow | None:
        """The attorney's most recent request, whatever its status, if any."""
        row = self._db.one(
            "SELECT * FROM requests WHERE attorney = ? ORDER BY id DESC LIMIT 1", (attorney,)
        )
        return _request(row) if row else None

    def create(self, attorney: str, attorney_name: str | None) -> int:
        now = self._db.stamp_now()
        cur = self._db.write(
            "INSERT INTO requests (attorney, attorney_name, status, created_at, updated_at)"
            " VALUES (?, ?, 'open', ?, ?)",
            (attorney, attorney_name, now, now),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def get(self, request_id: int) -> RequestRow | None:
        row = self._db.one("SELECT * FROM requests WHERE id = ?", (request_id,))
        return _request(row) if row else None

    def all(self, status: RequestStatus | None = None) -> list[RequestRow]:
        if status is None:
            rows = self._db.all("SELECT * FROM requests ORDER BY id")
        else:
            rows = self._db.all(
                "SELECT * FROM requests WHERE status = ? ORDER BY id", (status.value,)
            )
        return [_request(r) for r in rows]

    def update(
        self, request_id: int, *, status: RequestStatus, attorney_name: str | None = None
    ) -> None:
        # completed_at is set once, when the request first becomes complete, so that the
        # decision window promised to the attorney never moves.
        now = self._db.stamp_now()
        self._db.write(
            "UPDATE requests SET status = ?, attorney_name = coalesce(?, attorney_name),"
            " updated_at = ?, completed_at = CASE WHEN ? = 'complete'"
            " THEN coalesce(completed_at, ?) ELSE completed_at END WHERE id = ?",
            (status.value, attorney_name, now, status.value, now, request_id),
        )

    def close(self, request_id: int, reason: str) -> None:
        self._db.write(
            "UPDATE requests SET status = 'closed', closed_reason = ?, updated_at = ? WHERE id = ?",
            (reason, self._db.stamp_now(), request_id),
        )

    def counts(self) -> dict[str, int]:
        return self._db.status_counts("requests")


def _request(row: sqlite3.Row) -> RequestRow:
    values = dict(row)
    values["status"] = RequestStatus(values["status"])
    return RequestRow(**values)
