"""No crash loop: attempt marks, counted over polls, over a real SQLite store."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.core.policy.rules import Rules, load_rules
from intake.edges.store import MessageStatus, Store
from intake.service.cycle import MAX_INTERRUPTED, poll_once
from tests.unit.test_pipeline import OWN, ListSource, email


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "state") as opened:
        yield opened


def test_a_message_interrupted_twice_is_failed_and_the_next_one_flows(
    store: Store, rules: Rules
) -> None:
    source = ListSource()
    poison = source.add(email("eve@example.org", "Eve", message_id="<poison@x>"))
    good = source.add(email())
    sha = hashlib.sha256(source.messages[poison]).hexdigest()
    for _ in range(MAX_INTERRUPTED):  # what two polls killed while reading it left behind
        store.attempts.begin("INBOX", 100, poison, sha)
    result = poll_once(source, store, rules, own_address=OWN)
    assert (result.failed, result.processed) == (1, 1)
    rows = {r.uid: r for r in store.messages.all()}
    assert rows[poison].status is MessageStatus.FAILED
    error = rows[poison].error
    assert error is not None and "interrupted 2 times" in error
    assert rows[good].status is MessageStatus.PROCESSED
    assert source.actions == [("failed", poison), ("processed", good)]
    assert (store.state_dir / "failed" / f"{sha}.eml").exists()  # kept for a retry


def test_one_interruption_is_forgiven_and_a_recorded_message_leaves_no_mark(
    store: Store, rules: Rules
) -> None:
    source = ListSource()
    uid = source.add(email())
    sha = hashlib.sha256(source.messages[uid]).hexdigest()
    assert store.attempts.begin("INBOX", 100, uid, sha) == 0
    result = poll_once(source, store, rules, own_address=OWN)
    assert result.processed == 1
    assert store.attempts.begin("INBOX", 100, uid, sha) == 0  # the mark went with the record


def test_other_bytes_under_the_same_uid_start_counting_afresh(store: Store) -> None:
    store.attempts.begin("INBOX", 1, 7, "a" * 64)
    assert store.attempts.begin("INBOX", 1, 7, "a" * 64) == 1
    assert store.attempts.begin("INBOX", 1, 7, "b" * 64) == 0


def test_an_attempt_mark_outlives_a_killed_process_and_costs_no_flush(tmp_path: Path) -> None:
    # The mark is committed without a disk flush of its own (a power cut is not the
    # message's doing); a process killed right after it still leaves it, and the store
    # goes back to flushing every other commit.
    import os
    import signal

    state = tmp_path / "state"
    Store.open(state).close()
    pid = os.fork()
    if pid == 0:  # the poll, killed at once after noting its attempt
        try:
            with Store.open(state) as doomed:
                doomed.attempts.begin("INBOX", 100, 7, "ab" * 32)
                os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    with Store.open(state) as store:
        assert store.attempts.begin("INBOX", 100, 7, "ab" * 32) == 1
        row = store._db.one("PRAGMA synchronous")
        assert row is not None and row[0] == 2  # FULL again


def test_a_failed_flush_of_the_pdfs_fails_the_message_and_commits_no_request(
    store: Store, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The PDFs' flush runs beside the assessment; the commit naming them waits for it,
    # and a flush that fails rolls that commit back (the message is failed, kept for a retry).
    from intake.edges import durable

    def failing_sync(folder: Path) -> bool:
        raise OSError("the disk is gone")

    monkeypatch.setattr(durable, "_sync_file_system", failing_sync)
    from email.message import EmailMessage

    from tests.unit.test_pdf import NEF_LINES, make_pdf

    message = EmailMessage()
    message["From"] = "Jane Doe <jane.doe@example-law.com>"
    message["To"] = OWN
    message["Subject"] = "CM/ECF training waiver"
    message["Message-ID"] = "<flush@example-law.com>"
    message.set_content("Please find my notice attached.")
    nef = make_pdf([list(NEF_LINES)])
    message.add_attachment(nef, maintype="application", subtype="pdf", filename="nef.pdf")
    source = ListSource()
    uid = source.add(bytes(message))
    result = poll_once(source, store, rules, own_address=OWN)
    assert result.failed == 1 and result.processed == 0
    (row,) = store.messages.all()
    assert row.uid == uid and row.status is MessageStatus.FAILED
    assert row.error is not None and "the disk is gone" in row.error
    assert store.requests.all() == []
