"""A long-lived child process that runs one task at a time under bounds on its cost.

The parent sends a payload; the child runs its task on it under a CPU-time limit
(RLIMIT_CPU, counted from what the child had used before this payload), an
address-space cap (RLIMIT_AS, counted from what it had mapped before it) and, in the
parent, a wall-clock backstop; the outcome comes back over a pipe. A child that
crashes, overruns a bound or runs out of memory is reaped and replaced by the next
`run` (`Sandboxed` never reuses a child whose state may be damaged). Bounds and their
reasons are kernel facts: SIGXCPU at the CPU limit (its default action ends the
process, whatever C code it was running), an allocation that fails at the cap.

Nothing here knows about PDFs: the task is any picklable-in, picklable-out function
of the child's program (the parent's, as forked), so a MIME parser can use it too.

Plain fork, not spawn: the child starts with the parent's modules imported and warm
(spawn pays the interpreter and the imports, 0.15-1 s, for every child); a child
lives for many payloads, so the fork's ~10-20 ms is paid rarely. Fork's known risk,
a lock held by another thread at the moment of the fork, is bounded: CPython
re-initialises its own locks (imports, logging) in the child, the child runs only
the task and the pipe, and a child that hangs anyway is killed at the backstop.
The child closes every file descriptor but its pipe and stderr, so a task cannot
touch the parent's database, sockets or mailbox.
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, Pipe
from typing import Any, Literal

Stop = Literal["cpu", "memory", "timeout", "crash"]


@dataclass(frozen=True)
class Bounds:
    cpu_seconds: float
    max_memory_bytes: int
    timeout_seconds: float


@dataclass(frozen=True)
class Done:
    """The task returned (`value`) or raised an ordinary exception (`error`)."""

    value: Any = None
    error: str | None = None


@dataclass(frozen=True)
class Stopped:
    """The child was stopped by a bound or died; `detail` names the signal or code."""

    why: Stop
    detail: str = ""


Outcome = Done | Stopped


class Sandboxed:
    """One long-lived child running `task`; replaced after a stop or `max_tasks` runs.

    Not thread-safe: one caller at a time (the pool gives each child its own thread).
    """

    def __init__(self, task: Callable[[Any], Any], max_tasks: int = 50) -> None:
        self._task = task
        self._max_tasks = max_tasks
        self._pid: int | None = None
        self._conn: Connection | None = None
        self._served = 0

    @property
    def pid(self) -> int | None:
        return self._pid

    def run(self, payload: Any, bounds: Bounds) -> Outcome:
        """Run the task on `payload` in the child, within `bounds`. Never raises for
        what the task does; OSError only if no child can be started at all."""
        conn = self._ensure_child()
        started = time.monotonic()
        try:
            conn.send((payload, bounds))
        except (OSError, ValueError):  # the child died between two tasks
            return self._reap_stopped(bounds)
        remaining = bounds.timeout_seconds - (time.monotonic() - started)
        if not conn.poll(max(remaining, 0.0)):
            self.close(kill=True)
            return Stopped("timeout")
        try:
            kind, value = conn.recv()
        except (EOFError, OSError):  # the child died: a bound, or a crash
            return self._reap_stopped(bounds)
        except Exception:  # a message cut short
            self.close(kill=True)
            return Stopped("crash", "an unreadable answer")
        self._served += 1
        if kind == "memory":
            self.close(kill=True)  # its heap may be left in pieces: start afresh
            return Stopped("memory")
        if self._served >= self._max_tasks:
            self.close()
        if kind == "error":
            return Done(error=str(value))
        return Done(value=value)

    def close(self, kill: bool = False) -> None:
        """End the child (ask it to leave, or kill it) and reap it."""
        if self._pid is None:
            return
        pid, conn = self._pid, self._conn
        self._pid, self._conn, self._served = None, None, 0
        if conn is not None:
            if not kill:
                try:
                    conn.send(None)
                except (OSError, ValueError):
                    kill = True
            conn.close()
        if kill:
            _kill(pid)
        _reap(pid, timeout=2.0)

    def _ensure_child(self) -> Connection:
        if self._pid is not None and self._conn is not None:
            return self._conn
        parent_end, child_end = Pipe(duplex=True)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 1
            try:
                parent_end.close()
                _serve(child_end, self._task)
                code = 0
            finally:
                os._exit(code)
        child_end.close()
        self._pid, self._conn, self._served = pid, parent_end, 0
        return parent_end

    def _reap_stopped(self, bounds: Bounds) -> Stopped:
        pid = self._pid
        if self._conn is not None:
            self._conn.close()
        self._pid, self._conn, self._served = None, None, 0
        status = _reap(pid, timeout=5.0) if pid is not None else None
        return stop_of(status)


def stop_of(status: int | None) -> Stopped:
    """Why a child ended, from its wait status."""
    if status is None:
        return Stopped("crash", "no exit status")
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGXCPU:
            return Stopped("cpu")
        if number == signal.SIGABRT:
            # PDFium's allocator aborts when an allocation fails (FX_OutOfMemoryTerminate),
            # which under the address-space cap means the read reached it; its own
            # internal checks trap (SIGTRAP/SIGILL) instead.
            return Stopped("memory", "SIGABRT")
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return Stopped("crash", name)
    return Stopped("crash", f"exit code {os.WEXITSTATUS(status)}")


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _reap(pid: int, timeout: float) -> int | None:
    """Wait for the child `pid` to end (killing it past `timeout`); its wait status."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None
        if done:
            return status
        if time.monotonic() >= deadline:
            _kill(pid)
            deadline = time.monotonic() + 10.0
        time.sleep(0.002)


# ----------------------------------------------------------------- in the child


def _serve(conn: Connection, task: Callable[[Any], Any]) -> None:
    """The child's loop: one payload at a time, each under its own bounds."""
    # Ctrl-C reaches the whole process group: the parent handles it and ends us.
    # A daemon's own SIGTERM / SIGHUP handlers (inherited through fork) are not ours.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGXCPU, signal.SIGABRT):
        signal.signal(number, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a stopped read leaves no core file
    _close_other_descriptors(keep=conn.fileno())
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        payload, bounds = request
        _cap_address_space(bounds.max_memory_bytes)
        _cap_cpu_time(bounds.cpu_seconds)
        answer: tuple[str, Any]
        try:
            answer = ("ok", task(payload))
        except MemoryError:
            answer = ("memory", None)
        except Exception as error:  # a bug of the task's, reported rather than lost
            answer = ("error", " ".join(str(error).split())[:160] or type(error).__name__)
        del payload, request
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", None))
        if answer[0] == "memory":
            return


def _close_other_descriptors(keep: int) -> None:
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return
    for fd in descriptors:
        if fd > 2 and fd != keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _cap_address_space(allowance: int) -> None:
    """Let this process map at most `allowance` bytes more than it has now.

    A forked child starts with its parent's mappings (a daemon with a thread pool
    easily has hundreds of MiB of reserved stacks and malloc arenas), and a long-lived
    one keeps what earlier tasks left: the cap is counted from now, so each task may
    add the same, whoever forked the child and whatever ran before.
    """
    current = _mapped_bytes()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + allowance
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _cap_cpu_time(seconds: float) -> None:
    """SIGXCPU once this task has used `seconds` of CPU (whole seconds, rounded up)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    soft = math.ceil(used + seconds)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard != resource.RLIM_INFINITY:  # a hard limit can be lowered, never raised
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _mapped_bytes() -> int:
    """This process's virtual memory size (Linux: the first field of /proc/self/statm)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0
