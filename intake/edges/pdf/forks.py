"""PDFs read in forks of a single-threaded command (`intake.edges.forked`): what
`read_pdfs_isolated` uses instead of the reader pool when the command allowed forks.

Each PDF is read in a child of its own, under the bounds of its `PdfLimits` (the
pool's: CPU time, address space, wall clock), one child per core at a time.
`prefetch` starts reads now that a later `read_all` of the same bytes and limits takes
over: `intake check` starts reading a lone PDF before it loads the rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from intake.edges import forked
from intake.edges.forked import Job, Running
from intake.edges.pdf.bounded import bounds_of, default_workers, text_of
from intake.edges.pdf.interface import PdfLimits

if TYPE_CHECKING:
    from intake.core.model import PdfText


def read_in_fork(payload: tuple[bytes, PdfLimits]) -> PdfText:
    """The task each child runs."""
    from intake.edges.pdf.reader import read_pdf

    data, limits = payload
    return read_pdf(data, limits)


def prefetch(datas: Iterable[bytes], limits: PdfLimits) -> None:
    """Start reading `datas` now, each in a child of its own, as many at once as there
    are cores (`read_all` starts the others)."""
    for data in datas:
        forked.start_ahead(_key(data, limits), _job(data, limits), at_most=default_workers())


def read_all(datas: Sequence[bytes], limits: PdfLimits) -> list[PdfText]:
    """Each PDF's text (or the reason it has none), in the order given."""
    runs: list[Running | Job] = []
    for data in datas:
        runs.append(forked.take(_key(data, limits)) or _job(data, limits))
    if sum(isinstance(run, Job) for run in runs) > 1:
        # Loaded once here, PDFium is in every fork that follows (~25 ms of imports each).
        from intake.edges.pdf import pdfium_reader  # noqa: F401

    return [text_of(outcome, limits) for outcome in forked.finish(runs, default_workers())]


def _job(data: bytes, limits: PdfLimits) -> Job:
    return Job(read_in_fork, (data, limits), bounds_of(limits))


def _key(data: bytes, limits: PdfLimits) -> tuple[str, str, PdfLimits]:
    return ("pdf", hashlib.sha256(data).hexdigest(), limits)
