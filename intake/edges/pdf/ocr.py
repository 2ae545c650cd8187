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
- **Confidence** is Tesseract's mean word confidence for the page, as 0-1, and each
  word's own: the letter reader judges a statement by the words that make it (a pen
  signature or a logo read as junk does not make the page's statements doubtful).
  Below the policy's bounds a reading is `unclear`: the request goes to a clerk.

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
    # Each word's confidence, 0-1, in the order of `text.split()` (empty when Tesseract's
    # words do not line up with the text's).
    words: tuple[float, ...] = ()
    # The lines of `text` (indexes in `text.splitlines()`) with a pen stroke over them:
    # ink OCR read as no words, taller than a rule (`_inked_lines`).
    inked: tuple[int, ...] = ()


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


# The pronoun "I" misread at a statement's start, as a letter alike ("l", "1", "[", "L",
# "T") or fused with the verb after it ("Iam", "lama", "Ihave", "Lunderstand"): written
# back as "I" and the words it stands for, each word keeping the fused word's confidence.
_VERBS = (
    "have|will|understand|acknowledge|certify|agree|declare|confirm|know|hereby|affirm|"
    "represent|qualify|accept|attest"
)
_LONE_I = re.compile(rf"(?<!\S)[l1\[L](?=[ \t]+(?:am|{_VERBS})\b)")
_FUSED_I = re.compile(rf"^(?:[Il1|\[](am|ama|aman|{_VERBS})|[LT]({_VERBS}))$")
_FUSED_SPLIT = {"ama": "am a", "aman": "am an"}


def _cleaned(text: str, words: tuple[float, ...] = ()) -> tuple[str, tuple[float, ...]]:
    """OCR's text with its commonest misreadings of "I" mended, and the words'
    confidences (`words`, one per word of `text`) kept in line with its words."""
    text = _LONE_I.sub("I", _BAR_FOR_I.sub("I", text))
    confidences = list(words)
    out: list[float] = []
    index = 0

    def mend(match: re.Match[str]) -> str:
        nonlocal index
        word = match.group(0)
        confidence = confidences[index] if index < len(confidences) else 0.0
        index += 1
        fused = _FUSED_I.match(word)
        mended = (
            "I " + _FUSED_SPLIT.get(rest := fused.group(1) or fused.group(2), rest)
            if fused
            else word
        )
        out.extend([confidence] * len(mended.split()))
        return mended

    mended = re.sub(r"\S+", mend, text)
    return mended, tuple(out) if len(words) == index else ()


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
        raw = str(engine.GetUTF8Text() or "")
        confidence = max(0, int(engine.MeanTextConf())) / 100 if raw.strip() else 0.0
        found = _word_confidences(engine)
        inked = _inked_lines(engine, image, raw)
        engine.Clear()
        text, words = _cleaned(raw, found if len(found) == len(raw.split()) else ())
        words = words if len(words) == len(text.split()) else ()
        return OcrPage(number, text, confidence, words, inked)


# A pen stroke in the gap over a text line: this many dark pixels, over this many pixel
# rows (at 300 dpi, about 1.3 mm: a drawn rule or a speckle is thinner), measured on the
# own and dev scans (a signature 24-68 rows and 490-3,100 pixels, a rule 4 rows).
_STROKE_PIXELS = 300
_STROKE_ROWS = 15
_DARK = 110  # a grey level under this is ink


def _inked_lines(engine: Any, image: Any, raw: str) -> tuple[int, ...]:
    """The indexes in `raw.splitlines()` of the lines with a pen stroke in the gap over
    them (ink that OCR found no line in: a hand signature over a typed name)."""
    import tesserocr

    level = tesserocr.RIL.TEXTLINE
    iterator = engine.GetIterator()
    if iterator is None:
        return ()
    found: list[tuple[str, int, int]] = []  # text, top, bottom
    for line in tesserocr.iterate_level(iterator, level):
        box = line.BoundingBox(level)
        if box:
            found.append(((line.GetUTF8Text(level) or "").strip(), box[1], box[3]))
    dark = image.point(lambda v: 255 if v < _DARK else 0)
    raw_lines = [t.strip() for t in raw.splitlines()]
    out: list[int] = []
    cursor = 0
    above = 0
    for text, top, bottom in found:
        at = next((i for i in range(cursor, len(raw_lines)) if raw_lines[i] == text), None)
        gap = (above + 2, top - 2)
        above = max(above, bottom)
        if at is None:
            continue
        cursor = at + 1
        if gap[1] - gap[0] < _STROKE_ROWS:
            continue
        band = dark.crop((0, gap[0], dark.width, gap[1]))
        if band.histogram()[255] < _STROKE_PIXELS:
            continue
        data, width = band.tobytes(), band.width
        inked_rows = sum(
            1 for row in range(band.height) if data[row * width : (row + 1) * width].count(255) > 6
        )
        if inked_rows >= _STROKE_ROWS:
            out.append(at)
    return tuple(out)


def _word_confidences(engine: Any) -> tuple[float, ...]:
    """Each word's confidence, 0-1, once per word of the text as `split()` cuts it
    (Tesseract also counts a blank as a word, and may hold two in one)."""
    import tesserocr

    level = tesserocr.RIL.WORD
    out: list[float] = []
    iterator = engine.GetIterator()
    if iterator is None:
        return ()
    for word in tesserocr.iterate_level(iterator, level):
        text = word.GetUTF8Text(level) or ""
        out.extend([max(0.0, float(word.Confidence(level))) / 100] * len(text.split()))
    return tuple(out)
