"""The zygote the poll's sandboxed children are forked from: its PDF readers
(`intake.edges.pdf.pool`) and its MIME parse (`intake.edges.mail.isolated`).

One fresh interpreter (`sandbox.Zygote`) loads what both need (PDFium, the classifier,
the letter reader's patterns, the email package) and forks each child on request: a
reader, a replacement after a crash, a timeout or its last task, the MIME parse's
child every 100 emails. A fork of it costs a few milliseconds of CPU where a fresh
interpreter costs ~0.25-0.4 s (the MIME child had one of its own, started twice in a
backlog of 140 requests). Each child has what a fresh interpreter would have had after
the same imports and nothing of the caller's, and keeps its own bounds (`sandbox`).

Only names here (no import of the readers nor of the parser): a command that uses
neither loads neither.
"""

from __future__ import annotations

import atexit
import threading

from intake.edges.sandbox import Zygote

READER = "intake.edges.pdf.pool:read_in_child"
MIME = "intake.edges.mail.isolated:parse_task"
_PRELOAD = ("intake.edges.pdf.pool:preload",)

_shared: Zygote | None = None
_lock = threading.Lock()


def shared_zygote() -> Zygote:
    """This process's zygote of the readers and the MIME parse (started at its first
    fork, ended at exit; a process forked from this one starts its own)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Zygote((READER, MIME), _PRELOAD)
        return _shared


def close_shared_zygote() -> None:
    """End the zygote (after its children: the pool's readers, the MIME child)."""
    with _lock:
        zygote = _shared
    if zygote is not None:
        zygote.close()


atexit.register(close_shared_zygote)
