"""Bounded runs of parsers on attacker bytes: a long-lived child process that runs one
task at a time under bounds on its cost (`intake.edges.bounds`).

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
`run_once` runs a task once in a child of its own, for work too rare to keep a child
for.

The task is any function named by its import path (``"package.module:function"``),
with picklable payloads and results.

A fresh interpreter per child (``python -c`` with the task's module), not a fork of
the caller: a fork taken while another thread of the caller is importing a module
inherits that module's import lock held forever, and the child hangs on its first
import of it (seen here: a reader pool forked while the command loaded pydantic).
A new interpreter inherits nothing: no locks, no threads, no open descriptor but its
pipe and stdio, no memory of the caller's. It costs ~0.2-0.4 s of CPU to start (the
interpreter and the task's imports), paid on its own core while the caller goes on,
and once per `max_tasks` payloads. A short command with no threads (`intake check`
of a few files) runs its tasks in forks of itself instead (`intake.edges.forked`).
"""

from __future__ import annotations

import importlib
import io
import json
import os
import pickle
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
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
            send(conn, (payload, bounds))
        except (OSError, ValueError):  # the child died between two tasks
            return self._reap_stopped(bounds)
        try:
            kind, value = receive(conn, started + bounds.timeout_seconds)
        except TimeoutError:
            self.close(kill=True)
            return Stopped("timeout")
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
                    send(conn, None)
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


# ------------------------------------------------------------ the messages

# Bytes at least this long (an email, a PDF, an attachment) travel beside the pickle
# that names them, never copied into it: a 50 MB email is not held twice to be sent,
# nor an email's attachments twice to be received (bench/mime_memory.md).
_BLOB_BYTES = 1 << 20


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, blobs: list[bytes]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._blobs = blobs

    def persistent_id(self, obj: Any) -> int | None:
        if type(obj) is bytes and len(obj) >= _BLOB_BYTES:
            self._blobs.append(obj)
            return len(self._blobs) - 1
        return None


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, blobs: list[bytes]) -> None:
        super().__init__(io.BytesIO(data))
        self._blobs = blobs

    def persistent_load(self, pid: Any) -> bytes:
        if type(pid) is not int or not 0 <= pid < len(self._blobs):
            raise pickle.UnpicklingError("a blob the message does not carry")
        return self._blobs[pid]


def send(conn: Connection, obj: Any) -> None:
    """`obj` pickled, its long bytes sent as they are: their count, each, the pickle."""
    blobs: list[bytes] = []
    pickled = io.BytesIO()
    _Pickler(pickled, blobs).dump(obj)
    conn.send_bytes(len(blobs).to_bytes(4, "big"))
    for blob in blobs:
        conn.send_bytes(blob)
    conn.send_bytes(pickled.getbuffer())


def receive(conn: Connection, deadline: float | None = None) -> Any:
    """What `send` sent; TimeoutError when a part has not begun to arrive by `deadline`
    (`time.monotonic()`), EOFError when the other end is gone."""

    def part() -> bytes:
        if deadline is not None and not conn.poll(max(deadline - time.monotonic(), 0.0)):
            raise TimeoutError
        return conn.recv_bytes()

    count = int.from_bytes(part(), "big")
    blobs = [part() for _ in range(count)]
    return _Unpickler(part(), blobs).load()


def _reap(child: subprocess.Popen[bytes], timeout: float) -> int | None:
    """Wait for the child to end (killing it past `timeout`); its return code."""
    try:
        return child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


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
            request = receive(conn)
        except (EOFError, OSError):  # the parent is gone
            return
        if request is None:
            return
        payload, bounds = request
        enter_bounds(bounds)
        answer = answer_of(task, payload)
        del payload, request
        try:
            send(conn, answer)
        except MemoryError:
            send(conn, ("memory", None))
        except OSError:  # the parent is gone (Ctrl-C, a stop): nobody to answer
            return
        if answer[0] == "memory":
            return
