"""The judging of what a PDF reader got out of a file: pure, no library, no process.

Every reader (`intake.edges.pdf.engines`) returns a `Reading`: the pages it read, with
their text and link URIs, and the page count. This module decides what the readings
are worth: whether a page's text is garbled (fonts without a character map), whether a
reading has enough clean text to be used, which of several readings is the best, and
the plain-English reason when none is usable. It never looks at bytes, so it can be
tested with hand-written strings, and it is the same whichever library did the reading.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from intake.core.model import PageText, PdfText

NEEDS_PASSWORD = "encrypted: needs a password"
NO_TEXT_LAYER = "no text layer (scanned image without OCR?)"
NO_PAGES = "no pages"
GARBLED = "garbled text (fonts without a character map?)"
NOT_A_PDF = "not a PDF (no %PDF- header in its first 1024 bytes)"
OUT_OF_MEMORY = "ran out of memory"
CORRUPT = "corrupt or truncated: "

# A page whose text is only a scanner's stamp or a page number is still a scan: below
# this many letters and digits in all the pages read, there is no usable text layer.
MIN_TEXT_CHARS = 20
# Text with more than this share of suspicious characters is garbled (a font without
# a usable ToUnicode map); the other reader then gets a try.
GARBLED_RATIO = 0.10
# Bounds on what one page's annotations may contribute (a crafted page can hold
# thousands of links or megabyte-long URIs).
MAX_LINKS_PER_PAGE = 200
MAX_URI_CHARS = 2048


class Unreadable(Exception):
    """A reader's verdict that the file cannot be read at all, with the reason to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Reading:
    """What one reader got out of the file (or out of a repaired copy of it)."""

    page_count: int
    pages: tuple[PageText, ...]
    repaired: bool = False


def verdict(readings: Sequence[Reading]) -> PdfText:
    """The best of the readings, or the reason why even the best is not usable.

    A usable reading first, then one that found pages, then the cleaner text; the
    first of equals (the primary reader's) on a tie.
    """
    best = max(readings, key=lambda r: (usable(r), r.page_count > 0, quality(r)))
    if best.page_count == 0:
        return PdfText(ok=False, reason=NO_PAGES)
    damaged = CORRUPT if best.repaired else ""
    if usable(best):
        reason = None
    elif any(looks_garbled(page.text) for page in best.pages):
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


def usable(reading: Reading) -> bool:
    """Enough clean text: one garbled page (a logo's font) does not spoil the others."""
    return reading.page_count > 0 and clean_text_chars(reading) >= MIN_TEXT_CHARS


def clean_text_chars(reading: Reading) -> int:
    """Letters and digits on the pages whose text is not garbled."""
    return sum(alnum_count(page.text) for page in reading.pages if not looks_garbled(page.text))


def quality(reading: Reading) -> int:
    """Clean letters and digits, with a heavy penalty for each garbled character."""
    text = "".join(page.text for page in reading.pages)
    return alnum_count(text) - 10 * suspicious_chars(text)


# These run on every page of every PDF: regular expressions, not loops over characters
# (a printed NEF page is ~2,000 characters; a loop costs milliseconds a page).
_CID = re.compile(r"\(cid:\d+\)")  # pdfminer's mark for a glyph it could not map
_ALNUM = re.compile(r"[^\W_]")  # letters and digits
_SPACE = re.compile(r"\s")
# C0/C1 controls but tab and line ends, private use, U+FFFD the replacement character.
_SUSPICIOUS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


# ASCII's letters and digits are what `_ALNUM` matches there; every other byte is deleted.
_NOT_ASCII_ALNUM = bytes(b for b in range(256) if not (b < 128 and chr(b).isalnum()))


def alnum_count(text: str) -> int:
    """Letters and digits (`_ALNUM`). An ASCII text (a printed notice's, a letter's) is
    counted by deleting its other bytes, ~50 times faster than the regular expression's
    list of matches; that runs several times on every page read."""
    if text.isascii():
        return len(text.encode("ascii").translate(None, _NOT_ASCII_ALNUM))
    return len(_ALNUM.findall(text))


@functools.lru_cache(maxsize=256)
def suspicious_chars(text: str) -> int:
    """Characters a font without a usable character map turns into (Cc control, Co
    private use, Cn unassigned, U+FFFD), pdfminer's (cid:N) marks counting four each."""
    count = 4 * len(_CID.findall(text)) + len(_SUSPICIOUS.findall(text))
    # Unassigned code points have no pattern: look at the non-ASCII characters alone.
    count += sum(unicodedata.category(ch) == "Cn" for ch in _NON_ASCII.findall(text))
    return count


@functools.lru_cache(maxsize=256)
def looks_garbled(text: str) -> bool:
    """Enough visible characters to judge, and too many of them suspicious."""
    visible = len(text) - len(_SPACE.findall(text))
    return visible >= MIN_TEXT_CHARS and suspicious_chars(text) > GARBLED_RATIO * visible


def describe(error: BaseException) -> str:
    """A short, single-line account of a reader's exception."""
    message = " ".join(str(error).split())[:160]
    return message or type(error).__name__


def clean_uri(value: object) -> str | None:
    """A link annotation's URI as text, bounded; None when there is none."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return None
    uri = value.strip()
    return uri[:MAX_URI_CHARS] if uri else None


def unique_links(uris: Iterable[str | None]) -> tuple[str, ...]:
    """The distinct URIs in order of first appearance, at most MAX_LINKS_PER_PAGE."""
    seen: dict[str, None] = {}
    for uri in uris:
        if uri is not None and uri not in seen:
            seen[uri] = None
            if len(seen) >= MAX_LINKS_PER_PAGE:
                break
    return tuple(seen)
