"""The daemon's polls: when each ran and how it ended (the latest thousand)."""

from __future__ import annotations

import datetime as dt

from intake.edges.store.connection import Connection
from intake.edges.store.records import PollRow


class Polls:
    """The record of the daemon's polls."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def record(
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
        cur = self._db.write(
            "INSERT INTO polls (started_at, finished_at, ok, result, error) VALUES (?, ?, ?, ?, ?)",
            (started, self._db.stamp_now(), int(ok), result, error),
        )
        assert cur.lastrowid is not None
        self._db.write("DELETE FROM polls WHERE id <= ?", (cur.lastrowid - keep,))

    def recent(self, limit: int = 10, *, failed_only: bool = False) -> list[PollRow]:
        """The latest polls, newest first."""
        where = " WHERE ok = 0" if failed_only else ""
        rows = self._db.all(f"SELECT * FROM polls{where} ORDER BY id DESC LIMIT ?", (limit,))
        return [PollRow(**{**dict(r), "ok": bool(r["ok"])}) for r in rows]
