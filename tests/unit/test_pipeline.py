"""One poll cycle over a mailbox: ordering, accumulation, duplicates, failures, retry.

`ListSource` is a tiny in-memory mailbox with IMAP's semantics (UIDVALIDITY, UIDs that
only grow, MOVE removes the message from the folder); it lets a test look at the state
database at the exact moment a mailbox action is applied. The store is a real SQLite
file and the readers are the real ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import pytest

import intake.service.cycle as pipeline
import intake.service.polls as polls
from intake.core.model import Envelope
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.screen import Screening, screen
from intake.edges.mail.maildir import MaildirSource, seed_maildir
from intake.edges.mail.source import MessageRef, RawMessage, SourceError
from intake.edges.store import DB_FILENAME, MessageStatus, RequestStatus, Store
from intake.service.cycle import poll_once
from intake.service.reprocess import retry_failed
from tests.faults import reader_fails_on

OWN = "ecf-training@canb.uscourts.gov"


class ListSource:
    def __init__(self, folder: str = "INBOX", uidvalidity: int = 100, move: bool = True) -> None:
        self.folder = folder
        self._uidvalidity = uidvalidity
        self.move = move
        self.messages: dict[int, bytes] = {}
        self.next_uid = 1
        self.actions: list[tuple[str, int]] = []
        self.fetched: list[int] = []
        self.on_action: Callable[[str, int], None] | None = None

    def add(self, data: bytes) -> int:
        uid, self.next_uid = self.next_uid, self.next_uid + 1
        self.messages[uid] = data
        return uid

    def rebuild(self) -> None:
        """What a server rebuild does: a new UIDVALIDITY, every message renumbered."""
        self._uidvalidity += 1
        old = [self.messages[uid] for uid in sorted(self.messages)]
        self.messages, self.next_uid = {}, 1
        for data in old:
            self.add(data)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def uidvalidity(self) -> int:
        return self._uidvalidity

    def uids_above(self, last_seen: int) -> list[int]:
        return sorted(uid for uid in self.messages if uid > last_seen)

    def fetch(self, uids: Sequence[int]) -> Iterator[RawMessage]:
        for uid in uids:
            if uid in self.messages:
                self.fetched.append(uid)
                yield RawMessage(
                    MessageRef(self.folder, self._uidvalidity, uid), self.messages[uid]
                )

    def _act(self, action: str, uid: int) -> None:
        if self.on_action:
            self.on_action(action, uid)
        if self.move and uid not in self.messages:
            return  # moving a UID that is gone: nothing happens, as on IMAP
        self.actions.append((action, uid))
        if self.move:
            del self.messages[uid]

    def mark_processed(self, uid: int) -> None:
        self._act("processed", uid)

    def mark_failed(self, uid: int) -> None:
        self._act("failed", uid)

    def release_failed(self, sha256: str, message_id: str | None) -> bool:
        return False  # this mailbox keeps no Failed folder to release from


def email(
    sender: str = "jane.doe@example-law.com",
    name: str = "Jane Doe",
    *,
    files: Sequence[str] = ("nef1.pdf",),
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = OWN
    message["Subject"] = "CM/ECF training waiver"
    message["Message-ID"] = message_id or f"<{'-'.join(files) or 'none'}.{sender}>"
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content("Please find my documents attached.")
    for filename in files:
        # Distinct bytes per file name: each is its own document. Not a real PDF (so
        # no PDF reader runs, which keeps the test fast); its kind does not matter here.
        data = b"scanned from the copier: " + filename.encode()
        message.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return bytes(message)


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state") as opened:
        yield opened


def poll(source: ListSource, store: Store, rules: Rules, **kwargs: Any) -> pipeline.PollResult:
    return poll_once(source, store, rules, own_address=OWN, **kwargs)


# ------------------------------------------------------------ accumulation


def test_several_emails_build_one_request(store: Store, rules: Rules) -> None:
    source = ListSource()
    source.add(email(files=["letter.pdf"]))
    source.add(email(files=["nef1.pdf", "nef2.pdf"]))
    source.add(email(files=["nef3.pdf"]))
    result = poll(source, store, rules)

    assert (result.fetched, result.processed, result.duplicates, result.failed) == (3, 3, 0, 0)
    (request,) = store.requests.all()
    assert request.attorney == "jane.doe@example-law.com"
    assert request.attorney_name == "Jane Doe"
    names = [d.filename for d, _ in store.documents.of_request(request.id)]
    assert names == ["letter.pdf", "nef1.pdf", "nef2.pdf", "nef3.pdf"]
    # Each email re-assessed the whole request; the last assessment saw all four.
    assert store.assessments.count(request.id) == 3
    assert result.request_ids == {request.id}
    assert [m.status for m in store.messages.all()] == [MessageStatus.PROCESSED] * 3
    assert source.actions == [("processed", 1), ("processed", 2), ("processed", 3)]


def test_different_attorneys_get_different_requests(store: Store, rules: Rules) -> None:
    source = ListSource()
    source.add(email("a@example.com", "Ann A"))
    source.add(email("B@Example.com", "Bob B", files=["x.pdf"]))
    poll(source, store, rules)
    assert sorted(r.attorney for r in store.requests.all()) == ["a@example.com", "b@example.com"]


def test_a_complete_or_closed_request_stops_accumulating(store: Store, rules: Rules) -> None:
    source = ListSource()
    source.add(email(files=["one.pdf"]))
    poll(source, store, rules)
    (first,) = store.requests.all()
    with store.transaction():
        store.requests.close(first.id, "clerk decided")

    source.add(email(files=["two.pdf"]))
    poll(source, store, rules)
    second = store.requests.open_for("jane.doe@example-law.com")
    assert second is not None and second.id != first.id
    assert [d.filename for d, _ in store.documents.of_request(second.id)] == ["two.pdf"]
    assert [d.filename for d, _ in store.documents.of_request(first.id)] == ["one.pdf"]


def test_the_same_file_in_two_emails_is_one_document_of_the_request(
    store: Store, rules: Rules
) -> None:
    source = ListSource()
    source.add(email(files=["nef1.pdf"], message_id="<first@x>"))
    source.add(email(files=["nef1.pdf", "nef2.pdf"], message_id="<second@x>"))
    poll(source, store, rules)
    (request,) = store.requests.all()
    assert [d.filename for d, _ in store.documents.of_request(request.id)] == [
        "nef1.pdf",
        "nef2.pdf",
    ]


# ---------------------------------------------------------------- ordering


def test_the_mailbox_action_comes_after_the_commit(
    store: Store, rules: Rules, tmp_path: Path
) -> None:
    source = ListSource()
    source.add(email())
    seen: list[tuple[str, int, int]] = []

    def look(action: str, uid: int) -> None:
        # Another connection sees only committed data.
        conn = sqlite3.connect(tmp_path / "state" / DB_FILENAME)
        status, request = conn.execute(
            "SELECT status, request_id FROM messages WHERE uid = ?", (uid,)
        ).fetchone()
        (cursor,) = conn.execute("SELECT last_uid FROM mailbox_cursor").fetchone()
        (assessments,) = conn.execute("SELECT count(*) FROM assessments").fetchone()
        conn.close()
        assert status == "processed" and request is not None
        seen.append((action, cursor, assessments))

    source.on_action = look
    poll(source, store, rules)
    assert seen == [("processed", 1, 1)]


def test_a_poll_with_nothing_new_fetches_nothing(store: Store, rules: Rules) -> None:
    source = ListSource(move=False)  # messages stay, as with the keyword action
    for i in range(5):
        source.add(email(files=[f"f{i}.pdf"]))
    poll(source, store, rules)
    source.fetched.clear()
    again = poll(source, store, rules)
    assert (again.fetched, again.processed) == (0, 0)
    assert source.fetched == []
    assert store.cursors.last_uid("INBOX", 100) == 5


def test_progress_is_told_the_backlog_then_each_message(store: Store, rules: Rules) -> None:
    source = ListSource()
    for i in range(3):
        source.add(email(files=[f"f{i}.pdf"]))
    calls: list[tuple[int, int]] = []
    poll(source, store, rules, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_batches_cover_every_message(store: Store, rules: Rules) -> None:
    source = ListSource()
    for i in range(7):
        source.add(email(files=[f"f{i}.pdf"]))
    result = poll(source, store, rules, batch_size=3)
    assert result.fetched == 7
    assert source.fetched == list(range(1, 8))


def test_a_stop_request_ends_the_poll_between_messages(store: Store, rules: Rules) -> None:
    source = ListSource()
    for i in range(5):
        source.add(email(sender=f"a{i}@example.com", files=[f"f{i}.pdf"]))

    def stop_after_two() -> bool:
        return len(store.messages.all()) >= 2

    result = poll(source, store, rules, stop=stop_after_two, batch_size=2)
    assert (result.fetched, result.processed, result.left_for_next) == (2, 2, 3)
    assert "stopped early: 3 left for the next poll" in result.summary()
    assert [uid for _, uid in source.actions] == [1, 2]  # each handled one is moved
    # The next poll takes the rest, each once.
    rest = poll(source, store, rules)
    assert (rest.fetched, rest.processed, rest.left_for_next) == (3, 3, 0)
    assert sorted(m.uid for m in store.messages.all()) == [1, 2, 3, 4, 5]


# -------------------------------------------------------------- duplicates


def test_a_resent_message_is_counted_once_and_still_moved(store: Store, rules: Rules) -> None:
    source = ListSource()
    data = email(files=["nef1.pdf"])
    source.add(data)
    poll(source, store, rules)
    (request,) = store.requests.all()

    source.add(data)  # the same bytes again, under a new UID
    result = poll(source, store, rules)
    assert (result.fetched, result.processed, result.duplicates) == (1, 0, 1)
    assert store.assessments.count(request.id) == 1
    duplicate = store.messages.all(status=MessageStatus.DUPLICATE)
    assert len(duplicate) == 1 and duplicate[0].request_id == request.id
    assert source.actions == [("processed", 1), ("processed", 2)]


def test_a_uidvalidity_change_processes_nothing_twice(store: Store, rules: Rules) -> None:
    source = ListSource(move=False)
    for i in range(3):
        source.add(email(files=[f"f{i}.pdf"]))
    poll(source, store, rules)
    (request,) = store.requests.all()

    source.rebuild()
    source.add(email(files=["new.pdf"]))
    result = poll(source, store, rules)
    assert result.uidvalidity_changed
    assert (result.fetched, result.processed, result.duplicates) == (4, 1, 3)
    assert store.assessments.count(request.id) == 4
    assert len(store.documents.of_request(request.id)) == 4
    changes = [a for a in store.audit.trail("mailbox:INBOX") if a.action == "uidvalidity_changed"]
    assert len(changes) == 1

    # Noticed once: the next poll is an ordinary one.
    assert not poll(source, store, rules).uidvalidity_changed
    assert len(store.audit.trail("mailbox:INBOX")) == 1


# ---------------------------------------------------------------- failures


def test_a_failing_message_is_kept_and_does_not_block_the_rest(
    store: Store, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader_fails_on(monkeypatch, "boom.pdf")
    source = ListSource()
    source.add(email(files=["a.pdf"]))
    bad = email(files=["boom.pdf"], message_id="<boom@x>")
    source.add(bad)
    source.add(email(files=["c.pdf"]))
    result = poll(source, store, rules)

    assert (result.processed, result.failed) == (2, 1)
    assert source.actions == [("processed", 1), ("failed", 2), ("processed", 3)]
    (failed,) = store.messages.all(status=MessageStatus.FAILED)
    assert failed.error is not None and "cannot cope with boom.pdf" in failed.error
    saved = store.state_dir / "failed" / f"{failed.sha256}.eml"
    assert saved.read_bytes() == bad

    # Fixed: `intake requests retry` reads it again from the saved bytes.
    monkeypatch.undo()
    retried = retry_failed(store, rules, own_address=OWN)
    assert (retried.retried, retried.processed, retried.still_failed) == (1, 1, 0)
    (request,) = store.requests.all()
    names = [d.filename for d, _ in store.documents.of_request(request.id)]
    assert names == ["a.pdf", "c.pdf", "boom.pdf"]
    row = store.messages.get(failed.id)
    assert row is not None and row.status is MessageStatus.PROCESSED and row.error is None


def test_a_retry_that_fails_again_keeps_the_message_failed(
    store: Store, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader_fails_on(monkeypatch, "boom.pdf")
    source = ListSource()
    source.add(email(files=["boom.pdf"]))
    poll(source, store, rules)
    retried = retry_failed(store, rules, own_address=OWN)
    assert (retried.retried, retried.still_failed) == (1, 1)
    assert len(store.messages.all(status=MessageStatus.FAILED)) == 1
    assert store.requests.all() == []


def test_an_action_that_failed_is_applied_by_the_next_poll(store: Store, rules: Rules) -> None:
    source = ListSource()
    source.add(email(files=["a.pdf"]))

    def server_gone(action: str, uid: int) -> None:
        raise SourceError("connection lost")

    source.on_action = server_gone
    with pytest.raises(SourceError):
        poll(source, store, rules)
    assert [m.status for m in store.messages.all()] == [MessageStatus.PROCESSED]

    source.on_action = None
    result = poll(source, store, rules)
    assert result.actions_recovered == 1
    assert (result.fetched, result.processed) == (0, 0)
    assert source.actions == [("processed", 1)]
    assert store.messages.pending_actions("INBOX", 100) == []
    (request,) = store.requests.all()
    assert store.assessments.count(request.id) == 1


# ----------------------------------------------------------------- ignored


def test_mail_from_ourselves_or_auto_responders_is_recorded_and_ignored(
    store: Store, rules: Rules
) -> None:
    source = ListSource()
    source.add(email(OWN, "ECF Training"))
    source.add(email(headers={"Auto-Submitted": "auto-replied"}, message_id="<ooo@x>"))
    source.add(email("MAILER-DAEMON@mx.example.com", "Mail Delivery System"))
    result = poll(source, store, rules)
    assert (result.ignored, result.processed) == (3, 0)
    assert store.requests.all() == []
    assert {m.status for m in store.messages.all()} == {MessageStatus.IGNORED}
    assert len(source.actions) == 3  # moved out of the inbox all the same


def test_an_email_without_attachments_joins_the_request(store: Store, rules: Rules) -> None:
    source = ListSource()
    source.add(email(files=[]))
    result = poll(source, store, rules)
    assert result.processed == 1
    (request,) = store.requests.all()
    assert store.documents.of_request(request.id) == []
    assert request.status is not RequestStatus.OPEN  # it was assessed


def _envelope(sender: str | None, **headers: str) -> Envelope:
    return Envelope(message_id=None, sender_address=sender, sender_name=None, headers=headers)


@pytest.mark.parametrize(
    ("envelope", "ignored"),
    [
        (_envelope("jane@example.com"), False),
        (_envelope(None), True),
        (_envelope(OWN), True),
        (_envelope("postmaster@example.com"), True),
        (_envelope("jane@example.com", **{"auto-submitted": "auto-generated"}), True),
        (_envelope("jane@example.com", **{"auto-submitted": "no"}), False),
        (_envelope("jane@example.com", precedence="bulk"), True),
        (_envelope("jane@example.com", precedence="first-class"), False),
    ],
)
def test_the_screen_ignores(envelope: Envelope, ignored: bool) -> None:
    verdict = screen(envelope, own_addresses=[OWN])
    assert (verdict.action is Screening.IGNORE) is ignored


def test_header_message_id_survives_garbage() -> None:
    assert pipeline.header_message_id(b"Message-ID: <a@b>\r\n\r\nbody") == "<a@b>"
    assert pipeline.header_message_id(b"\xff\xfe\x00garbage") is None
    assert pipeline.header_message_id(b"") is None


# ------------------------------------------------------- over a real Maildir

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_the_fixture_series_build_complete_requests_over_a_maildir(
    store: Store, rules: Rules, tmp_path: Path
) -> None:
    expected = json.loads((FIXTURES / "expected.json").read_text())
    # Series B: a letter and four NEFs, then three NEFs of which one repeats a file.
    series = [s for s in expected["series"] if s["series"] == "series-b"]
    files = [name for s in series for name in s["files"]] + ["auto-reply.eml", "bounce.eml"]
    maildir = tmp_path / "mail"
    seed_maildir(maildir, [FIXTURES / "eml" / name for name in files])

    with MaildirSource(maildir) as source:
        result = poll_once(source, store, rules, own_address=OWN)
        assert source.uids_above(0) == []  # every message moved out of the inbox

    assert (result.fetched, result.processed, result.ignored, result.failed) == (4, 2, 2, 0)
    for s in series:
        (request,) = [r for r in store.requests.all() if r.attorney == s["sender"]]
        assert request.status.value == s["assessment"]["status"]
        held = {d.sha256 for d, _ in store.documents.of_request(request.id)}
        assert held == {d["sha256"] for d in s["documents"]}
    assert len(store.requests.all()) == len(series)
    assert len(list((maildir / ".Processed" / "cur").iterdir())) == 4


def test_a_second_poll_on_the_same_state_is_refused_while_one_runs(tmp_path: Path) -> None:
    with (
        polls.poll_lock(tmp_path),
        pytest.raises(polls.PollBusy, match="another poll is running"),
        polls.poll_lock(tmp_path),
    ):
        pass
    with polls.poll_lock(tmp_path):  # free again once the first is done
        pass
