"""What bounds a child that runs a task on attacker bytes, whoever starts it (a fresh
interpreter: `intake.edges.sandbox`; a fork of a single-threaded command:
`intake.edges.forked`): the bounds, the outcome, and the child's side of them.

A task runs under a CPU-time limit (RLIMIT_CPU, counted from what the child had used
before it), an address-space cap (RLIMIT_AS, counted from what it had mapped before
it) and, in the parent, a wall-clock backstop. Its outcome is `Done` (a value, or an
ordinary exception's words) or `Stopped` (a bound, or a crash), and `failure` says
why an outcome holds no value, in words an operator reads.
"""

from __future__ import annotations

import math
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
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
