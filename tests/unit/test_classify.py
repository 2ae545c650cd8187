"""The pure classifier: an attachment and its PDF's text, read by the caller, in;
a `Document` out. It reads nothing itself (the service layer reads PDFs)."""

from __future__ import annotations

import pytest

from fixtures.nefs import example_nef
from fixtures.pdfs import nef_pdf
from intake.core.documents.classify import document_of, needs_text, pdfs_to_read
from intake.core.model import Attachment, DocumentKind, Envelope, PageText, PdfText
from intake.core.policy.rules import Rules, load_rules

PDF = nef_pdf(example_nef())


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def attach(name: str, data: bytes, *, truncated: bool = False) -> Attachment:
    return Attachment(
        filename=name,
        declared_type="application/pdf",
        data=b"" if truncated else data,
        size=len(data),
        truncated=truncated,
    )


def test_only_pdfs_within_the_bound_need_their_text_read() -> None:
    pdf, text, big = (
        attach("a.pdf", PDF),
        attach("b.txt", b"hello"),
        attach("c.pdf", PDF, truncated=True),
    )
    envelope = Envelope(
        message_id=None, sender_address=None, sender_name=None, attachments=(pdf, text, big)
    )
    assert [needs_text(a) for a in (pdf, text, big)] == [True, False, False]
    assert pdfs_to_read(envelope) == [pdf]


def test_what_needs_no_text_is_decided_without_any(rules: Rules) -> None:
    not_pdf = document_of(attach("photo.txt", b"plain words"), rules, None)
    assert not_pdf.kind is DocumentKind.NOT_PDF
    oversize = document_of(attach("huge.pdf", PDF * 3, truncated=True), rules, None)
    assert (oversize.kind, oversize.oversize) == (DocumentKind.UNREADABLE, True)
    assert "past the size limit" in (oversize.reason or "")


def test_the_text_given_decides_the_kind(rules: Rules) -> None:
    unreadable = PdfText(ok=False, reason="encrypted: needs a password")
    document = document_of(attach("locked.pdf", PDF), rules, unreadable)
    assert (document.kind, document.reason) == (DocumentKind.UNREADABLE, unreadable.reason)
    words = PdfText(
        ok=True,
        page_count=1,
        pages=(PageText(number=1, text="A shopping list: eggs, milk, bread, butter."),),
    )
    assert document_of(attach("list.pdf", PDF), rules, words).kind is DocumentKind.OTHER


def test_a_pdf_without_its_text_is_the_callers_mistake(rules: Rules) -> None:
    with pytest.raises(ValueError, match="must be read first"):
        document_of(attach("a.pdf", PDF), rules, None)
