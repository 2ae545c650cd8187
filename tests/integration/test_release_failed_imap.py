"""Releasing retried messages from Failed against a real Dovecot (see conftest.py):
`ImapSource.release_failed` in move and keyword modes, with and without a Message-ID,
and `intake requests retry` end to end (a message fails, the fix comes, the retry
leaves it in Processed, a second retry changes nothing)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from intake.core.policy.rules import Rules, load_rules
from intake.edges.mail.imap import ImapSource
from intake.edges.store import MessageStatus, Store
from intake.service.cycle import poll_once
from tests.emails import OWN, small_email
from tests.faults import reader_fails_on
from tests.integration.dovecot import DovecotMailbox, free_port

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def message(n: int, *, message_id: str | None = None, body: str = "") -> bytes:
    header = f"Message-ID: {message_id}\r\n" if message_id else ""
    return (
        f"From: Jane Doe <jane{n}@example-law.com>\r\nTo: {OWN}\r\n"
        f"Subject: waiver {n}\r\n{header}\r\nMy NEFs, part {n}.{body}\r\n"
    ).encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def contents(mailbox: DovecotMailbox, folder: str) -> list[bytes]:
    """The bytes of every message in `folder` (read with a session of its own)."""
    if folder != "INBOX" and folder not in mailbox.folders():
        return []
    config = mailbox.imap_config(folder=folder, processed_folder="X-none", failed_folder="X-no")
    with ImapSource(config) as reader:
        return sorted(m.data for m in reader.fetch(reader.uids_above(0)))


# ---------------------------------------------------------------- move mode


@pytest.mark.parametrize("with_message_id", [True, False])
def test_move_mode_releases_the_matching_message_and_can_poll_on(
    dovecot: DovecotMailbox, with_message_id: bool
) -> None:
    def mid(n: int) -> str | None:
        return f"<waiver-{n}@example-law.com>" if with_message_id else None

    wanted = message(1, message_id=mid(1))
    # Same Message-ID, other bytes: found by the search, refused by the hash.
    impostor = message(1, message_id=mid(1), body=" (edited)")
    others = [impostor] + [message(n, message_id=mid(n)) for n in range(2, 5)]
    uids = [dovecot.deliver(data) for data in [*others, wanted]]

    # batch_size 2: without a Message-ID the failed folder is read in batches.
    with ImapSource(dovecot.imap_config(batch_size=2)) as source:
        for uid in uids:
            source.mark_failed(uid)
        arrived = dovecot.deliver(message(9))
        assert source.release_failed(sha(wanted), mid(1))
        # The session is back on the polled folder, selected afresh (so it sees the
        # mail that arrived meanwhile): a poll goes on as usual.
        assert source.uidvalidity() == dovecot.uidvalidity("INBOX")
        assert source.uids_above(max(uids)) == [arrived]
        assert [m.data for m in source.fetch([arrived])] == [message(9)]
        source.mark_processed(arrived)

    assert contents(dovecot, "Processed") == sorted([wanted, message(9)])
    assert contents(dovecot, "Failed") == sorted(others)


def test_releasing_twice_or_without_a_failed_folder_is_false_and_harmless(
    dovecot: DovecotMailbox,
) -> None:
    data = message(1, message_id="<once@example-law.com>")
    uid = dovecot.deliver(data)
    with ImapSource(dovecot.imap_config()) as source:
        assert not source.release_failed(sha(data), "<once@example-law.com>")  # no Failed yet
        assert source.uids_above(0) == [uid]  # a failed SELECT left the INBOX selected again
        source.mark_failed(uid)
        assert source.release_failed(sha(data), "<once@example-law.com>")
        assert not source.release_failed(sha(data), "<once@example-law.com>")
        assert not source.release_failed(sha(data), None)
    assert contents(dovecot, "Processed") == [data]
    assert contents(dovecot, "Failed") == []


# ------------------------------------------------------------- keyword mode


@pytest.mark.parametrize("with_message_id", [True, False])
def test_keyword_mode_swaps_the_keywords_in_place(
    dovecot: DovecotMailbox, with_message_id: bool
) -> None:
    message_id = "<kw-1@example-law.com>" if with_message_id else None
    wanted = message(1, message_id=message_id)
    other_failed = message(2, message_id=message_id, body=" (edited)")
    done = message(3)
    uids = [dovecot.deliver(data) for data in (wanted, other_failed, done)]

    with ImapSource(dovecot.imap_config(processed_action="keyword", batch_size=1)) as source:
        source.mark_failed(uids[0])
        source.mark_failed(uids[1])
        source.mark_processed(uids[2])
        assert source.release_failed(sha(wanted), message_id)
        assert not source.release_failed(sha(wanted), message_id)  # no longer failed
        assert not source.release_failed(sha(done), None)  # processed, never failed

    assert dovecot.uids() == uids  # nothing moved
    assert "$IntakeProcessed" in dovecot.flags(uids[0])
    assert "$IntakeFailed" not in dovecot.flags(uids[0])
    assert "$IntakeFailed" in dovecot.flags(uids[1])
    assert "$IntakeProcessed" not in dovecot.flags(uids[1])
    assert "\\Seen" not in dovecot.flags(uids[0])


# --------------------------------------------------- intake requests retry


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def run_retry(config: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "intake", "requests", "retry", "--config", str(config)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _fail_one_of_two(
    dovecot: DovecotMailbox,
    tmp_path: Path,
    rules: Rules,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
) -> tuple[Path, bytes, bytes]:
    """Poll two emails while the reader has a bug for the second's file; return the
    intake.toml (processed_action `action`) and the two emails' bytes."""
    config = dovecot.write_intake_config(tmp_path, own_address=OWN, timeout_seconds=10)
    with config.open("a") as handle:
        handle.write(f'processed_action = "{action}"\n')
    good, bad = small_email(1), small_email(2)
    dovecot.deliver(good)
    dovecot.deliver(bad)
    reader_fails_on(monkeypatch, "p2.pdf")
    with (
        Store.open(tmp_path / "state") as store,
        ImapSource(dovecot.imap_config(processed_action=action)) as source,
    ):
        result = poll_once(source, store, rules, own_address=OWN)
    assert (result.processed, result.failed) == (1, 1)
    monkeypatch.undo()  # the bug is fixed
    return config, good, bad


