"""What the PDF libraries say while they read a stranger's file: collected, and said as
one line of intake's own log.

pypdf and pdfminer tell what they mend in a damaged file ("incorrect startxref
pointer(4)", "EOF marker not found") through `logging` (and, rarely, `warnings`). Where
nobody configured logging (`intake check`, a reader process), Python prints each bare on
stderr: lines on the user's terminal that name no file and no program, above a verdict
that already says the file is damaged. While a reader reads, they are collected instead
and said once by this module's logger, at INFO: which library, how many notes, the
first few. A configured log (the daemon's, `--log-level info`) gets that clear line; an
unconfigured process (`intake check`'s terminal) prints nothing.

Readers run one at a time in their process (a fork, a sandboxed reader): the collection
is not meant for threads reading at once.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator

log = logging.getLogger(__name__)

# The loggers of the libraries the readers use (their modules log under these names).
LIBRARIES = ("pypdf", "pdfminer", "pdfplumber", "pypdfium2")
# How many notes the log line quotes; the count says how many there were.
SHOWN = 3
NOTE_CHARS = 120


class _Collector(logging.Handler):
    def __init__(self) -> None:
        # What they mend (WARNING and above), not their DEBUG chatter ("seek: 0") when a
        # caller turned the root logger's level down.
        super().__init__(logging.WARNING)
        self.notes: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a library's malformed log call: its template, not a crash
            message = str(record.msg)
        self.notes.append((record.name.split(".")[0], message))


@contextlib.contextmanager
def collected(reader: str) -> Iterator[list[tuple[str, str]]]:
    """Within: what the PDF libraries log or warn is kept (library, note), not printed;
    at the end it is logged as one INFO line about `reader` (the list is yielded)."""
    collector = _Collector()
    loggers = [logging.getLogger(name) for name in LIBRARIES]
    saved = [(logger.propagate, logger.level) for logger in loggers]
    for logger in loggers:
        # Their WARNINGs are kept whatever level another module set them to (the packet
        # quiets pypdf's): nothing of theirs goes anywhere else while this collects.
        logger.addHandler(collector)
        logger.propagate = False
        logger.setLevel(logging.WARNING)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield collector.notes
    finally:
        for logger, (propagate, level) in zip(loggers, saved, strict=True):
            logger.removeHandler(collector)
            logger.propagate = propagate
            logger.setLevel(level)
        collector.notes.extend((_library_of(w.filename), str(w.message)) for w in caught)
        if collector.notes:
            log.info("%s", summary(reader, collector.notes))


def summary(reader: str, notes: list[tuple[str, str]]) -> str:
    """'the pypdf reader: 2 notes from pypdf while reading: incorrect startxref pointer(4);
    parsing for Object Streams'."""
    libraries = ", ".join(dict.fromkeys(library for library, _ in notes))
    said = list(dict.fromkeys(" ".join(note.split())[:NOTE_CHARS] for _, note in notes))
    more = f" (and {len(said) - SHOWN} more)" if len(said) > SHOWN else ""
    return (
        f"the {reader} reader: {len(notes)} note(s) from {libraries} while reading a PDF: "
        + "; ".join(said[:SHOWN])
        + more
    )


def _library_of(filename: str) -> str:
    """The library a warning came from, by the file that warned."""
    parts = filename.replace("\\", "/").split("/")
    return next((name for name in LIBRARIES if name in parts), "python")
