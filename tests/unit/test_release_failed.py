"""Releasing retried messages from Failed: MaildirSource.release_failed, which rows are
owed a release, and `intake requests retry` end to end over a local Maildir."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

import intake.service.polls as polls
from intake.commands.cli import main
from intake.edges.mail.maildir import MaildirSource, deliver, folder_path
from intake.edges.store import MailboxAction, MessageRow, MessageStatus, Store
from intake.service.reprocess import NOT_FOUND, RELEASED, owes_release
from tests.faults import reader_fails_on

OWN = "ecf-training@canb.uscourts.gov"


def message(n: int, *, message_id: bool = True) -> bytes:
    header = f"Message-ID: <waiver-{n}@example-law.com>\r\n" if message_id else ""
    return (
        f"From: a{n}@example-law.com\r\nSubject: waiver {n}\r\n{header}\r\nbody {n}\r\n"
    ).encode()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_in(root: Path, folder: str) -> list[bytes]:
    directory = folder_path(root, folder)
    return sorted(p.read_bytes() for sub in ("new", "cur") for p in (directory / sub).glob("*"))


# --------------------------------------------------------- MaildirSource


def test_release_moves_the_matching_file_from_failed_to_processed(tmp_path: Path) -> None:
    wanted, other = message(1), message(2, message_id=False)
    for data in (wanted, other):
        deliver(tmp_path, data)
    with MaildirSource(tmp_path) as source:
        source.mark_failed(1)
        source.mark_failed(2)
        assert source.release_failed(sha(wanted), "<waiver-1@example-law.com>")
        # Without a Message-ID the bytes alone find it.
        assert source.release_failed(sha(other), None)

    assert files_in(tmp_path, "Failed") == []
    assert files_in(tmp_path, "Processed") == sorted([wanted, other])


def test_release_keeps_the_flags_and_leaves_other_failed_mail(tmp_path: Path) -> None:
    for n in range(3):
        deliver(tmp_path, message(n))
    with MaildirSource(tmp_path) as source:
        for uid in (1, 2, 3):
            source.mark_failed(uid)
    failed_dir = folder_path(tmp_path, "Failed") / "cur"
    seen = next(p for p in failed_dir.iterdir() if p.read_bytes() == message(1))
    seen.rename(seen.with_name(seen.name.split(":")[0] + ":2,S"))  # a clerk read it

    with MaildirSource(tmp_path) as source:
        assert source.release_failed(sha(message(1)), None)

    assert files_in(tmp_path, "Failed") == sorted([message(0), message(2)])
    [released] = (folder_path(tmp_path, "Processed") / "cur").iterdir()
    assert released.name.endswith(":2,S")


def test_releasing_twice_or_what_is_not_there_returns_false(tmp_path: Path) -> None:
    deliver(tmp_path, message(1))
    with MaildirSource(tmp_path) as source:
        # No Failed folder at all yet.
        assert not source.release_failed(sha(message(1)), None)
        source.mark_failed(1)
        assert not source.release_failed(sha(message(9)), "<waiver-1@example-law.com>")
        assert source.release_failed(sha(message(1)), None)
        assert not source.release_failed(sha(message(1)), None)
    assert files_in(tmp_path, "Processed") == [message(1)]


def test_release_does_not_disturb_the_polled_folder(tmp_path: Path) -> None:
    for n in range(2):
        deliver(tmp_path, message(n))
    with MaildirSource(tmp_path) as source:
        source.mark_failed(1)
        validity = source.uidvalidity()
        assert source.release_failed(sha(message(0)), None)
        deliver(tmp_path, message(5))
        assert source.uids_above(0) == [2, 3]
        assert source.uidvalidity() == validity


# ------------------------------------------------------------- who is owed


def _row(**changes: Any) -> MessageRow:
    row = MessageRow(
        id=7,
        folder="INBOX",
        uidvalidity=1,
        uid=3,
        message_id="<m@x>",
        sha256="ab" * 32,
        size=10,
        sender="a@x",
        subject="s",
        status=MessageStatus.PROCESSED,
        error=None,
        request_id=1,
        duplicate_of=None,
        mailbox_action=MailboxAction.FAILED,
        action_done_at="2026-11-28T08:00:00Z",
        received_at="2026-11-28T08:00:00Z",
        updated_at="2026-11-28T08:00:00Z",
    )
    return replace(row, **changes)


@pytest.mark.parametrize(
    ("changes", "owed"),
    [
        ({}, True),
        ({"status": MessageStatus.IGNORED}, True),
        ({"status": MessageStatus.FAILED}, False),  # still failing: it stays in Failed
        ({"mailbox_action": MailboxAction.PROCESSED}, False),  # never went to Failed
        ({"action_done_at": None}, False),  # not moved yet: the next poll does that
    ],
)
def test_a_row_is_owed_a_release_when_its_failed_mail_now_succeeds(
    changes: dict[str, Any], owed: bool
) -> None:
    assert owes_release(_row(**changes), None) is owed


def test_a_duplicate_follows_its_original() -> None:
    copy = _row(id=8, status=MessageStatus.DUPLICATE, duplicate_of=7)
    assert owes_release(copy, _row())
    assert not owes_release(copy, _row(status=MessageStatus.FAILED))
    assert not owes_release(copy, None)


# ------------------------------------------------------ the retry command


def _email(filename: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Jane Doe <jane@example.com>"
    mail["To"] = OWN
    mail["Subject"] = "waiver"
    mail["Message-ID"] = f"<{filename}.jane@example.com>"
    mail.set_content("attached")
    data = b"scanned from the copier: " + filename.encode()  # no PDF reader runs: fast
    mail.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return bytes(mail)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "intake.toml"
    path.write_text(
        f'state_dir = "{tmp_path / "state"}"\n[source]\nmaildir = "{tmp_path / "mail"}"\n'
    )
    return path


def _audit_actions(state: Path) -> list[str]:
    with Store.open(state) as store:
        return [row.action for row in store.audit.trail() if row.action in (RELEASED, NOT_FOUND)]


def test_retry_moves_the_now_processed_message_to_processed_once(
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mail = tmp_path / "mail"
    bad, good = _email("boom.pdf"), _email("nef1.pdf")
    deliver(mail, bad)
    deliver(mail, good)
    reader_fails_on(monkeypatch, "boom.pdf")
    assert main(["poll", "--once", "--config", str(config)]) == 0
    assert files_in(mail, "Failed") == [bad]
    monkeypatch.undo()  # the bug is fixed
    capsys.readouterr()

    assert main(["requests", "retry", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "retried 1: 1 processed" in out
    assert "moved from 'Failed' to 'Processed'" in out and "1 message(s) released" in out
    assert files_in(mail, "Failed") == []
    assert files_in(mail, "Processed") == sorted([bad, good])
    assert _audit_actions(tmp_path / "state") == [RELEASED]

    # A second retry finds nothing to do, in the database or the mailbox.
    assert main(["requests", "retry", "--config", str(config)]) == 0
    assert capsys.readouterr().out == "no failed messages to retry\n"
    assert files_in(mail, "Processed") == sorted([bad, good])
    assert _audit_actions(tmp_path / "state") == [RELEASED]


def test_a_message_a_clerk_already_moved_is_settled_without_error(
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mail = tmp_path / "mail"
    deliver(mail, _email("boom.pdf"))
    reader_fails_on(monkeypatch, "boom.pdf")
    assert main(["poll", "--once", "--config", str(config)]) == 0
    monkeypatch.undo()
    [moved_by_hand] = (folder_path(mail, "Failed") / "cur").iterdir()
    moved_by_hand.unlink()

    assert main(["requests", "retry", "--config", str(config)]) == 0
    assert "no longer in 'Failed'" in capsys.readouterr().out
    assert _audit_actions(tmp_path / "state") == [NOT_FOUND]


def test_an_unreachable_mailbox_keeps_the_database_work_and_the_release_stays_owed(
    config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mail = tmp_path / "mail"
    bad = _email("boom.pdf")
    deliver(mail, bad)
    reader_fails_on(monkeypatch, "boom.pdf")
    assert main(["poll", "--once", "--config", str(config)]) == 0
    monkeypatch.undo()
    capsys.readouterr()

    # The Maildir cannot be reached: its root is a file now.
    mail.rename(tmp_path / "mail.away")
    mail.write_text("not a maildir")
    assert main(["requests", "retry", "--config", str(config)]) == 1
    captured = capsys.readouterr()
    assert "retried 1: 1 processed" in captured.out
    assert "the mailbox could not be reached" in captured.err
    assert "1 message(s) stay in 'Failed'; their requests are already updated" in captured.err
    with Store.open(tmp_path / "state") as store:
        [row] = store.messages.all()
        assert row.status is MessageStatus.PROCESSED
    assert _audit_actions(tmp_path / "state") == []

    # Reachable again: the next retry has no message to read again, but the release owed.
    mail.unlink()
    (tmp_path / "mail.away").rename(mail)
    assert main(["requests", "retry", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "no failed messages to retry" in out and "1 message(s) released" in out
    assert files_in(mail, "Failed") == []
    assert files_in(mail, "Processed") == [bad]


def test_retry_waits_for_no_poll_it_says_one_is_running(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(tmp_path / "mail", _email("nef1.pdf"))
    assert main(["poll", "--once", "--config", str(config)]) == 0
    capsys.readouterr()
    with polls.poll_lock(tmp_path / "state"):
        assert main(["requests", "retry", "--config", str(config)]) == 1
    assert "another poll is running" in capsys.readouterr().err
