"""What a sandboxed PDF read shares, in the pool's reader processes and in forks: its
bounds from `PdfLimits`, and its outcome as a `PdfText` (the reason in the attorney's
and the clerk's words when it has no text)."""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

from intake.edges.bounds import Bounds, Done, Stopped
from intake.edges.pdf.interface import PdfLimits

if TYPE_CHECKING:  # imported where used: a command starts its reads before pydantic loads
    from intake.core.model import PdfText

_MIB = 1024 * 1024


def bounds_of(limits: PdfLimits) -> Bounds:
    return Bounds(limits.cpu_seconds, limits.max_memory_bytes, limits.timeout_seconds)


def text_of(outcome: Done | Stopped, limits: PdfLimits) -> PdfText:
    """The reader's answer, or the reason (in the attorney's and clerk's words) it has none."""
    from intake.core.model import PdfText
    from intake.edges.pdf.judge import OUT_OF_MEMORY

    if isinstance(outcome, Done):
        if outcome.error is not None:
            return PdfText(ok=False, reason=f"the PDF reader failed: {outcome.error}")
        if isinstance(outcome.value, PdfText):
            if outcome.value.reason == OUT_OF_MEMORY:
                return outcome.value.model_copy(update={"reason": memory_reason(limits)})
            return outcome.value
        return PdfText(ok=False, reason="the PDF reader returned nothing usable")
    if outcome.why == "cpu":
        return PdfText(ok=False, reason=cpu_reason(limits))
    if outcome.why == "memory":
        return PdfText(ok=False, reason=memory_reason(limits))
    if outcome.why == "timeout":
        return PdfText(ok=False, reason=f"took longer than {limits.timeout_seconds:g} s")
    return PdfText(ok=False, reason=f"the PDF reader crashed ({outcome.detail})")


def cpu_reason(limits: PdfLimits) -> str:
    return f"took longer than {math.ceil(limits.cpu_seconds)} s of CPU time"


def memory_reason(limits: PdfLimits) -> str:
    return f"ran out of memory (limit {limits.max_memory_bytes / _MIB:g} MiB)"


def default_workers() -> int:
    """One reader per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
