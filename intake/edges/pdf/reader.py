"""Safe, bounded text extraction from PDF bytes.

Public surface (all that other modules need):

- `is_pdf(data)`: decided by the bytes alone: a ``%PDF-`` header within the first
  1024 bytes, where readers (Acrobat, pdf.js, PDFium) accept it.
- `PdfLimits`: how much of a PDF to read and what it may cost.
- `read_pdf(data, limits)`: reads in this process; never raises for bad input.
- `read_pdf_isolated(data, limits)`: the same read in a forked child under a CPU-time
  limit (RLIMIT_CPU), a memory cap (RLIMIT_AS) and a wall-clock backstop. CPU time
  decides "too expensive", so a busy machine slows reading down without changing a
  verdict. **Use it for every byte that came by email**: pypdf is pure Python, and
  a crafted file can make it spin or allocate far beyond its size
  (bench/pdf_extract.md has one: 300 kB that takes pypdf 12-15 s and over 64 MiB),
  which no in-process check can stop. Isolation costs about 15-20 ms
  per document on a quiet machine (2 cores, AMD EPYC; 17-70 ms under load), against
  10-120 ms per page to read a printed NEF: well under a second per email, nothing
  for a mailbox polled every few minutes. `read_pdf` is for trusted bytes and tests.

Library, by measurement on the printed NEF samples (bench/pdf_extract.md): pypdf
reads first. Its lines match PDFium's on all but one of 33 prints (where pypdf keeps a
wrapped case name whole), while pdfplumber glues "Document Number:" to its value and
puts a table cell's value before its label; pypdf is 2-40 times faster than
pdfplumber. pdfplumber (pdfminer: another parser, another recovery) is the fallback
when pypdf cannot open the file, finds no text, or finds garbled text; the reading
with more clean text wins. pypdfium2 was measured for reference only: 3-20 times
faster than pypdf with the same lines, but a C parser; revisit if speed ever matters.

Decisions about unreadable files, each with a plain-English `reason`:

- Encrypted with an EMPTY user password (a "secured" PDF that only restricts
  printing or copying): read it. Every viewer opens such a file without asking, so
  the attorney sees an ordinary document and would not understand a refusal, and the
  text is there for anyone. A real user password: ``"encrypted: needs a password"``.
- Corrupt or truncated: pypdf's non-strict mode rebuilds a damaged cross-reference
  table; when the file lost its end (trailer and table), a copy with a new trailer
  naming its catalog is read; then pdfplumber tries. Only when nothing can be read:
  ``"corrupt or truncated: ..."`` (the error, or "no text left", or "garbled text"
  when the repaired copy lost its fonts).
- No pages: ``"no pages"``.
- No text (an image-only scan, or under 20 letters and digits in all the pages read):
  ``"no text layer (scanned image without OCR?)"``.
- Garbled text (fonts without a character map): ``"garbled text (...)"``.
- Too long: only the first `PdfLimits.max_pages_read` pages are read
  (``pages_read_limited=True``); a notice is 1-4 pages and a letter 1-3.

What the text looks like (for the NEF and letter readers): each page's text keeps
the printed line breaks. Printers wrap long lines, so a stamp often reads
``[FileNumber=103128815\n-0]`` and a narrow table cell ``Document\nNumber: 14``;
pypdf keeps runs of spaces (``[STAMP  bkecfStamp_ID=``). Normalise whitespace and
join wrapped lines before matching. Browser and mail-client prints keep their links
only as annotations: see `PageText.links`.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import multiprocessing
import multiprocessing.connection
import re
import resource
import signal
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from intake.core.model import PageText, PdfText

__all__ = ["PdfLimits", "is_pdf", "read_pdf", "read_pdf_isolated"]

PDF_HEADER = b"%PDF-"
HEADER_WINDOW = 1024  # bytes in which readers look for the header

NEEDS_PASSWORD = "encrypted: needs a password"
NO_TEXT_LAYER = "no text layer (scanned image without OCR?)"
NO_PAGES = "no pages"
GARBLED = "garbled text (fonts without a character map?)"
NOT_A_PDF = "not a PDF (no %PDF- header in its first 1024 bytes)"
OUT_OF_MEMORY = "ran out of memory"

# A page whose text is only a scanner's stamp or a page number is still a scan: below
# this many letters and digits in all the pages read, there is no usable text layer.
_MIN_TEXT_CHARS = 20
# Text with more than this share of suspicious characters is garbled (a font without
# a usable ToUnicode map); the other reader then gets a try.
_GARBLED_RATIO = 0.10
# Bounds on what one page's annotations may contribute (a crafted page can hold
# thousands of links or megabyte-long URIs).
_MAX_LINKS_PER_PAGE = 200
_MAX_URI_CHARS = 2048

_MIB = 1024 * 1024


@dataclass(frozen=True)
class PdfLimits:
    """How much of a PDF to read, and (for `read_pdf_isolated`) what it may cost.

    `cpu_seconds` is what decides "too expensive to read": CPU time does not stretch
    when the machine is busy, so a loaded machine slows reading down but never changes
    its verdict. `timeout_seconds` is the wall-clock backstop, for a child that hangs
    without using CPU (and a bound on how long one document can hold a poll).
    `max_memory_bytes` is the address space the reader may add to what the forked
    child starts with (its parent's), so it means the same in a small CLI and in a
    daemon with many threads. `read_pdf` alone enforces only the page and character
    bounds.
    """

    max_pages_read: int = 12
    timeout_seconds: float = 120.0
    max_memory_bytes: int = 1024 * _MIB
    max_chars_per_page: int = 20_000
    cpu_seconds: float = 20.0

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


def is_pdf(data: bytes) -> bool:
    """True when the bytes carry a PDF header where readers look for one."""
    return PDF_HEADER in data[:HEADER_WINDOW]


# ------------------------------------------------------------------ in-process read


class _Unreadable(Exception):
    """A verdict that the file cannot be read at all, with the reason to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class _Reading:
    """What one library got out of the file (or out of its repaired copy)."""

    page_count: int
    pages: tuple[PageText, ...]
    repaired: bool = False


def read_pdf(data: bytes, limits: PdfLimits = PdfLimits()) -> PdfText:
    """Read the text and link URIs of the first pages. Never raises for bad input.

    Runs in the calling process without time or memory bounds: use
    `read_pdf_isolated` for bytes from outside.
    """
    start = data.find(PDF_HEADER, 0, HEADER_WINDOW)
    if start < 0:
        return PdfText(ok=False, reason=NOT_A_PDF)
    # Cross-reference offsets count from the header, as in Acrobat: drop any bytes
    # before it (mail gateways sometimes prepend a line).
    body = data[start:]
    try:
        return _verdict(_readings(body, limits))
    except _Unreadable as unreadable:
        return PdfText(ok=False, reason=unreadable.reason)
    except MemoryError:
        return PdfText(ok=False, reason=OUT_OF_MEMORY)
    except Exception as error:  # a reader's bug must not become the caller's traceback
        return PdfText(ok=False, reason=f"the PDF reader failed: {_describe(error)}")


def _readings(body: bytes, limits: PdfLimits) -> list[_Reading]:
    """Read with pypdf, then with a repaired copy, then with pdfplumber, until usable.

    Raises `_Unreadable` when the file needs a password or no reader could open it.
    """
    readings: list[_Reading] = []
    failure: str | None = None
    try:
        readings.append(_read_pypdf(body, limits))
    except (_Unreadable, MemoryError):
        raise
    except Exception as error:  # pypdf raises many types on damaged files
        failure = _describe(error)
        repaired = _with_new_trailer(body)
        if repaired is not None:
            try:
                reading = _read_pypdf(repaired, limits)
                readings.append(_Reading(reading.page_count, reading.pages, repaired=True))
            except (_Unreadable, MemoryError):
                raise
            except Exception:  # the failure on the original is the one to report
                pass
    if any(_usable(reading) for reading in readings):
        return readings

    # pypdf failed, found no text, or found garbled text: pdfminer has its own parser
    # and its own recovery, so it sometimes reads what pypdf cannot.
    try:
        readings.append(_read_pdfplumber(body, limits))
    except (_Unreadable, MemoryError):
        raise
    except Exception:  # the failure of the primary reader is the one to report
        pass
    if not readings:
        raise _Unreadable(f"corrupt or truncated: {failure or 'no reader could open it'}")
    return readings


def _verdict(readings: list[_Reading]) -> PdfText:
    """The best of the readings, or the reason why even the best is not usable."""
    # A usable reading first, then one that found pages, then the cleaner text; the
    # first of equals (pypdf's) on a tie.
    best = max(readings, key=lambda r: (_usable(r), r.page_count > 0, _quality(r)))
    if best.page_count == 0:
        return PdfText(ok=False, reason=NO_PAGES)
    damaged = "corrupt or truncated: " if best.repaired else ""
    if _usable(best):
        reason = None
    elif any(_looks_garbled(page.text) for page in best.pages):
        reason = damaged + GARBLED
    else:
        reason = damaged + ("no text left" if damaged else NO_TEXT_LAYER)
    return PdfText(
        ok=reason is None,
        reason=reason,
        page_count=best.page_count,
        pages=best.pages,
        pages_read_limited=best.page_count > len(best.pages),
    )


def _usable(reading: _Reading) -> bool:
    """Enough clean text: one garbled page (a logo's font) does not spoil the others."""
    return reading.page_count > 0 and _clean_text_chars(reading) >= _MIN_TEXT_CHARS


# An object's header, "N G obj", and the catalog's type entry.
_OBJECT_HEADER = re.compile(rb"(?<!\d)(\d{1,10})\s{1,8}(\d{1,5})\s{1,8}obj\b")
_CATALOG_TYPE = re.compile(rb"/Type\s{0,8}/Catalog")
# How far before "/Type /Catalog" its object's header may be, and how many candidates
# to try from the end of the file (the last catalog is the current one).
_CATALOG_WINDOW = 512
_CATALOG_TRIES = 100


def _catalog_reference(body: bytes) -> tuple[bytes, bytes] | None:
    """Object and generation number of the file's last catalog, found by scanning."""
    end = len(body)
    for _ in range(_CATALOG_TRIES):
        at = body.rfind(b"/Catalog", 0, end)
        if at < 0:
            return None
        end = at
        start = max(0, at - _CATALOG_WINDOW)
        if not _CATALOG_TYPE.search(body, start, at + len(b"/Catalog")):
            continue
        headers = list(_OBJECT_HEADER.finditer(body, start, at))
        if headers and b"endobj" not in body[headers[-1].end() : at]:
            return headers[-1].group(1), headers[-1].group(2)
    return None


def _with_new_trailer(body: bytes) -> bytes | None:
    """A copy of a damaged file with a fresh trailer naming its catalog, or None.

    Truncation takes the cross-reference table and the trailer first (they sit at the
    end). Given a new trailer and an invalid ``startxref``, pypdf rebuilds the table by
    scanning the objects that remain, and reads every page whose objects survived.
    """
    root = _catalog_reference(body)
    if root is None:
        return None
    number, generation = root
    return body + b"\ntrailer\n<</Root %s %s R>>\nstartxref\n0\n%%%%EOF\n" % (number, generation)


# ------------------------------------------------------------------- text quality


def _joined(reading: _Reading) -> str:
    return "".join(page.text for page in reading.pages)


def _clean_text_chars(reading: _Reading) -> int:
    """Letters and digits on the pages whose text is not garbled."""
    return sum(
        sum(ch.isalnum() for ch in page.text)
        for page in reading.pages
        if not _looks_garbled(page.text)
    )


def _quality(reading: _Reading) -> int:
    """Clean letters and digits, with a heavy penalty for each garbled character."""
    text = _joined(reading)
    return sum(ch.isalnum() for ch in text) - 10 * _suspicious_chars(text)


_CID = re.compile(r"\(cid:\d+\)")  # pdfminer's mark for a glyph it could not map


def _suspicious_chars(text: str) -> int:
    count = 4 * len(_CID.findall(text))
    for ch in text:
        if ch in "\n\r\t":
            continue
        # Cc control, Co private use, Cn unassigned, and U+FFFD the replacement char:
        # what a font without a usable character map turns into.
        if unicodedata.category(ch) in ("Cc", "Co", "Cn") or ch == "\ufffd":
            count += 1
    return count


def _looks_garbled(text: str) -> bool:
    """Enough visible characters to judge, and too many of them suspicious."""
    visible = sum(not ch.isspace() for ch in text)
    return visible >= _MIN_TEXT_CHARS and _suspicious_chars(text) > _GARBLED_RATIO * visible


def _describe(error: BaseException) -> str:
    """A short, single-line account of a reader's exception."""
    message = " ".join(str(error).split())[:160]
    return message or type(error).__name__


def _clip(text: str, limits: PdfLimits) -> str:
    return text[: limits.max_chars_per_page]


def _clean_uri(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    uri = value.strip()
    return uri[:_MAX_URI_CHARS] if uri else None


def _unique(uris: Iterator[str | None]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for uri in uris:
        if uri is not None and uri not in seen:
            seen[uri] = None
            if len(seen) >= _MAX_LINKS_PER_PAGE:
                break
    return tuple(seen)


# ---------------------------------------------------------------------------- pypdf


def _read_pypdf(body: bytes, limits: PdfLimits) -> _Reading:
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        decrypted = reader.decrypt("") if reader.is_encrypted else None  # see the docstring
    except (NotImplementedError, DependencyError) as error:
        if b"/Encrypt" in body:  # a security handler or cipher pypdf does not implement
            raise _Unreadable(f"encrypted: cannot be decrypted ({_describe(error)})") from error
        raise
    if decrypted == PasswordType.NOT_DECRYPTED:
        raise _Unreadable(NEEDS_PASSWORD)
    page_count = len(reader.pages)
    pages: list[PageText] = []
    for index in range(min(page_count, limits.max_pages_read)):
        page = reader.pages[index]
        try:
            text = page.extract_text() or ""
        except MemoryError:
            raise
        except Exception:  # one damaged page must not hide the others
            text = ""
        pages.append(PageText(number=index + 1, text=_clip(text, limits), links=_pypdf_links(page)))
    return _Reading(page_count=page_count, pages=tuple(pages))


def _pypdf_links(page: Any) -> tuple[str, ...]:
    """URIs of the page's link annotations (/Annots → /A → /URI)."""
    try:
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if not isinstance(annots, list):
            return ()
        return _unique(_pypdf_uri(annot) for annot in annots[: 10 * _MAX_LINKS_PER_PAGE])
    except MemoryError:
        raise
    except Exception:  # damaged annotations lose the links, not the text
        return ()


def _pypdf_uri(annot: Any) -> str | None:
    try:
        annot = annot.get_object()
        if annot.get("/Subtype") != "/Link":
            return None
        action = annot.get("/A")
        action = action.get_object() if action is not None else None
        if action is None or action.get("/S") != "/URI":
            return None
        uri = action.get("/URI")
        return _clean_uri(uri.get_object() if uri is not None else None)
    except MemoryError:
        raise
    except Exception:
        return None


# ----------------------------------------------------------------------- pdfplumber


def _read_pdfplumber(body: bytes, limits: PdfLimits) -> _Reading:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import resolve1
    from pdfplumber.page import Page

    try:
        pdf = pdfplumber.open(io.BytesIO(body), password="", raise_unicode_errors=False)
    except Exception as error:  # pdfplumber wraps pdfminer's errors in its own
        if isinstance(error, PDFPasswordIncorrect) or any(
            isinstance(arg, PDFPasswordIncorrect) for arg in error.args
        ):
            raise _Unreadable(NEEDS_PASSWORD) from error
        raise
    with pdf:
        # pdf.pages would parse every page of the tree first (seconds for 2,000
        # pages): take only the first ones, as pdfplumber itself builds them.
        pages: list[PageText] = []
        top = 0.0
        first_pages = itertools.islice(PDFPage.create_pages(pdf.doc), limits.max_pages_read)
        for number, pdfminer_page in enumerate(first_pages, 1):
            page = Page(pdf, pdfminer_page, page_number=number, initial_doctop=top)
            top += page.height
            try:
                text = page.extract_text() or ""
            except MemoryError:
                raise
            except Exception:
                text = ""
            pages.append(
                PageText(number=number, text=_clip(text, limits), links=_pdfplumber_links(page))
            )
        declared = resolve1(resolve1(pdf.doc.catalog.get("Pages")) or {}).get("Count")
    page_count = declared if isinstance(declared, int) and declared >= len(pages) else len(pages)
    return _Reading(page_count=page_count, pages=tuple(pages))


def _pdfplumber_links(page: Any) -> tuple[str, ...]:
    try:
        return _unique(_clean_uri(link.get("uri")) for link in page.hyperlinks)
    except MemoryError:
        raise
    except Exception:
        return ()


# ------------------------------------------------------------------- isolated read


def read_pdf_isolated(data: bytes, limits: PdfLimits = PdfLimits()) -> PdfText:
    """`read_pdf` in a child process, bounded in CPU time, wall-clock time and memory.

    Returns ok=False "took longer than N s of CPU time" when the child reaches
    `limits.cpu_seconds`, "took longer than N s" when it overruns the wall-clock
    backstop `limits.timeout_seconds` (it is killed), and "ran out of memory ..." when
    it reaches `limits.max_memory_bytes`. Never raises for bad input.
    """
    return _run_isolated(read_pdf, data, limits)


def _run_isolated(
    reader: Callable[[bytes, PdfLimits], PdfText], data: bytes, limits: PdfLimits
) -> PdfText:
    """Run `reader` in a forked child under `limits`; its outcome comes back by pipe."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(sender, reader, data, limits), daemon=True, name="read_pdf"
    )
    child.start()
    sender.close()  # so that a dead child reads as EOF here
    try:
        if not receiver.poll(limits.timeout_seconds):
            return PdfText(ok=False, reason=f"took longer than {limits.timeout_seconds:g} s")
        try:
            outcome = receiver.recv()
        except Exception:  # EOF or a message cut short: the child died
            child.join(1)
            return PdfText(ok=False, reason=_crash_reason(child.exitcode, limits))
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if outcome == _OUT_OF_MEMORY:
        return PdfText(ok=False, reason=_memory_reason(limits))
    if outcome == _OUT_OF_CPU:
        return PdfText(ok=False, reason=_cpu_reason(limits))
    if isinstance(outcome, PdfText):
        if outcome.reason == OUT_OF_MEMORY:
            return outcome.model_copy(update={"reason": _memory_reason(limits)})
        return outcome
    return PdfText(ok=False, reason="the PDF reader returned nothing usable")


_OUT_OF_MEMORY = "out-of-memory"
_OUT_OF_CPU = "out-of-cpu"


class _CpuExhausted(BaseException):
    """Raised in the child at the soft CPU limit (SIGXCPU).

    A BaseException, so that the readers' many ``except Exception`` (one damaged page
    must not hide the others) let it through, as they do KeyboardInterrupt.
    """


def _on_cpu_limit(signum: int, frame: object) -> None:
    raise _CpuExhausted


def _cpu_reason(limits: PdfLimits) -> str:
    return f"took longer than {math.ceil(limits.cpu_seconds)} s of CPU time"


def _memory_reason(limits: PdfLimits) -> str:
    return f"ran out of memory (limit {limits.max_memory_bytes / _MIB:g} MiB)"


def _crash_reason(exitcode: int | None, limits: PdfLimits) -> str:
    # The kernel ends a child that ignores SIGXCPU with SIGKILL at the hard CPU limit
    # (nothing else here sends SIGKILL to a child that is still being waited for).
    if exitcode is not None and -exitcode in (signal.SIGXCPU, signal.SIGKILL):
        return _cpu_reason(limits)
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the PDF reader crashed ({name})"
    return f"the PDF reader crashed (exit code {exitcode})"


def _child_main(
    sender: multiprocessing.connection.Connection,
    reader: Callable[[bytes, PdfLimits], PdfText],
    data: bytes,
    limits: PdfLimits,
) -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and kills us.
    # A daemon's own SIGTERM handler (inherited through fork) is not ours to run.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # The child's stderr is the daemon's: pypdf's warnings about each damaged file
    # would be noise there without saying which document they concern.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    _cap_address_space(limits.max_memory_bytes)
    _cap_cpu_time(limits.cpu_seconds)
    outcome: object
    try:
        outcome = reader(data, limits)
    except MemoryError:
        outcome = _OUT_OF_MEMORY
    except _CpuExhausted:
        outcome = _OUT_OF_CPU
    except Exception as error:  # a bug of ours, reported rather than lost
        outcome = PdfText(ok=False, reason=f"the PDF reader failed: {_describe(error)}")
    del data
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(_OUT_OF_MEMORY)
    finally:
        sender.close()


def _cap_address_space(allowance: int) -> None:
    """Let this process map at most `allowance` bytes more than it has now.

    A forked child starts with its parent's mappings (a daemon with a thread pool
    easily has hundreds of MiB of reserved stacks and malloc arenas), so the cap is
    counted from there: what the reader may add, the same whoever forked it.
    """
    current = _mapped_bytes()
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = current + allowance
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _cap_cpu_time(seconds: float) -> None:
    """SIGXCPU after `seconds` of CPU (a forked child starts at zero), SIGKILL 1 s later."""
    soft = math.ceil(seconds)
    hard = soft + 1
    _, inherited = resource.getrlimit(resource.RLIMIT_CPU)
    if inherited != resource.RLIM_INFINITY:  # a hard limit can be lowered, never raised
        hard = min(hard, inherited)
        soft = min(soft, hard)
    signal.signal(signal.SIGXCPU, _on_cpu_limit)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _mapped_bytes() -> int:
    """This process's virtual memory size (Linux: the first field of /proc/self/statm)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[0])
        return pages * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def _context() -> multiprocessing.context.ForkContext:
    """Plain fork: the child starts with the readers imported and warm, in ~10 ms.

    Measured alternatives (bench/pdf_extract.md): spawn pays the interpreter start and
    the imports for every document (~0.6 s); forkserver costs 2-10 times fork, and on
    Python 3.11 its children re-execute the main script (CPython ignores the
    ``__main__`` preload), which re-imports a console script's or pytest's modules in
    every child and runs any unguarded top-level code again. Fork's known risk, a
    lock held by another thread at the moment of the fork, is bounded here: CPython
    re-initialises its own locks (imports, logging) in the child, the child only runs
    the readers, and a child that hangs anyway is killed at the timeout.
    """
    # Typed as fork's context: the bench swaps _START_METHOD to compare the others,
    # which offer the same Process and Pipe.
    return cast(multiprocessing.context.ForkContext, multiprocessing.get_context(_START_METHOD))


_START_METHOD = "fork"
