"""Files written whole: after a crash the old file or the new one is there, never half.

Each write goes to a temporary file beside the target, is flushed to the disk, and is
renamed over the target; the folder is then synced so that the rename itself survives
a power cut. The state's files (a failed message's bytes, the PDFs of a request, the
rotated OAuth token) are written this way; the clerks' pages, which the next poll
re-renders anyway, skip the syncs.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_directory(path: Path) -> None:
    """Make the renames and creations in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: Path, data: bytes, *, mode: int = 0o644, durable: bool = True) -> None:
    """Put `data` at `path` in one step, creating its folder; `mode` for a new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
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
    if path.exists():
        return False
    write_atomically(path, data)
    return True
