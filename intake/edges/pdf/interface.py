"""What every PDF reader shares: the bounds of a read, and the one interface of a reader.

A reader (`pdfium_reader`, `pypdf_reader`, `plumber_reader`) is a function
``read(body, limits) -> Reading``: it opens the PDF bytes (the header first), reads the
text and link URIs of the first `PdfLimits.max_pages_read` pages, and raises
`judge.Unreadable` for a file it can say cannot be read (a password), any other
exception for one it could not open. It knows nothing of processes or bounds on time
and memory (`sandbox`, `pool`), nor of what the text is worth (`judge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from intake.core.documents.sniff import is_pdf, pdf_start

if TYPE_CHECKING:  # not at run time: the reader pool starts before pydantic is imported
    from intake.edges.pdf.judge import Reading

__all__ = ["DEFAULT_LIMITS", "PageReader", "PdfLimits", "is_pdf", "pdf_body"]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class PdfLimits:
    """How much of a PDF to read, and (in a sandboxed reader) what it may cost.

    `cpu_seconds` is what decides "too expensive to read": CPU time does not stretch
    when the machine is busy, so a loaded machine slows reading down but never changes
    its verdict. `timeout_seconds` is the wall-clock backstop, for a reader that hangs
    without using CPU (and a bound on how long one document can hold a poll).
    `max_memory_bytes` is the address space one read may add to what its reader
    process had mapped before it, so it means the same in a small CLI and in a daemon.
    An in-process `read_pdf` enforces only the page and character bounds.
    """

    max_pages_read: int = 12
    timeout_seconds: float = 120.0
    max_memory_bytes: int = 1024 * _MIB
    max_chars_per_page: int = 20_000
    cpu_seconds: float = 20.0
    # Pages without a text layer read by OCR when Tesseract is here (edges/pdf/ocr.py),
    # at most this many a document: about a second of CPU each (bench/ocr.md).
    ocr: bool = True
    ocr_max_pages: int = 8

    def __post_init__(self) -> None:
        for name in (
            "max_pages_read",
            "timeout_seconds",
            "max_memory_bytes",
            "max_chars_per_page",
            "cpu_seconds",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"PdfLimits.{name} must be positive")


DEFAULT_LIMITS = PdfLimits()


class PageReader(Protocol):
    """One PDF library behind the interface every reader shares (see the module doc)."""

    def __call__(self, body: bytes, limits: PdfLimits) -> Reading: ...


def pdf_body(data: bytes) -> bytes | None:
    """The bytes from the header on, or None when they are not a PDF (`sniff.pdf_start`).

    Cross-reference offsets count from the header, as in Acrobat: the line of text a
    mail gateway sometimes puts before it is dropped.
    """
    start = pdf_start(data)
    return None if start is None else data[start:]
