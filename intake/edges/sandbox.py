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

import contextlib
import importlib
import io
import json
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, Protocol

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

    def __init__(self, task: str, max_tasks: int = 50, zygote: Zygote | None = None) -> None:
        self._task = task
        self._max_tasks = max_tasks
        self._zygote = zygote
        self._child: _Child | None = None
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
        child: _Child | None = None
        if self._zygote is not None:
            try:
                child, conn = self._zygote.spawn(self._task)
            except OSError:  # no zygote could be started: a fresh interpreter, as without
                child = None
        if child is None:
            child, conn = _interpreter(self._task)
        self._child = child
        self._conn = conn
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


def _reap(child: _Child, timeout: float) -> int | None:
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


# ------------------------------------------------------------ the children


class _Child(Protocol):
    """A child process as `Sandboxed` handles it: a `subprocess.Popen`, or a `_Forked`."""

    @property
    def pid(self) -> int: ...

    def kill(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int | None: ...


def _interpreter(task: str) -> tuple[subprocess.Popen[bytes], Connection]:
    """A child in a fresh interpreter of its own, and the parent's end of its socket."""
    ours, theirs = socket.socketpair()
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD, task, str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # the command's output is not the child's
            env={**os.environ, _PATH_ENV: json.dumps(sys.path)},
        )
    except BaseException:
        ours.close()
        raise
    finally:
        theirs.close()
    return child, Connection(ours.detach())


class Zygote:
    """A fresh interpreter that has imported a task's module (and run `preload`, an
    import path too) and forks `Sandboxed` children from itself on request.

    `task` may be several tasks, `preload` several functions: one zygote then forks
    the children of each (the poll's PDF readers and its MIME parse:
    `intake.edges.children`), each serving the task it was asked for.

    A child forked from it starts in ~5 ms with everything loaded (PDFium, the
    classifier), where a fresh interpreter costs 0.3-0.4 s of CPU: the price of
    replacing a reader after every `max_tasks` documents, a crash or a timeout. The
    zygote itself never runs a task nor sees a payload, has no thread (a fork of it
    inherits no lock held), and is started fresh like any child, so a child forked
    from it has what a fresh interpreter would have had after the same imports, and
    nothing of the caller's. It is the children's parent: it reaps them when the
    caller asks (`_Forked.wait`) and reports their exit status as `Popen` does.

    Thread-safe: the pool's threads ask for children one at a time.
    """

    def __init__(
        self, task: str | Sequence[str], preload: str | Sequence[str] | None = None
    ) -> None:
        self._tasks = (task,) if isinstance(task, str) else tuple(task)
        preloads = (preload,) if isinstance(preload, str) else tuple(preload or ())
        self._preload = ",".join(preloads)
        if not 0 < len(self._tasks) < 256 or any("," in t for t in (*self._tasks, *preloads)):
            raise ValueError("a zygote serves 1 to 255 tasks, named without commas")
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        _zygotes.add(self)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        """Start the zygote now (it loads the task's module while the caller goes on)."""
        with self._lock:
            self._ensure()

    def spawn(self, task: str | None = None) -> tuple[_Forked, Connection]:
        """A new child serving `task` (the first of the zygote's by default), and the
        parent's end of its socket. OSError when no zygote can be started or fork, or
        when it does not serve `task`."""
        index = 0 if task is None else self._tasks.index(task) if task in self._tasks else -1
        if index < 0:
            raise OSError(f"the zygote does not serve {task}")
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                for attempt in (1, 2):  # a zygote found gone is started again, once
                    control = self._ensure()
                    try:
                        request = _FORK + bytes([index]) + bytes(15)
                        socket.send_fds(control, [request], [theirs.fileno()])
                        pid = int.from_bytes(_receive_exact(control, 8), "big", signed=True)
                        break
                    except OSError:
                        self._stop()
                        if attempt == 2:
                            raise
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        if pid <= 0:
            ours.close()
            raise OSError("the zygote could not fork")
        return _Forked(self, pid), Connection(ours.detach())

    def close(self) -> None:
        """End the zygote (its children, if any are left, see their socket close)."""
        with self._lock:
            self._stop()

    def _wait(self, pid: int, timeout: float | None) -> int | None:
        """The child's exit status once it has ended (-N: signal N); None when the
        zygote is gone, so is its status; TimeoutExpired past `timeout`."""
        wait = 24 * 3600.0 if timeout is None else max(timeout, 0.0)
        with self._lock:
            control = self._control
            if control is None:
                return None
            try:
                request = pid.to_bytes(8, "big", signed=True) + struct.pack(">d", wait)
                control.sendall(_WAIT + request)
                state = _receive_exact(control, 9)
            except OSError:
                self._stop()
                return None
        if state[:1] == b"t":
            raise subprocess.TimeoutExpired(f"reader {pid}", wait)
        if state[:1] == b"x":
            return int.from_bytes(state[1:], "big", signed=True)
        return None

    def _ensure(self) -> socket.socket:
        if self._process is not None and self._control is not None:
            return self._control
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    _ZYGOTE,
                    ",".join(self._tasks),
                    str(theirs.fileno()),
                    self._preload,
                ],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env={**os.environ, _PATH_ENV: json.dumps(sys.path)},
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._control = ours
        return ours

    def _stop(self) -> None:
        process, control = self._process, self._control
        self._process, self._control = None, None
        if control is not None:
            control.close()  # the zygote reads the end of its socket and leaves
        if process is not None:
            _reap(process, timeout=2.0)

    def _forget(self) -> None:
        """In a process forked from the caller: the zygote is the caller's, not ours
        (our copy of its socket closed, the zygote left running for the caller); the
        next `spawn` here starts one of our own."""
        self._lock = threading.Lock()
        control, self._process, self._control = self._control, None, None
        if control is not None:
            with contextlib.suppress(OSError):
                control.close()


