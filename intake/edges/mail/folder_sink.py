"""The embedded mail sink: each message becomes an .eml file in a folder.

Used when no SMTP server is configured (and in demos): an operator, or another mail
program watching the folder, takes the files from there. As in a Maildir, a file is
written in a `tmp/` folder beside the outbox (never inside it, where a program taking
`*.eml` files could send a copy a killed writer left half done) and linked into place
in one step, so a reader never sees half a message; its name comes from the message's
fixed Message-ID, so writing the same message again finds it there and does nothing: a
message is never delivered twice. Each sink removes the strays of killed writers from
`tmp/` when it is made (every send round, so every poll and the daemon's start).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from pathlib import Path

from intake.edges.durable import fsync_directory, remove_stray_temporaries, temporary_path
from intake.errors import IntakeError

TMP_DIR = "tmp"

_UNSAFE = re.compile(r"[^A-Za-z0-9._@+-]+")


class OutboxFolderError(IntakeError):
    """The message cannot be written into the folder (no Message-ID, disk full, no access)."""


def eml_name(message_id: str) -> str:
    """A file name that is safe on every file system and unique per Message-ID."""
    bare = message_id.strip().strip("<>")
    readable = _UNSAFE.sub("_", bare).strip("._")[:80] or "message"
    digest = hashlib.sha256(message_id.strip().encode("utf-8", "replace")).hexdigest()[:16]
    return f"{readable}-{digest}.eml"


def temporary_folder(folder: Path) -> Path:
    """`tmp/` beside the outbox folder: on the same file system (a link needs that), and
    outside the folder a reader takes files from."""
    return folder.parent / TMP_DIR


def write_eml(folder: Path, message: EmailMessage) -> tuple[Path, bool]:
    """Write `message` into `folder`; (its path, False) when it was already there."""
    message_id = message.get("Message-ID")
    if not message_id or not str(message_id).strip():
        raise OutboxFolderError("a message needs a Message-ID to be written to the outbox folder")
    return _write_named(folder, str(message_id), message.as_bytes)


# A Message-ID header on one line, as compose_reply and the summaries write it.
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")
_PLAIN_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*(<[!-;=?-~]+>)[ \t]*\r?$", re.I | re.M)


def raw_message_id(raw: bytes) -> str | None:
    """The Message-ID of a flattened message, read from its header block when it is the
    one plain `<...>` line there (the bytes the outbox holds); else None."""
    head = _BLANK_LINE.split(raw, maxsplit=1)[0]
    found = _PLAIN_MESSAGE_ID.findall(head)
    return found[0].decode("ascii") if len(found) == 1 else None


def write_eml_bytes(folder: Path, message_id: str, raw: bytes) -> tuple[Path, bool]:
    """`write_eml` of a message already flattened (`raw`, whose Message-ID is `message_id`):
    the same file, without parsing and writing the message out again."""
    return _write_named(folder, message_id, lambda: raw)


def _write_named(folder: Path, message_id: str, data_of: Callable[[], bytes]) -> tuple[Path, bool]:
    target = folder / eml_name(message_id)
    if target.exists():
        return target, False
    scratch = temporary_folder(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        scratch.mkdir(exist_ok=True)
        data = data_of()
        temp = temporary_path(scratch, target.name)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
            try:
                # link() fails when the name exists, unlike rename(): of two writers of
                # the same message, exactly one puts it in place.
                os.link(temp, target)
            except FileExistsError:
                return target, False
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        fsync_directory(folder)
    except OSError as exc:
        raise OutboxFolderError(f"cannot write {target}: {exc.strerror or exc}") from exc
    return target, True


class OutboxFolder:
    """A mail sink with the same `send(message)` shape as the SMTP sink."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.strays_removed = remove_stray_temporaries(temporary_folder(folder))
        # Older releases wrote their temporary files into the folder itself.
        self.strays_removed += [path for path in _legacy_strays(folder) if _unlink(path)]

    def send(
        self,
        message: EmailMessage,
        recipients: Sequence[str],
        accepted: Callable[[], None] | None = None,
    ) -> None:
        # The file is the message as it would go out; whoever takes it from the folder
        # reads its recipient from the To header, which compose_reply writes as the one
        # sender address (`recipients` is that same address).
        del recipients
        write_eml(self.folder, message)
        if accepted is not None:
            accepted()

    def send_raw(
        self,
        raw: bytes,
        recipients: Sequence[str],
        accepted: Callable[[], None] | None = None,
    ) -> bool:
        """`send` of a message already flattened, as the outbox holds it: the file is the
        bytes themselves (what `send` would write, byte for byte), not parsed and written
        out again (~1.7 ms of CPU a reply). False, nothing written, when its Message-ID
        is not one plain line: the caller then parses it and calls `send`."""
        del recipients
        message_id = raw_message_id(raw)
        if message_id is None:
            return False
        write_eml_bytes(self.folder, message_id, raw)
        if accepted is not None:
            accepted()
        return True


def _legacy_strays(folder: Path) -> list[Path]:
    try:
        return sorted(folder.glob(".tmp-*.eml"))
    except OSError:
        return []


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
