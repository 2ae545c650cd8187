"""A local Maildir as a `MailSource`: the embedded default, with no server at all.

A Maildir has no UIDs, so this source keeps them beside the mail, as Dovecot's
`dovecot-uidlist` does: a small text file `intake-uidlist` in the folder holding the
folder's UIDVALIDITY (its creation time), the next UID to give, and one
"uid message-key" line per message present. The key is the file's unique name without
its ":2,FLAGS" suffix, so it survives the new/ → cur/ move and flag changes.

The list is rewritten whole (temp file, fsync, rename) under an fcntl lock, so a reader
sees either the old or the new list, and a crash mid-write leaves at worst a stale temp
file that the next writer removes. An unreadable list is rebuilt with a new
UIDVALIDITY: every message is then "new again", which the pipeline already handles.

Folders follow Maildir++ (Dovecot's layout): INBOX is the root, folder "Processed" is
`ROOT/.Processed`, "Intake/Done" is `ROOT/.Intake.Done`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from intake.edges.durable import fsync_directory
from intake.edges.mail.source import MessageRef, RawMessage, SourceError

log = logging.getLogger(__name__)
T = TypeVar("T")

UIDLIST_NAME = "intake-uidlist"
LOCK_NAME = "intake-uidlist.lock"
_TEMP_PREFIX = "intake-uidlist.tmp-"
_HEADER = "intake-uidlist v1"
_MAX_UID = 2**32 - 1


# ------------------------------------------------------------------ the uid list


@dataclass
class UidList:
    """The parsed sidecar: UIDVALIDITY, next UID, and message key → UID."""

    uidvalidity: int
    next_uid: int = 1
    uids: dict[str, int] = field(default_factory=dict)

    def assign(self, key: str) -> int:
        uid = self.next_uid
        self.uids[key] = uid
        self.next_uid += 1
        return uid


def format_uidlist(state: UidList) -> str:
    lines = [f"{_HEADER} uidvalidity={state.uidvalidity} next={state.next_uid}"]
    lines += [f"{uid} {key}" for key, uid in sorted(state.uids.items(), key=lambda kv: kv[1])]
    return "\n".join(lines) + "\n"


class UidListCorrupt(ValueError):
    """The sidecar cannot be read; `uidvalidity` is its old value when that was legible."""

    def __init__(self, reason: str, uidvalidity: int | None = None) -> None:
        super().__init__(reason)
        self.uidvalidity = uidvalidity


def parse_uidlist(text: str) -> UidList:
    """Parse the sidecar's text; raise UidListCorrupt when it is not what we write."""
    # Split on "\n" only: file names may hold other characters splitlines() breaks on.
    lines = text.rstrip("\n").split("\n") if text else []
    if not lines or not lines[0].startswith(_HEADER + " "):
        raise UidListCorrupt("missing header line")
    fields = dict(part.split("=", 1) for part in lines[0][len(_HEADER) :].split() if "=" in part)
    try:
        uidvalidity = int(fields["uidvalidity"])
    except (KeyError, ValueError):
        raise UidListCorrupt("no uidvalidity in the header") from None
    try:
        next_uid = int(fields["next"])
    except (KeyError, ValueError):
        raise UidListCorrupt("no next uid in the header", uidvalidity) from None
    uids: dict[str, int] = {}
    for number, line in enumerate(lines[1:], start=2):
        uid_text, _, key = line.partition(" ")
        if not uid_text.isdigit() or not key or int(uid_text) >= next_uid:
            raise UidListCorrupt(f"bad line {number}: {line[:80]!r}", uidvalidity)
        uids[key] = int(uid_text)
    return UidList(uidvalidity, next_uid, uids)


def message_key(filename: str) -> str:
    """A Maildir file's unique part: its name without the ":2,FLAGS" info."""
    return filename.split(":", 1)[0]


# --------------------------------------------------------------------- delivery

_delivery_counter = itertools.count()


def unique_name() -> str:
    """A Maildir unique file name: time, microseconds, pid, a counter and the host."""
    now = time.time()
    host = socket.gethostname().replace("/", "\\057").replace(":", "\\072") or "localhost"
    return f"{int(now)}.M{int(now % 1 * 1e6)}P{os.getpid()}Q{next(_delivery_counter)}.{host}"


