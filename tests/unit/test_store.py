"""The state database on a real SQLite file: migrations, uniqueness, requests, audit."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from intake.core.model import (
    Assessment,
    Document,
    DocumentKind,
    LetterStatus,
    Status,
)
from intake.core.policy.rules import load_rules
from intake.edges.store import (
    DB_FILENAME,
    SCHEMA_VERSION,
    MailboxAction,
    MessageStatus,
    RequestStatus,
    Store,
    StoreError,
    schema,
)


def _clock() -> dt.datetime:
    return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.open(tmp_path / "state", clock=_clock)


def _record(store: Store, uid: int, *, sha: str = "a" * 64, folder: str = "INBOX") -> int:
    with store.transaction():
        return store.messages.record(
            folder=folder,
            uidvalidity=7,
            uid=uid,
            sha256=sha,
            size=10,
            message_id=f"<m{uid}@x>",
            sender="jane@example.com",
            subject="waiver",
            status=MessageStatus.PROCESSED,
            mailbox_action=MailboxAction.PROCESSED,
        )


def _document(sha: str, name: str = "nef.pdf") -> Document:
    return Document(filename=name, sha256=sha, size=3, kind=DocumentKind.OTHER, reason="test")


def _assessment(status: Status) -> Assessment:
    return Assessment(
        status=status,
        qualifying_nefs=2,
        required_nefs=6,
        letter=LetterStatus.MISSING,
        attorney_name="Jane Doe",
    )


# ---------------------------------------------------------------- migrations


def test_a_new_file_is_created_at_the_latest_version_with_wal_and_foreign_keys(
    tmp_path: Path,
) -> None:
    with Store.open(tmp_path / "s") as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.path == tmp_path / "s" / DB_FILENAME
    conn = sqlite3.connect(tmp_path / "s" / DB_FILENAME)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "messages",
        "mailbox_cursor",
        "requests",
        "documents",
        "request_documents",
        "assessments",
        "outbox",
        "audit",
        "schema_version",
    } <= tables


def test_a_v1_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    with Store.open(tmp_path, migrate_to=1) as old:
        assert old.schema_version() == 1
        with old.transaction():
            request_id = old.requests.create("jane@example.com", "Jane Doe")
        # The outbox arrives with version 2.
        with (
            pytest.raises(sqlite3.OperationalError, match="no such table: outbox"),
            old.transaction(),
        ):
            old.outbox.enqueue(
                request_id=request_id,
                message_id="<r1@court>",
                kind="ack",
                to_address="jane@example.com",
                subject="s",
                body="b",
            )

    with Store.open(tmp_path) as new:
        assert new.schema_version() == SCHEMA_VERSION
        request = new.requests.get(request_id)
        assert request is not None and request.attorney == "jane@example.com"
        with new.transaction():
            reply = new.outbox.enqueue(
                request_id=request_id,
                message_id="<r1@court>",
                kind="ack",
                to_address="jane@example.com",
                subject="s",
                body="b",
            )
        assert [r.id for r in new.outbox.all(request_id)] == [reply]
        assert new.outbox.all()[0].status == "queued"


def test_opening_twice_does_not_migrate_twice(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    Store.open(tmp_path).close()
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY version")]
    assert versions == list(range(1, SCHEMA_VERSION + 1))


def test_a_database_from_a_newer_release_is_refused_with_its_path(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    conn = sqlite3.connect(tmp_path / DB_FILENAME)
    conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION + 5,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match=rf"{DB_FILENAME}.*newer"):
        Store.open(tmp_path)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / DB_FILENAME).write_bytes(b"this is not sqlite " * 100)
    with pytest.raises(StoreError, match="cannot open the state database"):
        Store.open(tmp_path)


def test_migration_statements_split_on_statement_boundaries() -> None:
    statements = schema._statements(schema.V1_CORE)
    assert all(sqlite3.complete_statement(s + "\n") for s in statements)
    assert sum(s.upper().lstrip().startswith("CREATE TABLE") for s in statements) == 7


# ------------------------------------------------------------------ messages


def test_folder_uidvalidity_uid_is_unique(store: Store) -> None:
    _record(store, 1)
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.messages.record(
            folder="INBOX",
            uidvalidity=7,
            uid=1,
            sha256="b" * 64,
            size=1,
            message_id=None,
            sender=None,
            subject=None,
            status=MessageStatus.RECEIVED,
        )
    # The same UID in another folder or UIDVALIDITY is another message.
    _record(store, 1, folder="Other")
    assert store.messages.find("INBOX", 7, 1) is not None
    assert store.messages.find("INBOX", 8, 1) is None


def test_a_copy_is_found_by_hash_and_message_id(store: Store) -> None:
    first = _record(store, 1, sha="c" * 64)
    copy = store.messages.find_copy("c" * 64, "<m1@x>")
    assert copy is not None and copy.id == first
    assert store.messages.find_copy("c" * 64, "<other@x>") is None
    assert store.messages.find_copy("d" * 64, "<m1@x>") is None


def test_writes_outside_a_transaction_are_refused(store: Store) -> None:
    with pytest.raises(RuntimeError, match=r"inside Store\.transaction"):
        store.requests.create("x@example.com", None)


def test_a_transaction_that_raises_leaves_nothing(store: Store) -> None:
    with pytest.raises(ValueError), store.transaction():
        store.requests.create("x@example.com", None)
        raise ValueError("boom")
    assert store.requests.all() == []


def test_the_cursor_only_moves_forward(store: Store) -> None:
    assert store.cursors.last_uid("INBOX", 7) == 0
    with store.transaction():
        store.cursors.advance("INBOX", 7, 10)
        store.cursors.advance("INBOX", 7, 4)
    assert store.cursors.last_uid("INBOX", 7) == 10
    assert store.cursors.last_uid("INBOX", 8) == 0
    assert store.cursors.uidvalidities("INBOX") == [7]


def test_owed_mailbox_actions_are_listed_until_done(store: Store) -> None:
    one, two = _record(store, 1), _record(store, 2, sha="e" * 64)
    assert [m.id for m in store.messages.pending_actions("INBOX", 7)] == [one, two]
    with store.transaction():
        store.messages.action_done(one)
    assert [m.id for m in store.messages.pending_actions("INBOX", 7)] == [two]


# ------------------------------------------------------------------ requests


def test_one_open_request_per_attorney(store: Store) -> None:
    with store.transaction():
        first = store.requests.create("jane@example.com", "Jane")
    assert store.requests.open_for("jane@example.com") is not None
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        store.requests.create("jane@example.com", "Jane")
    with store.transaction():
        other = store.requests.create("john@example.com", "John")
    assert other != first


@pytest.mark.parametrize(
    ("status", "still_open"),
    [
        (RequestStatus.INCOMPLETE, True),
        (RequestStatus.NEEDS_REVIEW, True),
        (RequestStatus.TRAINING_REQUIRED, True),
        (RequestStatus.COMPLETE, False),
    ],
)
def test_a_request_accumulates_until_complete(
    store: Store, status: RequestStatus, still_open: bool
) -> None:
    with store.transaction():
        request_id = store.requests.create("jane@example.com", "Jane")
        store.requests.update(request_id, status=status)
    found = store.requests.open_for("jane@example.com")
    assert (found is not None and found.id == request_id) is still_open
    if not still_open:
        with store.transaction():
            assert store.requests.create("jane@example.com", "Jane") != request_id


def test_closing_a_request_records_the_reason_and_frees_the_attorney(store: Store) -> None:
    with store.transaction():
        request_id = store.requests.create("jane@example.com", "Jane")
        store.requests.close(request_id, "sent by mistake")
    closed = store.requests.get(request_id)
    assert closed is not None
    assert closed.status is RequestStatus.CLOSED
    assert closed.closed_reason == "sent by mistake"
    assert store.requests.open_for("jane@example.com") is None
    assert [r.id for r in store.requests.all(RequestStatus.CLOSED)] == [request_id]
    assert store.requests.all(RequestStatus.INCOMPLETE) == []


# ----------------------------------------------------------------- documents


def test_documents_are_kept_once_and_named_as_in_each_request(store: Store) -> None:
    message = _record(store, 1)
    with store.transaction():
        request_id = store.requests.create("jane@example.com", None)
        assert store.documents.save(_document("1" * 64, "a.pdf"), message) is True
        reread = _document("1" * 64, "renamed.pdf").model_copy(update={"reason": "newer"})
        assert store.documents.save(reread, message) is False
        assert store.documents.attach(request_id, "1" * 64, "renamed.pdf", message) is True
        assert store.documents.attach(request_id, "1" * 64, "again.pdf", message) is False
    held = store.documents.of_request(request_id)
    assert [(d.filename, d.sha256, m) for d, m in held] == [("renamed.pdf", "1" * 64, message)]
    assert held[0][0].reason == "newer"  # the latest reading of the file wins


def test_documents_read_again_are_parsed_once_and_a_newer_reading_is_read_anew(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    validate = Document.model_validate_json

    def counted(facts: str) -> Document:
        parsed.append(facts)
        return validate(facts)

    monkeypatch.setattr(Document, "model_validate_json", counted)
    message = _record(store, 1)
    with store.transaction():
        request_id = store.requests.create("jane@example.com", None)
        store.documents.save(_document("1" * 64, "a.pdf"), message)
        store.documents.save(_document("2" * 64, "b.pdf"), message)
        store.documents.attach(request_id, "1" * 64, "a.pdf", message)
        store.documents.attach(request_id, "2" * 64, "b.pdf", message)
    first = store.documents.of_request(request_id)
    assert store.documents.of_request(request_id) == first and len(parsed) == 2
    with store.transaction():  # a newer reading of one file: its new facts are read
        newer = _document("1" * 64, "a.pdf").model_copy(update={"reason": "newer"})
        store.documents.save(newer, message)
    again = store.documents.of_request(request_id)
    assert [d.reason for d, _ in again] == ["newer", "test"] and len(parsed) == 3


def test_a_backlog_s_documents_stay_parsed_until_its_pages_are_drawn(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A poll assesses every message of a backlog, then draws the clerks' pages: the
    # documents of 140 requests (980) are read twice, the second time from the cache.
    parsed: list[str] = []
    validate = Document.model_validate_json

    def counted(facts: str) -> Document:
        parsed.append(facts)
        return validate(facts)

    monkeypatch.setattr(Document, "model_validate_json", counted)
    message = _record(store, 1)
    requests: list[int] = []
    with store.transaction():
        for n in range(140):
            request_id = store.requests.create(f"a{n}@example.com", None)
            requests.append(request_id)
            for k in range(7):
                sha = f"{n:032x}{k:032x}"
                store.documents.save(_document(sha, f"{k}.pdf"), message)
                store.documents.attach(request_id, sha, f"{k}.pdf", message)
    for _ in ("assessed", "page drawn"):
        for request_id in requests:
            store.documents.of_request(request_id)
    assert len(parsed) == 980


def test_a_document_must_exist_before_a_request_holds_it(store: Store) -> None:
    message = _record(store, 1)
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        request_id = store.requests.create("jane@example.com", None)
        store.documents.attach(request_id, "9" * 64, "ghost.pdf", message)


def test_the_latest_assessment_round_trips(store: Store) -> None:
    with store.transaction():
        request_id = store.requests.create("jane@example.com", None)
        store.assessments.add(request_id, _assessment(Status.INCOMPLETE), None)
        store.assessments.add(request_id, _assessment(Status.NEEDS_REVIEW), None)
    latest = store.assessments.latest(request_id)
    assert latest == _assessment(Status.NEEDS_REVIEW)
    assert store.assessments.count(request_id) == 2


def test_audit_rows_carry_time_actor_and_json_detail(store: Store) -> None:
    with store.transaction():
        store.audit.record("clerk:ann", "closed", "request:3", reason="dup", ids=[1, 2])
    (row,) = store.audit.trail("request:3")
    assert (row.at, row.actor, row.action) == ("2026-01-02T03:04:05+00:00", "clerk:ann", "closed")
    assert json.loads(row.detail) == {"reason": "dup", "ids": [1, 2]}
    assert store.audit.trail("request:4") == []


def test_outbox_message_ids_are_unique(store: Store) -> None:
    def enqueue() -> int:
        return store.outbox.enqueue(
            request_id=None,
            message_id="<fixed@court>",
            kind="ack",
            to_address="jane@example.com",
            subject="s",
            body="b",
        )

    with store.transaction():
        enqueue()
    with pytest.raises(sqlite3.IntegrityError), store.transaction():
        enqueue()


def test_a_missing_database_is_not_created_when_only_looking(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no state database here yet"):
        Store.open(tmp_path / "nowhere", create=False)
    assert not (tmp_path / "nowhere").exists()


def test_the_kinds_of_record_share_one_transaction(store: Store) -> None:
    """A failure after writes to several kinds of record undoes all of them together."""
    message = _record(store, 1)
    with pytest.raises(RuntimeError, match="half way"), store.transaction():
        request = store.requests.create("jane@example.com", "Jane Doe")
        store.documents.save(_document("b" * 64), message)
        store.documents.attach(request, "b" * 64, "nef.pdf", message)
        store.assessments.add(request, _assessment(Status.INCOMPLETE), message)
        store.audit.record("test", "opened", f"request:{request}")
        store.cursors.advance("INBOX", 7, 1)
        raise RuntimeError("half way")
    assert store.requests.all() == []
    assert store.audit.trail() == []
    assert store.cursors.last_uid("INBOX", 7) == 0
    assert store.messages.get(message) is not None  # committed before, untouched


def test_a_write_outside_a_transaction_is_refused_for_every_kind(store: Store) -> None:
    with pytest.raises(RuntimeError, match=r"inside Store\.transaction"):
        store.requests.create("jane@example.com", None)
    with pytest.raises(RuntimeError, match=r"inside Store\.transaction"):
        store.polls.record(_clock(), ok=True, result="0 fetched")


def test_an_assessment_stored_before_missing_items_were_typed_still_reads(store: Store) -> None:
    """An older release stored what is still needed in English; it reads back typed."""
    message = _record(store, 1)
    with store.transaction():
        request = store.requests.create("jane@example.com", "Jane Doe")
        store.assessments.add(request, _assessment(Status.INCOMPLETE), message)
    old = [
        "the letter of acknowledgment",
        "the statement that is familiar with the Bankruptcy Local Rules",
        "the attorney's signature",
        "a readable attorney name in the signature",
        "1 more qualifying Notice of Electronic Filing",
        "4 more qualifying Notices of Electronic Filing",
    ]
    conn = sqlite3.connect(store.path)
    (stored,) = conn.execute("SELECT assessment FROM assessments").fetchone()
    conn.execute(
        "UPDATE assessments SET assessment = ?",
        (json.dumps({**json.loads(stored), "missing": old}),),
    )
    conn.commit()
    conn.close()
    latest = store.assessments.latest(request)
    assert latest is not None
    assert [m.code for m in latest.missing] == [
        "letter", "affirmation", "signature", "attorney_name", "nefs", "nefs"
    ]  # fmt: skip
    assert latest.missing[1].params["description"] == "is familiar with the Bankruptcy Local Rules"
    assert latest.missing[5].params == {"needed": 4, "plural": "s"}
    rules = load_rules()
    assert [rules.still_needed(m) for m in latest.missing][4:] == old[4:]


def test_a_stored_missing_item_no_release_wrote_is_a_store_error(store: Store) -> None:
    message = _record(store, 1)
    with store.transaction():
        request = store.requests.create("jane@example.com", "Jane Doe")
        store.assessments.add(request, _assessment(Status.INCOMPLETE), message)
    conn = sqlite3.connect(store.path)
    (stored,) = conn.execute("SELECT assessment FROM assessments").fetchone()
    edited = {**json.loads(stored), "missing": ["a pony"]}
    conn.execute("UPDATE assessments SET assessment = ?", (json.dumps(edited),))
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="a pony"):
        store.assessments.latest(request)
