"""Attempt marks: a message's handling noted (committed) before it starts (schema V7).

A mark is deleted in the transaction that records the message. One still there when the
message comes round again means its handling was interrupted (the process killed, out
of memory, a crash in C code); the poll counts them and sets a message aside after two
(`intake.service.cycle.MAX_INTERRUPTED`), so no message can stop the mail behind it.
"""

from __future__ import annotations

from intake.edges.store.connection import Connection


class Attempts:
    def __init__(self, db: Connection) -> None:
        self._db = db

    def begin(self, folder: str, uidvalidity: int, uid: int, sha256: str) -> int:
        """Note (and commit) that handling this message starts; returns how many earlier
        attempts on these same bytes were interrupted. Not inside a transaction.

        Committed without a disk flush of its own (`power_safe=False`): a killed or
        crashed process leaves the mark, and the message's own commit flushes it; a
        power cut may lose it, and a power cut is not the message's doing."""
        with self._db.transaction(power_safe=False):
            row = self._db.one(
                "SELECT attempts FROM message_attempts WHERE folder = ? AND uidvalidity = ?"
                " AND uid = ? AND sha256 = ?",
                (folder, uidvalidity, uid, sha256),
            )
            earlier = int(row["attempts"]) if row else 0
            self._db.write(
                "INSERT INTO message_attempts (folder, uidvalidity, uid, sha256, attempts,"
                " last_started_at) VALUES (?, ?, ?, ?, 1, ?)"
                " ON CONFLICT (folder, uidvalidity, uid) DO UPDATE SET"
                " attempts = CASE WHEN sha256 = excluded.sha256 THEN attempts + 1 ELSE 1 END,"
                " sha256 = excluded.sha256, last_started_at = excluded.last_started_at",
                (folder, uidvalidity, uid, sha256, self._db.stamp_now()),
            )
        return earlier

    def end(self, folder: str, uidvalidity: int, uid: int) -> None:
        """Inside the transaction that records the message: its handling is over."""
        self._db.write(
            "DELETE FROM message_attempts WHERE folder = ? AND uidvalidity = ? AND uid = ?",
            (folder, uidvalidity, uid),
        )
