"""The audit trail: who did what to which record, and when."""

from __future__ import annotations

import json
from typing import Any

from intake.edges.store.connection import Connection
from intake.edges.store.records import AuditRow


class Audit:
    """The audit trail, appended to and read by subject."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def record(self, actor: str, action: str, subject: str, **detail: Any) -> None:
        self._db.write(
            "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
            (
                self._db.stamp_now(),
                actor,
                action,
                subject,
                json.dumps(detail, default=str, sort_keys=True),
            ),
        )

    def trail(self, subject: str | None = None) -> list[AuditRow]:
        if subject is None:
            rows = self._db.all("SELECT * FROM audit ORDER BY id")
        else:
            rows = self._db.all("SELECT * FROM audit WHERE subject = ? ORDER BY id", (subject,))
        return [AuditRow(**dict(r)) for r in rows]
