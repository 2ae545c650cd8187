"""Safe, bounded text extraction from PDF bytes: the one entry point for the rest of intake.

Public surface (all that other modules need):

- `is_pdf(data)`: decided by the bytes alone: a ``%PDF-`` header within the first
  1024 bytes, where readers (Acrobat, pdf.js, PDFium) accept it.
- `PdfLimits`: how much of a PDF to read and what it may cost.
- `read_pdfs_isolated(datas, limits)`: several PDFs read at once, in parallel, each in
  a sandboxed reader process (`pool.shared_pool()`) under a CPU-time limit, an
  address-space cap and a wall-clock backstop. **Use it (or `read_pdf_isolated`) for
  every byte that came by email**: PDFium is C code and pypdf pure Python, and a
  crafted file can make either crash, spin or allocate far beyond its size, which no
  in-process check can stop. `prefetch_pdfs` starts such reads ahead of time.
- `read_pdf(data, limits)`: the same read in this process, for trusted bytes and tests
  (and what each reader process runs). Never raises for bad input.

How a file is read (measured in bench/pdf_extract.md and bench/poll_throughput.md):
PDFium (`pdfium_reader`) reads first: 3-20 times faster than pypdf, the same text
and links on every fixture. Only when its reading is not usable (it cannot open the
file, or finds no clean text) do the others try, each a parser with its own
recovery: pypdf, then pypdf on a copy given a fresh trailer (`pypdf_reader`), then
pdfplumber (`plumber_reader`); the best reading wins (`judge.verdict`). A password
stops at the first reader that asks for one.

Decisions about unreadable files, each with a plain-English `reason` (`judge`):

- Encrypted with an EMPTY user password (a "secured" PDF that only restricts
  printing or copying): read it, as every viewer does. A real user password:
  ``"encrypted: needs a password"``.
- Corrupt or truncated beyond every reader's repair: ``"corrupt or truncated: ..."``.
- No pages: ``"no pages"``. No text (an image-only scan, or under 20 letters and
  digits in all the pages read): ``"no text layer (scanned image without OCR?)"``.
- Garbled text (fonts without a character map): ``"garbled text (...)"``.
- Too long: only the first `PdfLimits.max_pages_read` pages are read
  (``pages_read_limited=True``); a notice is 1-4 pages and a letter 1-3.
- Too expensive (sandboxed only): ``"took longer than N s of CPU time"``,
  ``"took longer than N s"`` (the wall-clock backstop), ``"ran out of memory
  (limit N MiB)"``, ``"the PDF reader crashed (SIGSEGV)"``.

What the text looks like (for the NEF and letter readers): each page's text keeps
the printed line breaks (LF). Printers wrap long lines, so a stamp often reads
``[FileNumber=103128815\\n-0]`` and a narrow table cell ``Document\\nNumber: 14``.
Normalise whitespace and join wrapped lines before matching. Browser and
mail-client prints keep their links only as annotations: see `PageText.links`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from intake.core.model import PdfText
from intake.edges import forked
from intake.edges.pdf import judge
from intake.edges.pdf.interface import DEFAULT_LIMITS, PageReader, PdfLimits, is_pdf, pdf_body
from intake.edges.pdf.judge import Reading, Unreadable

if TYPE_CHECKING:
    from intake.edges.pdf.derived import Derive, Read

__all__ = [
    "PdfLimits",
    "is_pdf",
    "prefetch_pdfs",
    "read_pdf",
    "read_pdf_isolated",
    "read_pdfs_derived",
    "read_pdfs_isolated",
    "warm_up_readers",
]


def read_pdf(data: bytes, limits: PdfLimits = DEFAULT_LIMITS) -> PdfText:
    """Read the text and link URIs of the first pages, in this process, without time or
    memory bounds. Never raises for bad input."""
    body = pdf_body(data)
    if body is None:
        return PdfText(ok=False, reason=judge.NOT_A_PDF)
    try:
        return judge.verdict(_readings(body, limits))
    except Unreadable as unreadable:
        return PdfText(ok=False, reason=unreadable.reason)
    except MemoryError:
        return PdfText(ok=False, reason=judge.OUT_OF_MEMORY)
    except Exception as error:  # a reader's bug must not become the caller's traceback
        return PdfText(ok=False, reason=f"the PDF reader failed: {judge.describe(error)}")


def _readers() -> Iterator[tuple[str, PageReader]]:
    """PDFium, then the readers that try when its reading is not usable, in order, each
    with its name.

    A generator: the fallbacks (and pypdf's 0.15 s of imports) are loaded only when a
    file needs them.
    """
    from intake.edges.pdf import pdfium_reader

    yield "PDFium", pdfium_reader.read
    from intake.edges.pdf import plumber_reader, pypdf_reader

    yield "pypdf", pypdf_reader.read
    yield "pypdf (a fresh trailer)", pypdf_reader.read_repaired
    yield "pdfplumber", plumber_reader.read


def _readings(body: bytes, limits: PdfLimits) -> list[Reading]:
    """PDFium, then the fallbacks until one is usable. Raises `Unreadable` for a
    password (or when no reader could open the file at all)."""
    # Here, not at import: `intake check` imports this module but reads in its forks
    # (no logging module in the command for a notice, tests/unit/test_cli_startup.py).
    from intake.edges.pdf import library_notes

    readings: list[Reading] = []
    failure: str | None = None
    for name, reader in _readers():
        try:
            # What the library says about a damaged file: one line of our log, never
            # its own lines on the user's terminal (edges/pdf/library_notes.py).
            with library_notes.collected(name):
                readings.append(reader(body, limits))
        except (Unreadable, MemoryError):
            raise
        except Exception as error:  # each library raises many types on damaged files
            failure = failure or judge.describe(error)
            continue
        if judge.usable(readings[-1]):
            break
    if not readings:
        raise Unreadable(judge.CORRUPT + (failure or "no reader could open it"))
    return readings


def read_pdf_isolated(data: bytes, limits: PdfLimits = DEFAULT_LIMITS) -> PdfText:
    """`read_pdf` in a sandboxed reader process, bounded in CPU time, wall-clock time
    and memory. Never raises for bad input."""
    return read_pdfs_isolated([data], limits)[0]


def read_pdfs_isolated(datas: Sequence[bytes], limits: PdfLimits = DEFAULT_LIMITS) -> list[PdfText]:
    """Several PDFs, each read as `read_pdf_isolated`, in parallel; in the order given.

    In the reader pool's processes; in forks of this process when it allowed them
    (`intake.edges.forked`: a short single-threaded command), under the same bounds.
    """
    if forked.usable():
        from intake.edges.pdf import forks

        return forks.read_all(datas, limits)
    from intake.edges.pdf.pool import shared_pool

    return shared_pool().read_all(datas, limits)


def read_pdfs_derived(datas: Sequence[bytes], limits: PdfLimits, how: Derive) -> list[Read]:
    """`read_pdfs_isolated`, and `how`'s function run on each readable text in the same
    sandboxed reader process (see `derived.Derive`); in the order given."""
    if forked.usable():  # reads only, in forks: the caller runs the function itself
        from intake.edges.pdf import forks
        from intake.edges.pdf.derived import Read

        return [Read(text) for text in forks.read_all(datas, limits)]
    from intake.edges.pdf.pool import shared_pool

    pool = shared_pool()
    futures = [pool.submit_derived(data, limits, how) for data in datas]
    return [future.result() for future in futures]


def warm_up_readers() -> None:
    """Start the sandboxed reader processes now, so that they load PDFium while the
    caller is still starting up (a command calls this before loading its rules).
    Nothing to start when reads run in forks."""
    if forked.usable():
        return
    from intake.edges.pdf.pool import shared_pool

    shared_pool().warm_up()


def prefetch_pdfs(
    datas: Iterable[bytes], limits: PdfLimits = DEFAULT_LIMITS, how: Derive | None = None
) -> None:
    """Start sandboxed reads now that a later `read_pdfs_isolated` (with `how`:
    `read_pdfs_derived`) of the same bytes takes over (the next email's PDFs, while the
    current one is committed)."""
    if forked.usable():
        from intake.edges.pdf import forks

        forks.prefetch(datas, limits)  # a fork reads only: `read_pdfs_derived` says so
        return
    from intake.edges.pdf.pool import shared_pool

    pool = shared_pool()
    for data in datas:
        pool.prefetch(data, limits, how)
