"""The documents read: their facts under their SHA-256, and which request holds which."""

from __future__ import annotations

from pydantic import ValidationError

from intake.core.model import Document
from intake.edges.store.connection import Connection, StoreError

# Facts read back are kept parsed, under their JSON text (the same text is the same
# frozen Document): a poll reads a request's documents twice (its assessment, then the
# clerk's page after the whole backlog), each a pydantic validation of ~0.05 ms a
# document. Bounded by the facts' size: 4 Mi characters in all (a 140-request backlog's
# 980 documents are ~2.2 Mi), none above 64 Ki (a bigger one is parsed each time).
_PARSED_MAX_CHARS = 4 * 1024 * 1024
_PARSED_ONE_MAX_CHARS = 64 * 1024


class Documents:
    """Each document's facts, kept once per file, and the requests that hold it."""

    def __init__(self, db: Connection) -> None:
        self._db = db
        self._parsed: dict[str, Document] = {}
        self._parsed_chars = 0

    def save(self, document: Document, message_row_id: int) -> bool:
        """Keep a document's facts under its SHA-256; False when it was already known.

        A file seen before gets the facts of this newer reading (the readers or the
        rules may have changed since); its first message and first name stay.
        """
        known = self._db.one("SELECT 1 FROM documents WHERE sha256 = ?", (document.sha256,))
        self._db.write(
            "INSERT INTO documents (sha256, filename, kind, facts, first_message, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET"
            " kind = excluded.kind, facts = excluded.facts",
            (
                document.sha256,
                document.filename,
                document.kind.value,
                document.model_dump_json(),
                message_row_id,
                self._db.stamp_now(),
            ),
        )
        return known is None

    def attach(self, request_id: int, sha256: str, filename: str, message_row_id: int) -> bool:
        """Add a document to a request; False when the request already holds that file."""
        cur = self._db.write(
            "INSERT INTO request_documents (request_id, sha256, filename, message, added_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (request_id, sha256) DO NOTHING",
            (request_id, sha256, filename, message_row_id, self._db.stamp_now()),
        )
        return cur.rowcount == 1

    def of_request(self, request_id: int) -> list[tuple[Document, int]]:
        """The request's documents in the order it received them, named as in their email, with the
        id of the message that brought each."""
        rows = self._db.all(
            "SELECT d.facts, rd.filename, rd.message FROM request_documents rd"
            " JOIN documents d ON d.sha256 = rd.sha256"
            " WHERE rd.request_id = ? ORDER BY rd.rowid",
            (request_id,),
        )
        out: list[tuple[Document, int]] = []
        for r in rows:
            document = self._parsed_facts(str(r["facts"]))
            if document.filename != r["filename"]:
                document = document.model_copy(update={"filename": r["filename"]})
            out.append((document, int(r["message"])))
        return out

    def _parsed_facts(self, facts: str) -> Document:
        document = self._parsed.get(facts)
        if document is None:
            document = _document(facts)
            if len(facts) <= _PARSED_ONE_MAX_CHARS:
                if self._parsed_chars + len(facts) > _PARSED_MAX_CHARS:
                    self._parsed.clear()
                    self._parsed_chars = 0
                self._parsed[facts] = document
                self._parsed_chars += len(facts)
        return document


def _document(facts: str) -> Document:
    try:
        return Document.model_validate_json(facts)
    except ValidationError as exc:
        # Facts stored by an older release that the model no longer accepts.
        raise StoreError(f"stored document facts no longer match the model: {exc}") from exc