def ensure_maildir(path: Path) -> Path:
    """Create `path` with cur/, new/ and tmp/ when missing; return it."""
    for sub in ("cur", "new", "tmp"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    return path


def folder_path(root: Path, folder: str) -> Path:
    """Where a folder lives in a Maildir++ tree (INBOX is the root itself)."""
    if folder.upper() == "INBOX":
        return root
    if not folder or folder.startswith(".") or "\0" in folder or ".." in folder:
        raise ValueError(f"not a usable Maildir folder name: {folder!r}")
    return root / ("." + folder.replace("/", "."))


def deliver(root: Path | str, data: bytes, folder: str = "INBOX") -> Path:
    """Deliver one message as an MTA would: write in tmp/, fsync, rename into new/."""
    directory = ensure_maildir(folder_path(Path(root), folder))
    if directory != Path(root):
        (directory / "maildirfolder").touch()
    name = unique_name()
    temp, final = directory / "tmp" / name, directory / "new" / name
    with temp.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temp.rename(final)
    return final


def seed_maildir(path: Path | str, eml_paths: Iterable[Path | str]) -> list[Path]:
    """Deliver .eml files (or every *.eml in given folders) into the Maildir at `path`.

    Creates the Maildir when missing. Every input is checked before anything is
    delivered, so a typo in one name does not leave a half-seeded mailbox.
    Returns the delivered files, in the order given (a folder's files sorted by name).
    """
    sources: list[Path] = []
    for given in map(Path, eml_paths):
        if given.is_dir():
            sources += sorted(p for p in given.glob("*.eml") if p.is_file())
        elif given.is_file():
            sources.append(given)
        else:
            raise FileNotFoundError(f"no such .eml file or folder: {given}")
    ensure_maildir(Path(path))
    return [deliver(path, source.read_bytes()) for source in sources]


# ----------------------------------------------------------------------- source


class MaildirSource:
    """One folder of a local Maildir tree, with UIDs kept in its `intake-uidlist`.

    `mark_processed` / `mark_failed` move the file into the `processed_folder` /
    `failed_folder` sub-Maildir (`.Processed`, `.Failed` by default), into cur/ with its
    flags kept. Marking a UID that is no longer in the folder does nothing, as IMAP's
    UID MOVE does, so retrying after a crash is safe. `release_failed` moves a message
    from the failed folder on to the processed one once its retry succeeds.
    """

    def __init__(
        self,
        path: Path | str,
        folder: str = "INBOX",
        *,
        processed_folder: str = "Processed",
        failed_folder: str = "Failed",
    ) -> None:
        self.root = Path(path)
        self.folder = folder
        self.path = folder_path(self.root, folder)
        self.processed_folder = processed_folder
        self.failed_folder = failed_folder
        # The last UIDVALIDITY this instance saw: a rebuilt list must move past it.
        self._known_uidvalidity: int | None = None
        # UID -> file as the last read of the list found them: a move renames the file
        # fetched as that UID without reading the whole folder again (`_move`).
        self._paths: dict[int, str] = {}
        for name in (processed_folder, failed_folder):
            if folder_path(self.root, name) == self.path:
                raise ValueError("the processed/failed folder must differ from the polled folder")

    def __enter__(self) -> Self:
        self._guard("create the maildir", lambda: ensure_maildir(self.path))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    # --------------------------------------------------------------- MailSource

    def uidvalidity(self) -> int:
        return self._sync()[0].uidvalidity

    def uids_above(self, last_seen: int) -> list[int]:
        state, _ = self._sync()
        return sorted(uid for uid in state.uids.values() if uid > last_seen)

    def fetch(self, uids: Sequence[int]) -> Iterator[RawMessage]:
        """Each message's bytes, ascending by UID; one that vanished meanwhile is skipped."""
        state, files = self._sync()
        by_uid = {uid: Path(files[key]) for key, uid in state.uids.items()}
        for uid in sorted(set(uids)):
            path = by_uid.get(uid)
            if path is None:
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise SourceError(f"Maildir {self.path}: cannot read UID {uid}: {exc}") from exc
            yield RawMessage(MessageRef(self.folder, state.uidvalidity, uid), data)

    def mark_processed(self, uid: int) -> None:
        self._move(uid, self.processed_folder)

    def mark_failed(self, uid: int) -> None:
        self._move(uid, self.failed_folder)

    def release_failed(self, sha256: str, message_id: str | None) -> bool:
        """See `MailSource.release_failed`: the file in the failed folder whose bytes
        hash to `sha256` moves to the processed folder. The bytes alone identify it (a
        Maildir has no index to search by Message-ID, and a file is read to hash it
        anyway); `message_id` is accepted for the interface's sake."""
        failed = folder_path(self.root, self.failed_folder)
        for path in self._guard(f"list {self.failed_folder!r}", lambda: _message_files(failed)):
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # moved meanwhile by another hand
                continue
            except OSError as exc:
                raise SourceError(f"Maildir {failed}: cannot read {path.name}: {exc}") from exc
            if hashlib.sha256(data).hexdigest() == sha256:
                return self._move_file(path, self.processed_folder, f"release {path.name}")
        return False

    # ------------------------------------------------------------------ private

    def _move(self, uid: int, folder: str) -> None:
        # The file where the last read of the folder saw it: moved at once. The list
        # drops its key at the next read (a gone file's key is forgotten there), so a
        # backlog costs one rename per message instead of a folder scan and a rewrite
        # of the list. Gone meanwhile (another hand moved it on): looked up afresh.
        known = self._paths.pop(uid, None)
        if known is not None and self._move_file(Path(known), folder, f"move UID {uid}"):
            return
        state, files = self._sync()
        key = next((k for k, u in state.uids.items() if u == uid), None)
        if key is None:
            log.info("Maildir %s: UID %d is no longer here; nothing to move", self.path, uid)
            return
        self._move_file(Path(files[key]), folder, f"move UID {uid}")

    def _move_file(self, source: Path, folder: str, what: str) -> bool:
        """Move one message file into `folder`'s cur/, its flags kept; False when it
        was already gone (another poller moved it first: the same outcome)."""
        info = source.name.partition(":")[2] or "2,"
        target_dir = folder_path(self.root, folder)

        def move() -> None:
            ensure_maildir(target_dir)
            (target_dir / "maildirfolder").touch()
            source.rename(target_dir / "cur" / f"{message_key(source.name)}:{info}")

        try:
            self._guard(f"{what} to {folder!r}", move)
        except SourceError:
            if not source.exists():
                return False
            raise
        return True

    def _sync(self) -> tuple[UidList, dict[str, str]]:
        """Under the lock: read the list, give UIDs to new files, forget gone ones."""
        return self._guard("update the uid list", self._sync_locked)

    def _sync_locked(self) -> tuple[UidList, dict[str, str]]:
        ensure_maildir(self.path)
        with self._lock():
            self._remove_stale_temps()
            state = self._read()
            files = self._scan()
            changed = False
            for key in [k for k in state.uids if k not in files]:
                del state.uids[key]
                changed = True
            fresh = [k for k in files if k not in state.uids]
            for key in sorted(fresh, key=lambda k: (_mtime(files[k]), k)):
                if state.next_uid > _MAX_UID:
                    raise OSError("UIDs exhausted; remove intake-uidlist to renumber")
                state.assign(key)
                changed = True
            if changed or not (self.path / UIDLIST_NAME).exists():
                self._write(state)
            self._known_uidvalidity = state.uidvalidity
            self._paths = {uid: files[key] for key, uid in state.uids.items()}
            return state, files

    def _scan(self) -> dict[str, str]:
        """Message key → file path (a str: Path objects made this 5x slower at 10,000)."""
        files: dict[str, str] = {}
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as entries:
                for entry in entries:
                    if not entry.name.startswith(".") and entry.is_file():
                        files.setdefault(message_key(entry.name), entry.path)
        return files

    def _read(self) -> UidList:
        listing = self.path / UIDLIST_NAME
        try:
            return parse_uidlist(listing.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return UidList(uidvalidity=_new_uidvalidity(self._known_uidvalidity))
        except (UidListCorrupt, UnicodeDecodeError) as exc:
            legible = exc.uidvalidity if isinstance(exc, UidListCorrupt) else None
            old = max(filter(None, (legible, self._known_uidvalidity)), default=None)
            state = UidList(uidvalidity=_new_uidvalidity(old))
            log.warning(
                "Maildir %s: %s is unreadable (%s); rebuilt with new UIDVALIDITY %d",
                self.path,
                UIDLIST_NAME,
                exc,
                state.uidvalidity,
            )
            return state

    def _write(self, state: UidList) -> None:
        temp = self.path / f"{_TEMP_PREFIX}{os.getpid()}"
        with temp.open("w", encoding="utf-8") as handle:
            handle.write(format_uidlist(state))
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(self.path / UIDLIST_NAME)
        fsync_directory(self.path)

    def _remove_stale_temps(self) -> None:
        # Writers hold the lock, so any temp file seen under it is a crashed write.
        for temp in self.path.glob(_TEMP_PREFIX + "*"):
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        fd = os.open(self.path / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _guard(self, what: str, action: Callable[[], T]) -> T:
        try:
            return action()
        except OSError as exc:
            raise SourceError(f"Maildir {self.path}: cannot {what}: {exc}") from exc


def _new_uidvalidity(previous: int | None) -> int:
    """The creation time, and always above a previous value so a rebuild is noticed."""
    now = int(time.time())
    return max(now, previous + 1) if previous is not None else now


def _message_files(directory: Path) -> list[Path]:
    """The message files of a Maildir folder (new/ and cur/); none when it does not exist."""
    found: list[Path] = []
    for sub in ("new", "cur"):
        with contextlib.suppress(FileNotFoundError):
            found += sorted(
                p for p in (directory / sub).iterdir() if p.is_file() and not p.name.startswith(".")
            )
    return found


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except FileNotFoundError:
        return 0
