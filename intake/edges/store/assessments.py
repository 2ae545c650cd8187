"""The assessments: each request assessed again after every email."""

from __future__ import annotations

from pydantic import ValidationError

from intake.core.model import Assessment
from intake.edges.store.connection import Connection, StoreError


class Assessments:
    """Every assessment of a request, the latest last."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def add(self, request_id: int, assessment: Assessment, message_row_id: int | None) -> int:
        cur = self._db.write(
            "INSERT INTO assessments (request_id, message, status, assessment, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                request_id,
                message_row_id,
                assessment.status.value,
                assessment.model_dump_json(),
                self._db.stamp_now(),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def latest(self, request_id: int) -> Assessment | None:
        row = self._db.one(
            "SELECT assessment FROM assessments WHERE request_id = ? ORDER BY id DESC LIMIT 1",
            (request_id,),
        )
        return _assessment(row["assessment"]) if row else None

    def count(self, request_id: int) -> int:
        row = self._db.one(
            "SELECT count(*) AS n FROM assessments WHERE request_id = ?", (request_id,)
        )
        return int(row["n"]) if row else 0


def _assessment(stored: str) -> Assessment:
    try:
        return Assessment.model_validate_json(stored)
    except ValidationError as exc:
        # As for documents: an assessment another release wrote, or a hand edit.
        raise StoreError(f"a stored assessment no longer matches the model: {exc}") from exc
