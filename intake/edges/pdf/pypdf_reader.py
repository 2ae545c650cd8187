"""The pypdf reader: a second parser, for the files PDFium cannot open or read.

It stays because it measurably reads files that PDFium does not: a file whose end
(trailer and cross-reference table) was cut off is given a fresh trailer naming its
catalog (`with_new_trailer`), and pypdf then rebuilds the table from the objects that
remain. Pure Python: a crafted file can make it spin or allocate far beyond its size,
so it runs only inside a sandboxed reader process, like PDFium.
"""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError

from intake.core.model import PageText
from intake.edges.pdf.interface import PdfLimits
from intake.edges.pdf.judge import (
    MAX_LINKS_PER_PAGE,
    NEEDS_PASSWORD,
    Reading,
    Unreadable,
    clean_uri,
    describe,
    unique_links,
)


def read(body: bytes, limits: PdfLimits) -> Reading:
    """The `interface.PageReader` for pypdf."""
    try:
        reader = PdfReader(io.BytesIO(body), strict=False)
        # An empty user password (a "secured" PDF that only restricts printing or
        # copying) is read, as every viewer opens it without asking.
        decrypted = reader.decrypt("") if reader.is_encrypted else None
    except (NotImplementedError, DependencyError) as error:
        if b"/Encrypt" in body:  # a security handler or cipher pypdf does not implement
            raise Unreadable(f"encrypted: cannot be decrypted ({describe(error)})") from error
        raise
    if decrypted == PasswordType.NOT_DECRYPTED:
        raise Unreadable(NEEDS_PASSWORD)
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
        pages.append(
            PageText(number=index + 1, text=text[: limits.max_chars_per_page], links=_links(page))
        )
    return Reading(page_count=page_count, pages=tuple(pages))


def read_repaired(body: bytes, limits: PdfLimits) -> Reading:
    """`read` on a copy of a damaged file with a fresh trailer (raises when none can be made)."""
    repaired = with_new_trailer(body)
    if repaired is None:
        raise ValueError("no catalog found to repair the file with")
    reading = read(repaired, limits)
    return Reading(reading.page_count, reading.pages, repaired=True)


def _links(page: Any) -> tuple[str, ...]:
    """URIs of the page's link annotations (/Annots → /A → /URI)."""
    try:
        annots = page.get("/Annots")
        annots = annots.get_object() if annots is not None else None
        if not isinstance(annots, list):
            return ()
        return unique_links(_uri(annot) for annot in annots[: 10 * MAX_LINKS_PER_PAGE])
    except MemoryError:
        raise
    except Exception:  # damaged annotations lose the links, not the text
        return ()


def _uri(annot: Any) -> str | None:
    try:
        annot = annot.get_object()
        if annot.get("/Subtype") != "/Link":
            return None
        action = annot.get("/A")
        action = action.get_object() if action is not None else None
        if action is None or action.get("/S") != "/URI":
            return None
        uri = action.get("/URI")
        return clean_uri(uri.get_object() if uri is not None else None)
    except MemoryError:
        raise
    except Exception:
        return None


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


def with_new_trailer(body: bytes) -> bytes | None:
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
