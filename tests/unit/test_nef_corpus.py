"""The NEF corpus itself is well formed: unique ids, valid labels that agree with the text of
their PDFs, PDFs that open with the stated page count, scans without any text, determinism.

It says nothing of how well intake reads the corpus: bench/nef_accuracy.py measures that.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from fixtures.nef_corpus import NefCase, cases
from fixtures.nef_corpus.builder import Builder
from fixtures.nef_corpus.groups import scans, several_in_one
from fixtures.nef_corpus.model import COURT_TYPES, KINDS, NOTICE_TYPES

PACKAGE = Path(__file__).resolve().parents[2] / "fixtures" / "nef_corpus"


@pytest.fixture(scope="module")
def corpus() -> list[NefCase]:
    return cases()


def _pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_corpus_is_big_and_covers_the_shapes(corpus: list[NefCase]) -> None:
    assert len(corpus) >= 120
    tags = Counter(tag for c in corpus for tag in c.styles)
    assert sum(c.label.scanned for c in corpus) >= 10
    for tag in (
        "browser", "outlook", "text", "webmail", "classic", "nextgen", "us-abbrev",
        "united-states", "reversed-district", "district", "docket-activity", "bap", "jpml",
        "court-mail", "multi-case", "adversary", "claims", "petition", "six", "two-per-page",
        "two-up", "with-document", "merged", "scanned", "banner", "names", "odd-case-number",
        "printer-furniture", "own-court", "excluded-court",
    ):  # fmt: skip
        assert tags[tag] >= 1, tag
    courts = {n.court_id for c in corpus for n in c.label.notices}
    assert len(courts) >= 50
    several = [c for c in corpus if len(c.label.notices) >= 6]
    assert several and any(len(c.label.notices) == 6 for c in several)


def test_ids_unique_and_named(corpus: list[NefCase]) -> None:
    ids = [c.id for c in corpus]
    assert len(ids) == len(set(ids))
    for c in corpus:
        assert re.fullmatch(r"nef-\d{3}-[a-z0-9-]+", c.id), c.id
        assert c.filename.lower().endswith(".pdf") and "/" not in c.filename
        assert c.styles and len(c.styles) == len(set(c.styles))


def test_labels_valid(corpus: list[NefCase]) -> None:
    for c in corpus:
        label = c.label
        assert label.kind in KINDS
        assert (label.kind == "nef") == bool(label.notices), c.id
        for notice in label.notices:
            assert notice.court_type in COURT_TYPES
            assert notice.notice_type in NOTICE_TYPES
            assert notice.court_id is None or re.fullmatch(r"[a-z]+[0-9]*", notice.court_id)
            assert (notice.court_id is None) == (notice.court_type == "unknown"), c.id
            for case in notice.cases:
                if notice.notice_type == "claims_filing":
                    assert case.claim_number and not case.document_number, c.id
                else:
                    assert not case.claim_number, c.id
        firsts = [n.pages[0] for n in label.notices]
        assert firsts == sorted(firsts), c.id


def test_pdfs_open_with_the_stated_page_count(corpus: list[NefCase]) -> None:
    for c in corpus:
        if c.label.page_count is None:
            assert c.label.kind == "unreadable", c.id
            with pytest.raises((PdfReadError, ValueError, KeyError, OSError)):
                reader = PdfReader(io.BytesIO(c.pdf))
                if reader.is_encrypted:
                    raise PdfReadError("encrypted")
                _ = [page.extract_text() for page in reader.pages]
                if not c.pdf.rstrip().endswith(b"%%EOF"):
                    raise PdfReadError("truncated")
            continue
        assert c.pdf.startswith(b"%PDF-"), c.id
        assert len(PdfReader(io.BytesIO(c.pdf)).pages) == c.label.page_count, c.id


def test_scans_have_no_text_and_prints_do(corpus: list[NefCase]) -> None:
    for c in corpus:
        if c.label.page_count is None:
            continue
        pages = _pages_text(c.pdf)
        if c.label.scanned:
            assert all(not p.strip() for p in pages), c.id
            assert "scanned" in c.styles
        else:
            assert all(p.strip() for p in pages), c.id


def test_labels_agree_with_the_text_of_their_pages(corpus: list[NefCase]) -> None:
    """Each notice's case numbers and filer are printed within its page range."""
    for c in corpus:
        if c.label.scanned or not c.label.notices:
            continue
        pages = _pages_text(c.pdf)
        for notice in c.label.notices:
            first, last = notice.pages
            text = _flat(" ".join(pages[first - 1 : last]))
            for case in notice.cases:
                assert case.case_number in text, (c.id, case.case_number)
                for number in (case.document_number, case.claim_number):
                    if number:
                        assert re.search(rf"(?<![0-9]){re.escape(number)}(?![0-9])", text), (
                            c.id,
                            number,
                        )
            if notice.filer:
                assert notice.filer in text, (c.id, notice.filer)


def test_generation_is_deterministic(corpus: list[NefCase]) -> None:
    """Building groups again gives the same bytes (scans and multi-notice prints included)."""
    by_id = {c.id.split("-", 2)[2]: c for c in corpus}
    for group in (scans, several_in_one):
        again = Builder()
        group(again)
        for case in again.cases:
            slug = case.id.split("-", 2)[2]
            assert case.pdf == by_id[slug].pdf, slug
            assert case.label == by_id[slug].label, slug


def test_corpus_never_imports_intake() -> None:
    """The corpus is written as a stranger would: it may not lean on the reader's code."""
    for path in PACKAGE.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(from|import)\s+intake\b", source, re.M), path.name
