"""Pages without a text layer read by OCR (Tesseract through tesserocr), in the sandboxed
reader, marked as OCR with their confidence; an unclear reading goes to a clerk.

These run the real Tesseract (Debian's tesseract-ocr, installed by scripts/test.sh).
Without it they are skipped with the reason; under CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os

import pytest

from fixtures.letters import example_letter
from fixtures.nefs import EXAMPLE_ATTORNEY, example_nef
from fixtures.pdfs import combined_pdf, letter_pdf, nef_pdf, scan_of, scanned_pdf
from intake.core.documents.classify import document_of
from intake.core.model import Attachment, DocumentKind, Status
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.edges.pdf.interface import PdfLimits
from intake.edges.pdf.ocr import ocr_status
from intake.edges.pdf.reader import read_pdf, read_pdf_isolated
from intake.service.documents import read_document


@pytest.fixture(scope="module", autouse=True)
def _tesseract() -> None:
    status = ocr_status()
    if status.available:
        return
    if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
        pytest.fail(f"CI must run the OCR tests, but {status.detail}", pytrace=False)
    pytest.skip(f"OCR is not available: {status.detail}")


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def attach(name: str, data: bytes) -> Attachment:
    return Attachment(filename=name, declared_type="application/pdf", data=data, size=len(data))


def test_a_scanned_nef_is_read_by_ocr_in_the_sandbox_and_counts(rules: Rules) -> None:
    scan = scan_of(nef_pdf(example_nef("njb"), "outlook"))
    pdf = read_pdf_isolated(scan)
    assert pdf.ok
    assert [p.source for p in pdf.pages] == ["ocr"]
    assert (pdf.pages[0].confidence or 0) >= rules.nef.ocr_min_confidence
    document = document_of(attach("scan.pdf", scan), rules, pdf)
    assert document.kind is DocumentKind.NEF
    nef = document.nefs[0]
    assert (nef.court_id, nef.cases[0].case_number, nef.cases[0].document_number) == (
        "njb",
        "24-11562-TBM",
        "27",
    )
    assert nef.ocr_confidence == pdf.pages[0].confidence
    assert nef.court_evidence and all(e.source == "ocr" for e in nef.court_evidence)
    assert all(e.confidence == nef.ocr_confidence for e in nef.court_evidence)
    result = assess([document], EXAMPLE_ATTORNEY.full, rules)
    assert result.verdicts_for(0)[0].counts


def test_a_letter_signed_by_hand_and_scanned_is_read(rules: Rules) -> None:
    letter = example_letter(signature="block")  # a signature line
    document = read_document(attach("signed letter.pdf", scan_of(letter_pdf(letter))), rules)
    assert document.kind is DocumentKind.LETTER
    assert document.letter is not None
    assert document.letter.signed
    assert document.letter.attorney_name is not None
    assert "Doe" in document.letter.attorney_name
    assert [a.id for a in document.letter.affirmations if not a.found] == []
    evidence = [a.evidence for a in document.letter.affirmations if a.evidence]
    assert evidence and all(e.source == "ocr" and e.confidence for e in evidence)


def test_six_notices_scanned_into_one_file_are_six(rules: Rules) -> None:
    notices = [
        nef_pdf(example_nef(court, case_number=f"24-1{n}562", file_number=48770100 + n))
        for n, court in enumerate(("cob", "njb", "txnb"))
    ]
    scan = scan_of(combined_pdf(notices))
    document = read_document(attach("NEFs scanned.pdf", scan), rules)
    assert [(n.court_id, n.pages) for n in document.nefs] == [
        ("cob", (1, 1)),
        ("njb", (2, 2)),
        ("txnb", (3, 3)),
    ]


def test_a_poor_scan_is_unclear_and_goes_to_a_clerk(rules: Rules) -> None:
    # A fax-like scan: 75 dpi, heavy JPEG, tilted two degrees, the sixth notice of a
    # request whose letter and other five notices are in order: it decides.
    scan = scan_of(nef_pdf(example_nef(), "text"), dpi=75, quality=20, tilt=2.0)
    document = read_document(attach("fax.pdf", scan), rules)
    if document.kind is DocumentKind.NEF:
        assert document.nefs[0].ocr_confidence is not None
    else:
        assert document.kind is DocumentKind.UNREADABLE
        assert (document.reason or "").startswith("unclear scan")
    letter = read_document(attach("letter.pdf", letter_pdf(example_letter())), rules)
    five = [
        read_document(
            attach(f"NEF {n}.pdf", nef_pdf(example_nef(court, case_number=f"24-2{n}001"))), rules
        )
        for n, court in enumerate(("njb", "txnb", "mab", "azb", "ilnb"))
    ]
    result = assess([letter, *five, document], None, rules)
    assert result.qualifying_nefs == 5
    if document.kind is DocumentKind.NEF:
        assert result.verdicts_for(6)[0].reasons == ("ocr_unclear",)
    assert result.status is Status.NEEDS_REVIEW


def test_without_ocr_a_scan_has_no_text_layer() -> None:
    scan = scan_of(nef_pdf(example_nef()))
    pdf = read_pdf(scan, PdfLimits(ocr=False))
    assert not pdf.ok
    assert (pdf.reason or "").startswith("no text layer")


def test_ocr_reads_at_most_the_bound_of_pages() -> None:
    pdf = read_pdf(scanned_pdf(3, pages=4), PdfLimits(ocr_max_pages=2))
    assert [p.source for p in pdf.pages].count("ocr") <= 2
    assert len(pdf.pages) == 4


def test_a_pdf_with_text_is_never_ocrd() -> None:
    pdf = read_pdf(nef_pdf(example_nef()))
    assert pdf.ok
    assert all(p.source == "text" and p.confidence is None for p in pdf.pages)
