"""The mailbox cursor: the last UID handled per folder and UIDVALIDITY."""

from __future__ import annotations

from intake.edges.store.connection import Connection


class Cursors:
    """Where each mailbox folder was read up to (the IMAP UIDVALIDITY + UID cursor)."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def last_uid(self, folder: str, uidvalidity: int) -> int:
        row = self._db.one(
            "SELECT last_uid FROM mailbox_cursor WHERE folder = ? AND uidvalidity = ?",
            (folder, uidvalidity),
        )
        return int(row["last_uid"]) if row else 0

    def uidvalidities(self, folder: str) -> list[int]:
        rows = self._db.all(
            "SELECT uidvalidity FROM mailbox_cursor WHERE folder = ? ORDER BY uidvalidity",
            (folder,),
        )
        return [int(r["uidvalidity"]) for r in rows]

    def advance(self, folder: str, uidvalidity: int, uid: int) -> None:
        """Remember that every UID up to `uid` is handled. Never moves backwards."""
        self._db.write(
            "INSERT INTO mailbox_cursor (folder, uidvalidity, last_uid, updated_at)"
            " VALUES (?, ?, ?, ?)"
            " ON CONFLICT (folder, uidvalidity) DO UPDATE SET"
            "   last_uid = max(last_uid, excluded.last_uid), updated_at = excluded.updated_at",
            (folder, uidvalidity, uid, self._db.stamp_now()),
        )
