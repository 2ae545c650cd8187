"""The folder outbox: one .eml per Message-ID, written whole, never twice."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.edges.mail.folder_sink import (
    OutboxFolder,
    OutboxFolderError,
    eml_name,
    raw_message_id,
    write_eml,
)


def message(
    message_id: str | None = "<reply-7@intake.example.gov>", body: str = "Hello"
) -> EmailMessage:
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = "court@example.gov"
    msg["To"] = "jane@example-law.com"
    msg["Subject"] = "Re: Waiver"
    if message_id:
        msg["Message-ID"] = message_id
    msg.set_content(body)
    return msg


def test_writes_the_message_whole_under_its_message_id(tmp_path: Path) -> None:
    path, written = write_eml(tmp_path / "outbox", message())
    assert written
    assert path.parent == tmp_path / "outbox"
    assert path.name.startswith("reply-7@intake.example.gov-") and path.suffix == ".eml"
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Message-ID"] == "<reply-7@intake.example.gov>"
    assert parsed.get_content().strip() == "Hello"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_a_second_write_of_the_same_message_is_a_no_op(tmp_path: Path) -> None:
    first, written = write_eml(tmp_path, message(body="first"))
    before = first.stat().st_mtime_ns
    second, again = write_eml(tmp_path, message(body="second attempt"))
    assert second == first and written and not again
    assert first.stat().st_mtime_ns == before
    assert b"first" in first.read_bytes() and b"second" not in first.read_bytes()
    OutboxFolder(tmp_path).send(message(body="third"), ["jane@example.test"])
    assert len(list(tmp_path.iterdir())) == 1


def test_distinct_ids_that_look_alike_get_distinct_files() -> None:
    assert eml_name("<a/b@x>") != eml_name("<a_b@x>")
    name = eml_name("<../../etc/passwd\x00@x>")
    assert "/" not in name and "\x00" not in name and not name.startswith(".")


def test_a_message_without_message_id_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutboxFolderError, match="Message-ID"):
        write_eml(tmp_path, message(message_id=None))


def test_a_folder_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "outbox"
    blocker.write_text("not a folder")
    with pytest.raises(OutboxFolderError, match="cannot write"):
        write_eml(blocker, message())


def test_temporary_files_are_written_beside_the_outbox_and_strays_removed(
    tmp_path: Path,
) -> None:
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    folder = tmp_path / "outbox"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    stray = scratch / f".left-1.eml.{child.pid}.tmp"
    stray.write_bytes(b"half a message")
    legacy = tmp_path / "outbox" / ".tmp-abc.eml"  # where older releases wrote them
    folder.mkdir()
    legacy.write_bytes(b"half")

    sink = OutboxFolder(folder)
    assert sorted(sink.strays_removed) == sorted([stray, legacy])
    sink.send(message("<r1@court.test>"), ["jane@example-law.com"])
    assert [p.name for p in folder.iterdir()] == [eml_name("<r1@court.test>")]
    assert list(scratch.iterdir()) == []


def test_a_flattened_message_is_written_byte_for_byte_as_send_writes_it(tmp_path: Path) -> None:
    # The outbox holds each reply flattened: the folder sink writes those bytes as they
    # are (send_raw), the same file as parsing them and writing the message out again.
    from intake.core.replies.headers import OUTGOING_POLICY
    from intake.service.send import parse_raw

    composed = message("<r2@court.test>", body="Your request is complete.\n" * 40)
    raw = composed.as_bytes(policy=OUTGOING_POLICY)
    parsed, kept = OutboxFolder(tmp_path / "a" / "out"), OutboxFolder(tmp_path / "b" / "out")
    parsed.send(parse_raw(raw), ["jane@example-law.com"])
    accepted: list[bool] = []
    assert kept.send_raw(raw, ["jane@example-law.com"], lambda: accepted.append(True))
    assert accepted == [True]
    (old,) = (tmp_path / "a" / "out").iterdir()
    (new,) = (tmp_path / "b" / "out").iterdir()
    assert new.name == old.name == eml_name("<r2@court.test>")
    assert new.read_bytes() == old.read_bytes() == raw
    assert kept.send_raw(raw, ["jane@example-law.com"])  # there already: nothing written
    assert len(list((tmp_path / "b" / "out").iterdir())) == 1


def test_a_message_id_that_is_not_one_plain_line_is_left_to_the_parser() -> None:
    head = b"From: court@example.gov\r\nSubject: Re: Waiver\r\n"
    assert raw_message_id(head + b"Message-ID: <a@b.test>\r\n\r\nbody") == "<a@b.test>"
    assert raw_message_id(head + b"message-id:   <a@b.test> \r\n\r\nbody") == "<a@b.test>"
    folded = head + b"Message-ID:\r\n <a@b.test>\r\n\r\nbody"
    twice = head + b"Message-ID: <a@b.test>\r\nMessage-ID: <c@d.test>\r\n\r\nbody"
    in_body = head + b"\r\nMessage-ID: <a@b.test>\r\n"
    for raw in (folded, twice, in_body, head + b"Message-ID: a@b.test\r\n\r\nbody"):
        assert raw_message_id(raw) is None, raw
