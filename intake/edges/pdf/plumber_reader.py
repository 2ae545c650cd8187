"""The pdfplumber reader (pdfminer): a third parser with its own recovery, last resort.

Slow (135-480 ms a page) and it glues "Document Number:2" on browser prints, so it
reads only when PDFium and pypdf found nothing usable.
"""

from __future__ import annotations

import io
import itertools
from typing import Any

from intake.core.model import PageText
from intake.edges.pdf.interface import PdfLimits
from intake.edges.pdf.judge import NEEDS_PASSWORD, Reading, Unreadable, clean_uri, unique_links


def read(body: bytes, limits: PdfLimits) -> Reading:
    """The `interface.PageReader` for pdfplumber."""
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
            raise Unreadable(NEEDS_PASSWORD) from error
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
                PageText(number=number, text=text[: limits.max_chars_per_page], links=_links(page))
            )
        declared = resolve1(resolve1(pdf.doc.catalog.get("Pages")) or {}).get("Count")
    page_count = declared if isinstance(declared, int) and declared >= len(pages) else len(pages)
    return Reading(page_count=page_count, pages=tuple(pages))


def _links(page: Any) -> tuple[str, ...]:
    try:
        return unique_links(clean_uri(link.get("uri")) for link in page.hyperlinks)
    except MemoryError:
        raise
    except Exception:
        return ()
