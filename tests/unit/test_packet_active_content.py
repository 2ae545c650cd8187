"""The clerks' packet: nothing in it runs, launches or submits; a page bomb is cut."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from pypdf import PdfReader

from fixtures import attacks
from intake.core.model import Document, DocumentKind
from intake.core.policy.assess import assess
from intake.core.policy.rules import load_rules
from intake.core.summary import packet
from intake.core.summary.packet import MAX_PAGES_PER_DOCUMENT, build_packet
from intake.core.summary.view import RequestFacts, SummaryView, build_summary

UTC = dt.UTC


def view_for_packet(docs: list[Document]) -> SummaryView:
    rules = load_rules()
    when = dt.datetime(2026, 11, 16, 9, 30, tzinfo=UTC)
    facts = RequestFacts("R-1", "Jane Doe", "jane@law.example", when, when)
    return build_summary(
        facts, assess(docs, "Jane Doe", rules), docs, generated_at=when, rules=rules
    )


def _doc(name: str, data: bytes, kind: DocumentKind = DocumentKind.OTHER) -> Document:
    return Document(
        filename=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), kind=kind
    )


def test_scripts_actions_and_javascript_links_are_stripped_and_web_links_kept() -> None:
    data = attacks.active_content_pdf()
    doc = _doc("exhibit.pdf", data)
    built = build_packet(view_for_packet([doc]), [doc], {doc.sha256: data})
    # The page action, the javascript: and Launch links, the script chained after a link
    # (the source catalog's opening action and named scripts are never copied).
    assert built.active_content_removed == 4
    for name in (b"/JavaScript", b"/JS", b"/Launch", b"/OpenAction", b"/AA", b"javascript:"):
        assert name not in built.pdf, name
    reader = PdfReader(io.BytesIO(built.pdf))
    annotations = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    uris = [a["/A"]["/URI"] for a in annotations if "/A" in a]
    assert uris == ["https://ecf.cob.uscourts.gov/cgi-bin/DktRpt.pl?1"]
    assert "Exhibit A" in reader.pages[-1].extract_text()


def test_a_document_is_merged_up_to_the_page_cap() -> None:
    data = attacks.page_bomb_pdf(branching=10, depth=3)  # 1,000 pages declared
    doc = _doc("bomb.pdf", data, DocumentKind.UNREADABLE)
    built = build_packet(view_for_packet([doc]), [doc], {doc.sha256: data})
    merged = {m.filename: m for m in built.merged}
    if "bomb.pdf" in merged:
        assert merged["bomb.pdf"].pages == MAX_PAGES_PER_DOCUMENT
        assert merged["bomb.pdf"].total_pages == 1000
        reader = PdfReader(io.BytesIO(built.pdf))
        assert len(reader.pages) == built.cover_pages + MAX_PAGES_PER_DOCUMENT
    else:  # pypdf refused the tree outright: left out, with the reason on the cover
        assert [s.filename for s in built.skipped] == ["bomb.pdf"]
    assert packet.MAX_PAGES_PER_DOCUMENT < 1000


def test_when_nothing_can_be_merged_the_cover_says_why() -> None:
    data = attacks.active_content_pdf()
    doc = _doc("exhibit.pdf", data)
    built = build_packet(view_for_packet([doc]), [doc], {}, "the packet could not be made")
    assert built.merged == () and built.skipped[0].reason == "the packet could not be made"
