"""Bounded runs in forks of a short, single-threaded command (`intake check` of a few files).

A child of `intake.edges.sandbox` is a fresh interpreter: ~0.3 s of CPU to start
and load its task, repaid over the hundreds of PDFs of a poll, but most of the time of
an `intake check` of one file. A fork of the command costs ~3 ms and has everything the
command already imported. The bounds are the same (`bounds.enter_bounds`: RLIMIT_CPU
and RLIMIT_AS counted from the child's start, the parent's wall-clock backstop), and so
is what isolation is for: a file that crashes PDFium, loops or eats memory ends its own
child, and its caller gets the reason (`bounds.Stopped`).

Only while the process has one thread (`usable`): a fork copies the calling thread
alone, so a lock another thread held at that moment (the import lock while it imported
a module: seen when a reader pool was forked while the command loaded pydantic) stays
held forever in the child. `usable()` checks at every fork that the command allowed
forks and that no other thread runs; callers fall back to the sandbox's
interpreters otherwise (the poll and the daemon never allow forks: they run threads).
A command says so with `with allowed(): ...`.

What a fork has that a fresh interpreter has not: the command's memory (for
`intake check`, the files it was given and the rules: nothing a stranger's file may not
see). Its descriptors are closed but stdio and its pipe; its stdout is /dev/null.
"""

from __future__ import annotations

import atexit
import gc
import os
import pickle
import selectors
import signal
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from intake.edges.bounds import (
    Bounds,
    Outcome,
    Stopped,
    answer_of,
    become_child,
    enter_bounds,
    outcome_of,
    stop_of,
)

_allowed = False
_running: set[Running] = set()
# Runs started ahead of the call that wants their outcome (`start_ahead`, `take`).
_ahead: dict[Hashable, Running] = {}


@contextmanager
def allowed() -> Iterator[None]:
    """Within: this process runs no threads of its own, and bounded tasks may run in
    forks of it. Children still running at the end (reads started and never claimed)
    are killed."""
    global _allowed
    before, _allowed = _allowed, True
    try:
        yield
    finally:
        _allowed = before
        _ahead.clear()
        _kill_all()


def usable() -> bool:
    """Whether a bounded task may run in a fork of this process now."""
    return _allowed and threading.active_count() == 1


@dataclass(frozen=True)
class Job:
    """A task not started yet: `task(payload)` under `bounds`."""

    task: Callable[[Any], Any]
    payload: Any
    bounds: Bounds


class Running:
    """One forked child running a task; `outcome` is set once it has ended."""

    def __init__(self, job: Job) -> None:
        if not usable():
            raise RuntimeError("a fork is not safe here: forks not allowed, or threads run")
        self.bounds = job.bounds
        self.outcome: Outcome | None = None
        self.deadline = time.monotonic() + job.bounds.timeout_seconds
        self._answer = bytearray()
        ours, theirs = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            code = 0
            try:
                os.close(ours)
                _child(job, theirs)
            except BaseException:
                code = 70  # no answer sent: the parent reports a crash with this code
            finally:
                os._exit(code)
        os.close(theirs)
        self.pid, self._fd = pid, ours
        _running.add(self)

    def fileno(self) -> int:
        return self._fd

    def read_some(self) -> None:
        """Take what the child wrote; at the end of its answer, reap it."""
        chunk = os.read(self._fd, 1 << 16)
        if chunk:
            self._answer += chunk
        else:
            self.end(killed=False)

    def end(self, killed: bool) -> None:
        """Reap the child (killed first: the wall-clock backstop) and set `outcome`."""
        if killed:
            os.kill(self.pid, signal.SIGKILL)
        os.close(self._fd)
        _, status = os.waitpid(self.pid, 0)
        _running.discard(self)
        code = os.waitstatus_to_exitcode(status)
        if killed:
            self.outcome = Stopped("timeout")
        elif code == 0 and self._answer:
            self.outcome = _read_answer(bytes(self._answer))
        else:
            self.outcome = stop_of(code)


def _read_answer(data: bytes) -> Outcome:
    try:
        return outcome_of(pickle.loads(data))
    except Exception:  # a message cut short
        return Stopped("crash", "an unreadable answer")


def start_ahead(key: Hashable, job: Job, at_most: int) -> None:
    """Start `job` now for a later `take(key)`, unless `key` is started already or
    `at_most` runs started ahead are still running."""
    running = sum(run.outcome is None for run in _ahead.values())
    if key not in _ahead and running < at_most:
        _ahead[key] = Running(job)


def take(key: Hashable) -> Running | None:
    """The run started ahead under `key` (running or ended), if any."""
    return _ahead.pop(key, None)


def finish(runs: Sequence[Running | Job], parallel: int) -> list[Outcome]:
    """The outcome of each, in order. `Job`s are started as others end, at most
    `parallel` of them running at once (so at most that many bounds' worth of memory)."""
    slots: list[Running | Job] = list(runs)
    live: list[Running] = []
    try:
        with selectors.DefaultSelector() as selector:
            for index, item in enumerate(slots):
                if isinstance(item, Job):
                    while len(live) >= parallel:
                        _wait(selector, live)
                    slots[index] = item = Running(item)
                if item.outcome is None:
                    live.append(item)
                    selector.register(item, selectors.EVENT_READ)
            while live:
                _wait(selector, live)
    except BaseException:
        for item in live:  # interrupted (Ctrl-C): none of ours is left running
            if item.outcome is None:
                item.end(killed=True)
        raise
    return [item.outcome for item in slots if isinstance(item, Running) and item.outcome]


def _wait(selector: selectors.BaseSelector, live: list[Running]) -> None:
    """Until some of `live` has something to read or is past its deadline; the runs
    that ended leave `live`."""
    soonest = min(item.deadline for item in live)
    for key, _ in selector.select(max(soonest - time.monotonic(), 0.0)):
        ready = key.fileobj
        assert isinstance(ready, Running)
        ready.read_some()
    now = time.monotonic()
    for item in list(live):
        if item.outcome is None and now >= item.deadline:
            item.end(killed=True)
        if item.outcome is not None:
            selector.unregister(item)
            live.remove(item)


def run(task: Callable[[Any], Any], payload: Any, bounds: Bounds) -> Outcome:
    """`task(payload)` in a fork under `bounds`, waited for."""
    return finish([Job(task, payload, bounds)], parallel=1)[0]


def _kill_all() -> None:
    for run in list(_running):
        if run.outcome is None:
            run.end(killed=True)


atexit.register(_kill_all)


def _child(job: Job, pipe: int) -> None:
    """In the child: shed what the command holds, enter the bounds, run, answer."""
    # Objects the command made are never collected here (their finalizers would act
    # on the command's behalf, on descriptors closed below).
    gc.freeze()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # the command's output is not the child's
    if devnull != 1:
        os.close(devnull)
    os.closerange(3, pipe)
    os.closerange(pipe + 1, os.sysconf("SC_OPEN_MAX"))
    become_child()
    enter_bounds(job.bounds)
    answer = answer_of(job.task, job.payload)
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    except Exception as error:  # an answer that cannot travel: the task's bug
        data = pickle.dumps(("error", f"its answer cannot be sent: {error}"))
    view = memoryview(data)
    while view:
        view = view[os.write(pipe, view) :]
