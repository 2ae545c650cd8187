"""A pool of sandboxed reader processes: the PDFs of one email read on every core.

`ReaderPool(workers)` keeps `workers` long-lived reader processes (`sandbox.Sandboxed`,
each fed by a thread of its own in the calling process). `submit(data, limits)` queues
one PDF and returns a future of its `PdfText`; `read_all` reads several at once, in
parallel, and keeps their order. Each process is replaced after a crash, a timeout,
memory running out, or `max_documents` reads (so that what one file left behind in
a heap never meets many more). The bounds of every read are its `PdfLimits`: the
same CPU-time limit, address-space cap and wall-clock backstop as a fork per PDF had.

`prefetch(data, limits)` starts a read whose result a later `submit` of the same
bytes and limits takes over: the poll reads the next email's PDFs while it commits
the current one (`intake.service.cycle`). Unclaimed prefetches are bounded in number
and dropped oldest first.

`submit_derived(data, limits, derive)` also runs a pure function on the text in the
same reader process (`Derive`: the poll classifies each PDF there, on every core,
instead of in its own process one PDF after another); the future's `Read` carries the
text and what the function made of it.

`shared_pool()` is the process's pool (started on first use, ended at exit; a
process forked from this one starts its own).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import importlib
import os
import pickle
import queue
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from intake.edges.bounds import Done
from intake.edges.children import READER, shared_zygote
from intake.edges.pdf.bounded import bounds_of, default_workers, text_of
from intake.edges.pdf.derived import Derive, Read
from intake.edges.pdf.interface import DEFAULT_LIMITS, PdfLimits
from intake.edges.sandbox import Sandboxed, Zygote

if TYPE_CHECKING:  # imported where used: a command starts its pool before pydantic loads
    from intake.core.model import PdfText

# Prefetched reads nobody claimed (a duplicate email, a failed one) are dropped past this.
_MAX_PREFETCHED = 64


_TASK = READER  # "intake.edges.pdf.pool:read_in_child"
_PRELOAD = "intake.edges.pdf.pool:preload"


# In a reader process: the contexts unpickled so far, by key (a few: rules reloaded).
_contexts: OrderedDict[str, Any] = OrderedDict()


def read_in_child(
    payload: tuple[bytes, PdfLimits] | tuple[bytes, PdfLimits, Derive] | None,
) -> PdfText | Read | None:
    """The task every reader process runs; None only loads the reader (`warm_up`)."""
    from intake.edges.pdf.reader import read_pdf

    if payload is None:
        from intake.edges.pdf import pdfium_reader  # noqa: F401  (PDFium's ~40 ms of imports)

        return None
    if len(payload) == 2:
        data, limits = payload
        return read_pdf(data, limits)
    data, limits, how = payload
    text = read_pdf(data, limits)
    if not text.ok:
        return Read(text)
    try:
        module, _, name = how.task.partition(":")
        function = getattr(importlib.import_module(module), name)
        context = _contexts.get(how.key)
        if context is None:
            context = _contexts[how.key] = pickle.loads(how.context)
            while len(_contexts) > 4:
                _contexts.popitem(last=False)
        return Read(text, function(text, context))
    except MemoryError:
        raise  # the sandbox's answer: this process is replaced
    except Exception as error:  # the caller runs the function itself, and sees it raise
        return Read(text, error=" ".join(str(error).split())[:160] or type(error).__name__)


def preload() -> None:
    """In the readers' zygote, once: what every reader process would otherwise load
    for itself, PDFium and what the poll runs on each text (`intake.service.documents`'s
    classifier, the letter reader and the rules' models its context unpickles), and the
    letter reader's patterns (`practise`)."""
    from intake.core.documents import classify, letter  # noqa: F401
    from intake.core.policy import rules  # noqa: F401
    from intake.edges.pdf import pdfium_reader, reader  # noqa: F401

    with contextlib.suppress(Exception):  # only a cost saved: a reader does without it
        practise()


def practise() -> None:
    """Classify, once, a letter made of the project's rules' own descriptions of what a
    letter affirms, so that a reader forked after it has the letter reader's patterns
    compiled (kept by their phrases: `statements._pattern` and `re`'s own cache).

    Without it each reader process compiles them at its first letter (~50 ms of CPU,
    again in every replacement after `max_documents`). Nothing the reader answers
    depends on it: what is kept is compiled patterns and pure functions' results."""
    from intake.core.documents.classify import classify_text
    from intake.core.model import PageText, PdfText
    from intake.core.policy.rules import load_rules

    rules = load_rules()
    lines = [f"The undersigned {a.description}." for a in rules.letter.affirmations]
    text = "\n".join(["Letter of Acknowledgment", "", *lines, "", "Respectfully submitted,"])
    classify_text(PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), rules)


