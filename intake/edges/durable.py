"""Files written whole: after a crash the old file or the new one is there, never half.

Each write goes to a temporary file beside the target, is flushed to the disk, and is
renamed over the target; the folder is then synced so that the rename itself survives
a power cut. The state's files (a failed message's bytes, the PDFs of a request, the
rotated OAuth token) are written this way; the clerks' pages, which the next poll
re-renders anyway, skip the syncs.

`write_all_once` writes several files with ONE sync for all of them (Linux `syncfs`),
so that the seven PDFs of an email cost one disk flush, not fourteen: on a slow disk
each flush is milliseconds, and they were most of a poll's time per email.
`write_all_once_behind` runs that flush on a thread while the caller does its CPU work
(the poll assesses the request and composes the reply meanwhile) and waits for it only
before the commit that refers to the files.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: `concurrent.futures` loads `logging`, which a
    # command that never syncs behind (`intake check`) does not need
    from concurrent.futures import Future, ThreadPoolExecutor

# `.NAME.PID.tmp`: every temporary file this module (and the folder outbox) writes. The
# pid tells a live writer's file from one a killed process left behind.
_TEMPORARY = re.compile(r"^\..+\.(?P<pid>\d+)\.tmp$")
# A temporary file older than this is stray even if its pid is alive again (reused):
# writing one takes milliseconds.
STRAY_AFTER_SECONDS = 3600.0


def fsync_directory(path: Path) -> None:
    """Make the renames and creations in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temporary_path(folder: Path, name: str) -> Path:
    """Where this process writes `name` before putting it in place: in `folder`."""
    return folder / f".{name}.{os.getpid()}.tmp"


def remove_stray_temporaries(folder: Path, *, now: float | None = None) -> list[Path]:
    """Delete the temporary files a killed writer left in `folder`; the ones removed.

    A file is stray when the process that named it is gone, or it is older than
    STRAY_AFTER_SECONDS; files of live writers (another intake process) stay.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    moment = time.time() if now is None else now
    for entry in entries:
        match = _TEMPORARY.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match["pid"])
        try:
            age = moment - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue  # its writer just put it in place
        if pid == os.getpid() or (process_alive(pid) and age < STRAY_AFTER_SECONDS):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    return removed


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs on this machine (signal 0 reaches it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def write_atomically(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> None:
    """Put `data` at `path` in one step, creating its folder; `mode` for a new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path.parent, path.name)
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    if durable:
        fsync_directory(path.parent)


def write_once(path: Path, data: bytes) -> bool:
    """Write `data` at `path` durably unless a file is there; False when one was.

    For content-addressed files (named by their hash): one there already holds the same
    bytes.
    """
    if holds(path, data):
        return False
    write_atomically(path, data)
    return True


def holds(path: Path, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data`.

    A content-addressed file is not trusted for being there: a crash between
    `write_all_once`'s unsynced rename and its one sync can leave the name pointing at
    an empty or short file (ext4's delayed allocation), and a later write of the same
    document must mend it rather than skip it. Reading back costs only when the file is
    there already, which for a request's PDFs means a document sent again.
    """
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def write_all_once(files: Iterable[tuple[Path, bytes]]) -> int:
    """`write_once` for several files, made durable together; how many were written.

    Each file is written to a temporary beside it and renamed into place unsynced;
    then one `syncfs` of their file system makes the data and the renames durable
    (where the call is missing, each file and folder is synced as `write_once` does).
    A crash before the sync leaves, at worst, files that are not there yet or are empty
    or short: the caller commits nothing that refers to them until this returns, and
    the next write of the same file rewrites one that does not hold its bytes (`holds`).
    """
    written = write_all_unsynced(files)
    sync_written(written)
    return len(written)


def write_all_once_behind(files: Iterable[tuple[Path, bytes]]) -> Future[int]:
    """`write_all_once` whose sync runs on a thread of its own while the caller goes on:
    the files are written (unsynced) before this returns; the future's result, how many
    were written, once they are durable (or the sync's OSError). A caller that commits
    something referring to them waits for it first, as after `write_all_once`."""
    from concurrent.futures import Future

    written = write_all_unsynced(files)
    if not written:
        done: Future[int] = Future()
        done.set_result(0)
        return done
    return _syncer().submit(_synced_count, written)


def write_all_unsynced(files: Iterable[tuple[Path, bytes]]) -> list[Path]:
    """The files that did not hold their bytes, written in place unsynced (temporary and
    rename); `sync_written` makes them durable."""
    written: list[Path] = []
    for path, data in files:
        if path in written or holds(path, data):
            continue
        write_atomically(path, data, durable=False)
        written.append(path)
    return written


def sync_written(written: Sequence[Path]) -> None:
    """One `syncfs` for files written by `write_all_unsynced` (or each file and folder
    synced where the call is missing)."""
    if written and not _sync_file_system(written[0].parent):
        for path in written:
            _fsync_file(path)
        for folder in {path.parent for path in written}:
            fsync_directory(folder)


def _synced_count(written: Sequence[Path]) -> int:
    sync_written(written)
    return len(written)


_syncers: list[ThreadPoolExecutor] = []
_syncers_lock = threading.Lock()


def _syncer() -> ThreadPoolExecutor:
    """The thread that runs `write_all_once_behind`'s syncs, one after another."""
    from concurrent.futures import ThreadPoolExecutor

    with _syncers_lock:
        if not _syncers:
            _syncers.append(ThreadPoolExecutor(1, thread_name_prefix="durable-sync"))
        return _syncers[0]


def _forget_syncer() -> None:
    # A forked child has none of the parent's threads: it starts its own syncer.
    global _syncers_lock
    _syncers.clear()
    _syncers_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_syncer)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_file_system(folder: Path) -> bool:
    """Flush every file of `folder`'s file system to the disk; False when unsupported."""
    import ctypes

    try:
        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return int(syncfs(fd)) == 0
    finally:
        os.close(fd)
