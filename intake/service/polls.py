"""A poll as an event: one at a time per state folder, and noted once it is over."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from intake.edges.state_layout import StateLayout
from intake.edges.store import Store, StoreError
from intake.errors import IntakeError

log = logging.getLogger(__name__)


# -------------------------------------------------------------------- lock


class PollBusy(IntakeError):
    """Another poll holds the state folder's lock."""


# How often a caller that waits for the lock tries it again.
_RETRY_SECONDS = 0.05


@contextlib.contextmanager
def poll_lock(
    state_dir: Path, *, wait: float = 0.0, waiting: Callable[[], None] | None = None
) -> Iterator[None]:
    """One poll at a time per state folder; a second one fails fast instead of waiting.

    What must not interleave with a poll (a clerk's decision: its assessment and pages)
    takes the same lock and may `wait` that many seconds for the poll to end (`waiting`
    is called once, when it starts to wait) before PollBusy."""
    state_dir.mkdir(parents=True, exist_ok=True)
    path = StateLayout(state_dir).poll_lock
    with open(path, "a+") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if time.monotonic() >= deadline:
                    raise PollBusy(f"{path}: another poll is running") from exc
            if waiting is not None:
                waiting()
                waiting = None
            time.sleep(_RETRY_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


# ------------------------------------------------------------------ record


def record_poll(
    state_dir: Path, started: dt.datetime, *, ok: bool, result: str, error: str | None
) -> None:
    """Note one poll (the daemon's or `intake poll --once`'s) in the `polls` table that
    `intake status` reads, in a transaction of its own once the poll is over. A state
    that cannot take the note is logged, not raised: the poll's own work is kept."""
    try:
        with Store.open(state_dir) as store, store.transaction():
            store.polls.record(started, ok=ok, result=result, error=error)
    except (StoreError, sqlite3.Error) as exc:
        log.error("cannot record the poll in the state database: %s", exc)
