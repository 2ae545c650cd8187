"""MIME parsing of mail from strangers, in a bounded child process.

`parse_message` caps header sizes and encoded-word counts before the email package
sees them (`header_caps`), which removes the known quadratic cases; the child is the
bound for the ones nobody knows yet. It runs under `MIME_BOUNDS` (CPU time, memory on
top of what the child has, wall clock: see `intake.edges.sandbox`) in a long-lived
child (it serves 100 emails), forked from the zygote the PDF readers are forked from
(`intake.edges.children`); when a parse is
stopped or the child dies, `UnreadableMessage` says why, and the caller records the message as
failed instead of dying with it. A short command that allowed forks (`intake check`)
parses in a fork of itself instead, under the same bounds.
"""

from __future__ import annotations

import threading

from intake.core.model import Envelope
from intake.edges import forked
from intake.edges.bounds import Bounds, Done, failure
from intake.edges.children import MIME, shared_zygote
from intake.edges.mail.limits import MessageLimits
from intake.edges.mail.message import parse_message
from intake.edges.sandbox import Sandboxed
from intake.errors import IntakeError

_MIB = 1024 * 1024
# A 25 MB attachment costs the parser a few times its size (bench/mime_memory.md);
# a clean message of a few MB parses in well under a second.
MIME_BOUNDS = Bounds(cpu_seconds=20.0, max_memory_bytes=768 * _MIB, timeout_seconds=90.0)


class UnreadableMessage(IntakeError):
    """The message could not be parsed within its bounds (the reason is the message)."""


def parse_task(payload: tuple[bytes, MessageLimits | None]) -> Envelope:
    """What the child runs (by this name): one parse."""
    data, limits = payload
    return parse_message(data, limits)


# One child per process, renewed every 100 emails (it keeps the high-water mark of the
# largest email it parsed) and after any stop; forked by the zygote of the poll's
# children (`intake.edges.children`: a few ms, where a fresh interpreter took ~0.25 s).
_parser = Sandboxed(MIME, max_tasks=100, zygote=shared_zygote())
_lock = threading.Lock()


def parse_isolated(
    data: bytes, limits: MessageLimits | None = None, bounds: Bounds = MIME_BOUNDS
) -> Envelope:
    """`parse_message(data, limits)` in the bounded child (a fork of this process when
    it allowed forks, `intake.edges.forked`); raises `UnreadableMessage`."""
    if forked.usable():
        outcome = forked.run(parse_task, (data, limits), bounds)
    else:
        with _lock:
            outcome = _parser.run((data, limits), bounds)
    if isinstance(outcome, Done) and isinstance(outcome.value, Envelope):
        return outcome.value
    raise UnreadableMessage(failure("reading the email", outcome, bounds) or "no envelope")


def parser_pid() -> int | None:
    """The parsing child's process id while it runs (for benchmarks and tests)."""
    return _parser.pid


def close_parser() -> None:
    """End the parsing child (tests, and a process about to exit)."""
    with _lock:
        _parser.close()