class ReaderPool:
    def __init__(
        self, workers: int | None = None, max_documents: int = 200, zygote: Zygote | None = None
    ) -> None:
        self.workers = max(1, workers if workers is not None else default_workers())
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        # One zygote forks every reader process, each replacement too (`sandbox.Zygote`):
        # `zygote` when given (the process's, `children.shared_zygote`), else our own.
        self._own_zygote = zygote is None
        self._zygote = Zygote(_TASK, _PRELOAD) if zygote is None else zygote
        self._slots = [Sandboxed(_TASK, max_documents, self._zygote) for _ in range(self.workers)]
        self._threads: list[threading.Thread] = []
        self._prefetched: OrderedDict[_Key, Future[Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False

    # ------------------------------------------------------------------ interface

    def submit(self, data: bytes, limits: PdfLimits = DEFAULT_LIMITS) -> Future[PdfText]:
        """Queue one PDF; the future's result is its `PdfText` (never an exception)."""
        return self._submit(data, limits, None)

    def submit_derived(self, data: bytes, limits: PdfLimits, how: Derive) -> Future[Read]:
        """Queue one PDF and `how`'s function on its text; the future's result is a
        `Read` (never an exception)."""
        return self._submit(data, limits, how)

    def _submit(self, data: bytes, limits: PdfLimits, how: Derive | None) -> Future[Any]:
        key = (_digest(data), limits, how.key if how else None)
        with self._lock:
            ahead = self._prefetched.pop(key, None)
        return ahead if ahead is not None else self._queue(data, limits, how)

    def prefetch(
        self, data: bytes, limits: PdfLimits = DEFAULT_LIMITS, how: Derive | None = None
    ) -> None:
        """Start reading `data` now for a `submit` (with `how`: a `submit_derived`) of
        the same bytes, limits and derive later."""
        key = (_digest(data), limits, how.key if how else None)
        with self._lock:
            if key in self._prefetched:
                return
        future = self._queue(data, limits, how)
        with self._lock:
            self._prefetched[key] = future
            while len(self._prefetched) > _MAX_PREFETCHED:
                _, dropped = self._prefetched.popitem(last=False)
                dropped.cancel()

    def warm_up(self) -> None:
        """Start the reader processes now: their zygote loads PDFium and the classifier
        while the caller goes on with its own start-up (on the other core)."""
        for _ in self._slots:
            self._queue(None, DEFAULT_LIMITS, None)

    def read(self, data: bytes, limits: PdfLimits = DEFAULT_LIMITS) -> PdfText:
        return self.submit(data, limits).result()

    def read_all(self, datas: Sequence[bytes], limits: PdfLimits = DEFAULT_LIMITS) -> list[PdfText]:
        """Several PDFs read in parallel; the results in the order given."""
        futures = [self.submit(data, limits) for data in datas]
        return [future.result() for future in futures]

    def close(self) -> None:
        """End the threads and the reader processes (queued reads are read first)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for future in self._prefetched.values():
                future.cancel()
            self._prefetched.clear()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        for slot in self._slots:
            slot.close()
        if self._own_zygote:
            self._zygote.close()

    def reader_pids(self) -> list[int]:
        """The reader processes alive now (for tests and benchmarks)."""
        return [slot.pid for slot in self._slots if slot.pid is not None]

    # ------------------------------------------------------------------- internals

    def _queue(self, data: bytes | None, limits: PdfLimits, how: Derive | None) -> Future[Any]:
        future: Future[Any] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the reader pool is closed")
            if not self._threads:
                self._start_threads()
        self._jobs.put((future, data, limits, how))
        return future

    def _start_threads(self) -> None:
        for index, slot in enumerate(self._slots):
            thread = threading.Thread(
                target=self._feed, args=(slot,), name=f"pdf-reader-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _feed(self, slot: Sandboxed) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, data, limits, how = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                payload = (
                    None if data is None else (data, limits) if how is None else (data, limits, how)
                )
                outcome = slot.run(payload, bounds_of(limits))
                if how is None:
                    future.set_result(text_of(outcome, limits))
                    continue
                read = outcome.value if isinstance(outcome, Done) else None
                if isinstance(read, Read):  # the text in the same words as a plain read's
                    text = text_of(Done(value=read.text), limits)
                    future.set_result(Read(text, read.value, read.error))
                else:
                    future.set_result(Read(text_of(outcome, limits)))
            except BaseException as error:  # no reader process could be started
                from intake.core.model import PdfText

                failed = PdfText(ok=False, reason=f"the PDF reader failed: {error}")
                future.set_result(Read(failed) if how is not None else failed)


# A queued read: its future, the bytes (None: only start the process), limits, derive.
_Job = tuple["Future[Any]", bytes | None, PdfLimits, Derive | None]
# A prefetched read is taken over by a submit of the same bytes, limits and derive.
_Key = tuple[str, PdfLimits, str | None]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------- the process's pool

_shared: ReaderPool | None = None
_shared_lock = threading.Lock()


def shared_pool(workers: int | None = None) -> ReaderPool:
    """This process's reader pool, started on first use (with `workers` processes,
    one per core by default; a later call's `workers` changes nothing)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ReaderPool(workers, zygote=shared_zygote())
        return _shared


def close_shared_pool() -> None:
    global _shared
    with _shared_lock:
        pool, _shared = _shared, None
    if pool is not None:
        pool.close()


def _forget_in_child() -> None:
    # A process forked from this one has none of the pool's threads: it starts its own.
    global _shared, _shared_lock
    _shared = None
    _shared_lock = threading.Lock()


atexit.register(close_shared_pool)
os.register_at_fork(after_in_child=_forget_in_child)
