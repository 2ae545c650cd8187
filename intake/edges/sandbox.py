"""Bounded runs of parsers on attacker bytes: a long-lived child process that runs one
task at a time under bounds on its cost, and why a run gave nothing, in words an
operator reads.

Used by the PDF reader pool (`intake.edges.pdf.pool`), the MIME parse
(`intake.edges.mail.isolated`) and the clerks' packet (`intake.service.clerk_files`);
nothing here knows about PDFs or mail.

The parent sends a payload; the child runs its task on it under a CPU-time limit
(RLIMIT_CPU, counted from what the child had used before this payload), an
address-space cap (RLIMIT_AS, counted from what it had mapped before it) and, in the
parent, a wall-clock backstop; the outcome comes back over a pipe. A child that
crashes, overruns a bound or runs out of memory is reaped and replaced by the next
`run` (`Sandboxed` never reuses a child whose state may be damaged). Bounds and their
reasons are kernel facts: SIGXCPU at the CPU limit (its default action ends the
process, whatever C code it was running), an allocation that fails at the cap.
`failure` says why an outcome holds no value ("reading the email took longer than
20 s of CPU time"); `run_once` runs a task once in a child of its own, for work too
rare to keep a child for.

The task is any function named by its import path (``"package.module:function"``),
with picklable payloads and results.

A fresh interpreter per child (``python -c`` with the task's module), not a fork of
the caller: a fork taken while another thread of the caller is importing a module
inherits that module's import lock held forever, and the child hangs on its first
import of it (seen here: a reader pool forked while the command loaded pydantic).
A new interpreter inherits nothing: no locks, no threads, no open descriptor but its
pipe and stdio, no memory of the caller's. It costs ~0.2-0.4 s of CPU to start (the
interpreter and the task's imports), paid on its own core while the caller goes on,
and once per `max_tasks` payloads.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
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
    """One long-lived child running `task` (``"module:function"``); replaced after a
    stop or `max_tasks` runs.

    Not thread-safe: one caller at a time (the pool gives each child its own thread).
    """

    def __init__(self, task: str, max_tasks: int = 50) -> None:
        self._task = task
        self._max_tasks = max_tasks
        self._child: subprocess.Popen[bytes] | None = None
        self._conn: Connection | None = None
        self._served = 0

    @property
    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def start(self) -> None:
        """Start the child now (it loads the task's module while the caller goes on)."""
        self._ensure_child()

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
        outcome = outcome_of((kind, value))
        if isinstance(outcome, Stopped):
            self.close(kill=True)  # its heap may be left in pieces: start afresh
        elif self._served >= self._max_tasks:
            self.close()
        return outcome

    def close(self, kill: bool = False) -> None:
        """End the child (ask it to leave, or kill it) and reap it."""
        if self._child is None:
            return
        child, conn = self._child, self._conn
        self._child, self._conn, self._served = None, None, 0
        if conn is not None:
            if not kill:
                try:
                    conn.send(None)
                except (OSError, ValueError):
                    kill = True
            conn.close()
        if kill:
            child.kill()
        _reap(child, timeout=2.0)

    def _ensure_child(self) -> Connection:
        if self._child is not None and self._conn is not None:
            return self._conn
        ours, theirs = socket.socketpair()
        try:
            child = subprocess.Popen(
                [sys.executable, "-c", _CHILD, self._task, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # the command's output is not the child's
                env={**os.environ, _PATH_ENV: json.dumps(sys.path)},
            )
        finally:
            theirs.close()
        self._child = child
        self._conn = Connection(ours.detach())
        self._served = 0
        return self._conn

    def _reap_stopped(self, bounds: Bounds) -> Stopped:
        child = self._child
        if self._conn is not None:
            self._conn.close()
        self._child, self._conn, self._served = None, None, 0
        return stop_of(_reap(child, timeout=5.0) if child is not None else None)


def stop_of(returncode: int | None) -> Stopped:
    """Why a child ended, from its return code (minus the signal that ended it)."""
    if returncode is None:
        return Stopped("crash", "no exit status")
    if returncode < 0:
        number = -returncode
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
    return Stopped("crash", f"exit code {returncode}")


def _reap(child: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Wait for the child to end (killing it past `timeout`); its return code."""
    try:
        return child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


_MIB = 1024 * 1024


def failure(what: str, outcome: Outcome, bounds: Bounds) -> str | None:
    """Why `outcome` holds no value, as a sentence about `what`; None when it has one."""
    if isinstance(outcome, Done):
        return None if outcome.error is None else f"{what} failed: {outcome.error}"
    if outcome.why == "cpu":
        return f"{what} took longer than {math.ceil(bounds.cpu_seconds)} s of CPU time"
    if outcome.why == "memory":
        return f"{what} ran out of memory (limit {bounds.max_memory_bytes / _MIB:g} MiB)"
    if outcome.why == "timeout":
        return f"{what} took longer than {bounds.timeout_seconds:g} s"
    return f"{what} crashed ({outcome.detail or 'no detail'})"


def run_once(task: str, payload: Any, bounds: Bounds) -> Outcome:
    """The task (``"module:function"``) on `payload` in a child of its own under
    `bounds`, the child ended after."""
    child = Sandboxed(task, max_tasks=1)
    try:
        return child.run(payload, bounds)
    finally:
        child.close(kill=True)


# ----------------------------------------------------------------- in the child

_PATH_ENV = "INTAKE_SANDBOX_SYS_PATH"
# The child's program: the loop on the inherited socket (`child_main`).
_CHILD = "from intake.edges.sandbox import child_main; child_main()"


def child_main() -> None:
    """Entry point of a child (`_CHILD`): argv is the task and the socket's descriptor."""
    task_ref, fd = sys.argv[1], int(sys.argv[2])
    # The caller's import path, so that its task's module is found as it was there.
    for entry in json.loads(os.environ.pop(_PATH_ENV, "[]")):
        if entry not in sys.path:
            sys.path.append(entry)
    module, _, name = task_ref.partition(":")
    task = getattr(importlib.import_module(module), name)
    _serve(Connection(fd), task)


def _serve(conn: Connection, task: Callable[[Any], Any]) -> None:
    """The child's loop: one payload at a time, each under its own bounds."""
    become_child()
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        payload, bounds = request
        enter_bounds(bounds)
        answer = answer_of(task, payload)
        del payload, request
        try:
            conn.send(answer)
        except MemoryError:
            conn.send(("memory", None))
        if answer[0] == "memory":
            return


def become_child() -> None:
    """What every bounded child sets once: the signals that end it, no core file."""
    # Ctrl-C reaches the whole process group: the parent handles it and ends us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGXCPU, signal.SIGABRT):
        signal.signal(number, signal.SIG_DFL)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a stopped read leaves no core file


def enter_bounds(bounds: Bounds) -> None:
    """The CPU-time limit and the address-space cap of one task, counted from now."""
    _cap_address_space(bounds.max_memory_bytes)
    _cap_cpu_time(bounds.cpu_seconds)


def answer_of(task: Callable[[Any], Any], payload: Any) -> tuple[str, Any]:
    """The task's answer as the parent reads it: ("ok", value), ("memory", None) or
    ("error", a one-line reason)."""
    try:
        return ("ok", task(payload))
    except MemoryError:
        return ("memory", None)
    except Exception as error:  # a bug of the task's, reported rather than lost
        return ("error", " ".join(str(error).split())[:160] or type(error).__name__)


def outcome_of(answer: tuple[str, Any]) -> Outcome:
    """The parent's reading of a child's answer (`answer_of`)."""
    kind, value = answer
    if kind == "memory":
        return Stopped("memory")
    if kind == "error":
        return Done(error=str(value))
    return Done(value=value)


def _cap_address_space(allowance: int) -> None:
    """Let this process map at most `allowance` bytes more than it has now.

    A long-lived child keeps what earlier tasks left mapped: the cap is counted from
    now, so each task may add the same, whatever ran before.
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
