"""OCR for the pages of a PDF that have no text layer: a letter signed by hand and
scanned, a notice printed and scanned back.

One narrow call, `PageOcr(max_pages).read(page, number)`, made by the PDFium reader
(`pdfium_reader.page_text`) inside its sandboxed reader process for each page whose
text layer is too thin (`needs_ocr`), so that rendering (PDFium) and recognition
(Tesseract) run under that process's CPU-time and memory bounds like every other parse
of bytes from outside.

Choices, by measurement (bench/ocr.md):
- **Tesseract through tesserocr** (its C API in process) rather than pytesseract (a
  `tesseract` process per page, the page passed as an image file): on this 2-core
  machine a printed-and-scanned NEF page costs about 1.1 s of CPU with tesserocr at
  300 dpi, and pytesseract took 4-10 times as long in wall time for the same text; an
  in-process call is also bounded by the reader child's RLIMIT_CPU and RLIMIT_AS,
  which a separate process escapes. The language data is Debian's `tesseract-ocr-eng`
  (installed with `tesseract-ocr`; found in the usual tessdata folders or
  `$TESSDATA_PREFIX`).
- **300 dpi**, the resolution office scanners use for text; a page larger than a
  legal sheet is rendered smaller, never past `max_pixels`.
- **At most `max_pages` pages** a document (a notice is 1-4 pages, a letter 1-3): OCR
  is the most expensive step of reading, and six notices scanned into one file are
  within the bound.
- **Confidence** is Tesseract's mean word confidence for the page, as 0-1. Below the
  policy's bound a reading is `unclear`: the request goes to a clerk.

Without tesserocr or the language data the project still works: pages without text are
reported as before ("no text layer"), and `intake config check` says OCR is off.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["OcrPage", "PageOcr", "needs_ocr", "ocr_status"]

# Where Debian (and other systems) keep Tesseract's language data.
_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)


@dataclass(frozen=True)
class OcrPage:
    number: int  # 1-based
    text: str
    confidence: float  # 0-1, Tesseract's mean word confidence


@dataclass(frozen=True)
class OcrStatus:
    available: bool
    detail: str  # what is used, or why OCR is off and how to turn it on


# A page whose text layer holds fewer letters and digits than this is read by OCR: a
# scan, or a scan carrying only a scanner's stamp or a page number as text.
OCR_BELOW_CHARS = 60
DPI = 300  # what office scanners use for text
MAX_PIXELS = 16_000_000  # a 300 dpi legal page is about 12.6 million
LANGUAGE = "eng"


# Tesseract's commonest misreading of a printed page: the pronoun "I" as a bar ("| have
# read the Electronic Case Filing Procedures"). A bar standing alone as a word is an I.
_BAR_FOR_I = re.compile(r"(?<![^\s(\"'“‘])\|(?=[ \t]+[A-Za-z])")


def _cleaned(text: str) -> str:
    return _BAR_FOR_I.sub("I", text)


def needs_ocr(text: str) -> bool:
    """True when a page's text layer is too thin to be the page's text."""
    from intake.edges.pdf.judge import alnum_count  # this runs on every page read: fast

    return alnum_count(text) < OCR_BELOW_CHARS


def _tessdata(language: str) -> Path | None:
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *_TESSDATA_DIRS]
    for folder in candidates:
        if folder and (Path(folder) / f"{language}.traineddata").is_file():
            return Path(folder)
    return None


@cache
def ocr_status(language: str = LANGUAGE) -> OcrStatus:
    """Whether OCR can run here, and what with (or why not). Cached: checked once."""
    try:
        import tesserocr
    except ImportError:
        return OcrStatus(False, "the tesserocr package is not installed (pip install tesserocr)")
    data = _tessdata(language)
    if data is None:
        return OcrStatus(
            False,
            f"no Tesseract language data for {language!r} "
            "(install Debian's tesseract-ocr, or set TESSDATA_PREFIX)",
        )
    version = str(tesserocr.tesseract_version()).splitlines()[0].strip()
    return OcrStatus(True, f"{version} through tesserocr, {language} data in {data}")


@cache
def _engine(language: str) -> Any:
    """One Tesseract per reader process (its model loads in about 0.15 s), kept for the
    process's later reads."""
    import tesserocr

    return tesserocr.PyTessBaseAPI(path=str(_tessdata(language)), lang=language)


class PageOcr:
    """The OCR of one document: at most `max_pages` of its pages are read."""

    def __init__(self, max_pages: int, language: str = LANGUAGE) -> None:
        self.left = max_pages
        self.language = language

    def read(self, page: Any, number: int) -> OcrPage | None:
        """The text of an open pypdfium2 page (`number` 1-based), or None when OCR is
        off here or the document's budget of pages is spent. Raises what PDFium or
        Tesseract raise on a broken page (the caller treats it as a reader failure)."""
        if self.left <= 0 or not ocr_status(self.language).available:
            return None
        self.left -= 1
        width, height = page.get_size()
        scale = DPI / 72
        pixels = width * scale * height * scale
        if pixels > MAX_PIXELS:
            scale *= (MAX_PIXELS / pixels) ** 0.5
        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        engine = _engine(self.language)
        engine.SetImage(image)
        text = _cleaned(str(engine.GetUTF8Text() or ""))
        confidence = max(0, int(engine.MeanTextConf())) / 100 if text.strip() else 0.0
        engine.Clear()
        return OcrPage(number, text, confidence)
