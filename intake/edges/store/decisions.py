"""The clerks' decisions on a request's documents, as the policy reads them."""

from __future__ import annotations

from intake.core.model import ClerkDecision, DecisionKind
from intake.edges.store.connection import Connection


class Decisions:
    """Every decision of a request, oldest first (a later one on the same point wins)."""

    def __init__(self, db: Connection) -> None:
        self._db = db

    def add(self, request_id: int, decision: ClerkDecision) -> ClerkDecision:
        """Record `decision` (inside a transaction); returns it with its time."""
        at = self._db.stamp_now()
        self._db.write(
            "INSERT INTO decisions (request_id, sha256, filename, kind, affirmation, notice,"
            " clerk, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request_id,
                decision.sha256,
                decision.filename,
                decision.kind.value,
                decision.affirmation,
                decision.notice,
                decision.clerk,
                decision.reason,
                at,
            ),
        )
        return decision.model_copy(update={"at": at})

    def of_request(self, request_id: int) -> list[ClerkDecision]:
        rows = self._db.all(
            "SELECT * FROM decisions WHERE request_id = ? ORDER BY id", (request_id,)
        )
        return [
            ClerkDecision(
                kind=DecisionKind(r["kind"]),
                sha256=r["sha256"],
                filename=r["filename"],
                affirmation=r["affirmation"],
                notice=r["notice"],
                clerk=r["clerk"],
                reason=r["reason"],
                at=r["at"],
            )
            for r in rows
        ]