# Every zygote of this process, forgotten in a process forked from it (`Zygote._forget`).
_zygotes: weakref.WeakSet[Zygote] = weakref.WeakSet()


def _forget_zygotes() -> None:
    for zygote in list(_zygotes):
        zygote._forget()


os.register_at_fork(after_in_child=_forget_zygotes)


class _Forked:
    """A child forked by a `Zygote`: killed by its pid, reaped by the zygote."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self._zygote = zygote
        self.pid = pid

    def kill(self) -> None:
        # Not reaped until `wait` asks the zygote: the pid is still this child's.
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> int | None:
        return self._zygote._wait(self.pid, timeout)


# The zygote's requests: a letter and 16 bytes (a fork: the task's index among the
# zygote's, its socket passed beside; a wait: the pid and the seconds to wait, a double).
_FORK, _WAIT = b"f", b"w"


def _receive_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionResetError("the zygote is gone")
        data += chunk
    return data


# ----------------------------------------------------------------- in the child

_PATH_ENV = "INTAKE_SANDBOX_SYS_PATH"
# The child's program: the loop on the inherited socket (`child_main`).
_CHILD = "from intake.edges.sandbox import child_main; child_main()"
_ZYGOTE = "from intake.edges.sandbox import zygote_main; zygote_main()"


def child_main() -> None:
    """Entry point of a child (`_CHILD`): argv is the task and the socket's descriptor."""
    task_ref, fd = sys.argv[1], int(sys.argv[2])
    _serve(Connection(fd), _load(task_ref))


def _load(task_ref: str) -> Callable[[Any], Any]:
    # The caller's import path, so that its task's module is found as it was there.
    for entry in json.loads(os.environ.pop(_PATH_ENV, "[]")):
        if entry not in sys.path:
            sys.path.append(entry)
    module, _, name = task_ref.partition(":")
    task: Callable[[Any], Any] = getattr(importlib.import_module(module), name)
    return task


def zygote_main() -> None:
    """Entry point of a `Zygote` (`_ZYGOTE`): argv is the tasks, the control socket's
    descriptor and the preload functions (comma-separated; "" for none). Forks a child
    per request, reaps one when asked; leaves when the caller closes the socket."""
    task_refs, fd, preloads = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller handles Ctrl-C and ends us
    tasks = [_load(task_ref) for task_ref in task_refs.split(",")]
    for preload in filter(None, preloads.split(",")):
        module, _, name = preload.partition(":")
        getattr(importlib.import_module(module), name)()
    control = socket.socket(fileno=fd)
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 17, 1)
            if message and len(message) < 17:
                message += _receive_exact(control, 17 - len(message))
        except OSError:
            return
        if not message:  # the caller is gone: its children see their sockets close
            return
        try:
            if message[:1] == _FORK and fds and message[1] < len(tasks):
                pid = _fork_child(control, fds[0], tasks[message[1]])
                control.sendall(pid.to_bytes(8, "big", signed=True))
            elif message[:1] == _FORK:  # no socket, or a task we do not serve
                fds = [-1, *fds]  # every descriptor received is closed below
                control.sendall((-1).to_bytes(8, "big", signed=True))
            elif message[:1] == _WAIT:
                pid = int.from_bytes(message[1:9], "big", signed=True)
                (seconds,) = struct.unpack(">d", message[9:17])
                control.sendall(_reaped(pid, seconds))
        except OSError:  # the caller left (a Ctrl-C, a kill) before our answer: so do we
            return
        for extra in fds[1:]:
            os.close(extra)


def _fork_child(control: socket.socket, fd: int, task: Callable[[Any], Any]) -> int:
    """In the zygote: a child serving `task` on socket `fd`; its pid (-1: no fork)."""
    try:
        pid = os.fork()
    except OSError:
        os.close(fd)
        return -1
    if pid == 0:  # the child: its socket only, then the loop; never back into the zygote's
        code = 1
        try:
            control.close()
            _serve(Connection(fd), task)
            code = 0
        finally:
            os._exit(code)
    os.close(fd)
    return pid


def _reaped(pid: int, seconds: float) -> bytes:
    """In the zygote: b"x" and the exit status (Popen's: -N for signal N) of child
    `pid` once it has ended, b"t" if it is still running after `seconds`, b"?" for a
    pid that is not a child of ours."""
    deadline = time.monotonic() + seconds
    pause = 0.001
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return b"?" + bytes(8)
        if done:
            return b"x" + os.waitstatus_to_exitcode(status).to_bytes(8, "big", signed=True)
        left = deadline - time.monotonic()
        if left <= 0:
            return b"t" + bytes(8)
        time.sleep(min(pause, left))
        pause = min(pause * 2, 0.05)


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
