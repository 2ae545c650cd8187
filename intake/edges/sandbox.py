"""Bounded runs of parsers on attacker bytes, in words an operator reads.

The machinery is `intake.edges.pdf.sandbox` (a child interpreter under RLIMIT_CPU,
an RLIMIT_AS cap counted from the child's start, and a wall-clock backstop; nothing of
the caller's inherited), which the PDF reader pool runs on and which knows nothing
about PDFs. The MIME parse (`intake.edges.mail.isolated`) and the clerks' packet
(`intake.service.clerk_files`) use it through this module, which says why a run gave
nothing ("reading the email took longer than 20 s of CPU time") and runs a task once
in a child of its own (`run_once`, for work too rare to keep a child for).
"""

from __future__ import annotations

import math
from typing import Any

from intake.edges.pdf.sandbox import Bounds, Done, Outcome, Sandboxed

__all__ = ["Bounds", "Done", "Outcome", "Sandboxed", "failure", "run_once"]

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