def test_retry_leaves_the_fixed_message_in_processed_and_a_second_retry_changes_nothing(
    dovecot: DovecotMailbox, tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, good, bad = _fail_one_of_two(dovecot, tmp_path, rules, monkeypatch, "move")
    assert contents(dovecot, "Failed") == [bad]

    first = run_retry(config)
    assert first.returncode == 0, first.stderr
    assert "retried 1: 1 processed" in first.stdout
    assert "moved from 'Failed' to 'Processed'" in first.stdout
    assert contents(dovecot, "Failed") == []
    assert contents(dovecot, "Processed") == sorted([good, bad])
    with Store.open(tmp_path / "state") as store:
        assert [m.status for m in store.messages.all()] == [MessageStatus.PROCESSED] * 2
        released = [a for a in store.audit.trail() if a.action == "released"]
        assert len(released) == 1

    second = run_retry(config)
    assert second.returncode == 0, second.stderr
    assert second.stdout == "no failed messages to retry\n"
    assert contents(dovecot, "Processed") == sorted([good, bad])
    with Store.open(tmp_path / "state") as store:
        assert len([a for a in store.audit.trail() if a.action == "released"]) == 1


def test_retry_in_keyword_mode_swaps_the_keyword(
    dovecot: DovecotMailbox, tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, _, _ = _fail_one_of_two(dovecot, tmp_path, rules, monkeypatch, "keyword")
    first, second = dovecot.uids()
    assert "$IntakeFailed" in dovecot.flags(second)

    retried = run_retry(config)
    assert retried.returncode == 0, retried.stderr
    assert "keyword $IntakeFailed replaced by $IntakeProcessed" in retried.stdout
    assert dovecot.uids() == [first, second]
    assert "$IntakeFailed" not in dovecot.flags(second)
    assert "$IntakeProcessed" in dovecot.flags(second)
    assert run_retry(config).stdout == "no failed messages to retry\n"


def test_an_unreachable_server_leaves_the_release_owed_to_the_next_retry(
    dovecot: DovecotMailbox, tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, _, bad = _fail_one_of_two(dovecot, tmp_path, rules, monkeypatch, "move")
    reachable = config.read_text()
    config.write_text(reachable.replace(f"port = {dovecot.port}", f"port = {free_port()}"))

    failed = run_retry(config)
    assert failed.returncode == 1
    assert "retried 1: 1 processed" in failed.stdout
    assert "the mailbox could not be reached" in failed.stderr
    assert "1 message(s) stay in 'Failed'; their requests are already updated" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert contents(dovecot, "Failed") == [bad]

    config.write_text(reachable)
    again = run_retry(config)
    assert again.returncode == 0, again.stderr
    assert "1 message(s) released" in again.stdout
    assert contents(dovecot, "Failed") == []
