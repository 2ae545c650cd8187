"""The clerk's summary: the HTML page, the PDF packet (cover + documents), index and digest."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import io
import itertools
import re
from email.message import EmailMessage

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

from intake.core.model import (
    Affirmation,
    AffirmationState,
    Assessment,
    CourtType,
    Document,
    DocumentKind,
    Evidence,
    LetterFacts,
    NefCase,
    NefFacts,
    NoticeType,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.summary.mail import digest_message, summary_message
from intake.core.summary.packet import build_packet
from intake.core.summary.pages import IndexEntry, render_digest, render_index, render_request_html
from intake.core.summary.view import RequestFacts, SummaryView, build_summary

UTC = dt.UTC
HOSTILE = "<script>alert('x')</script> & <b>bold</b>.pdf"
_serial = itertools.count(1)


def pdf(title: str, pages: int = 1) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=LETTER, invariant=1)
    for page in range(1, pages + 1):
        canvas.drawString(72, 720, f"{title} - page {page}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def encrypted(title: str) -> bytes:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf(title))))
    writer.encrypt(user_password="secret", owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def document(kind: DocumentKind, name: str, data: bytes, **facts: object) -> Document:
    readable = kind in {DocumentKind.NEF, DocumentKind.LETTER}
    return Document(
        filename=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        kind=kind,
        page_count=len(PdfReader(io.BytesIO(data)).pages) if readable else 0,
        **facts,
    )


def nef_doc(court: str, name: str | None = None, pages: int = 1) -> tuple[Document, bytes]:
    n = next(_serial)
    name = name or f"nef{n}.pdf"
    data = pdf(f"NEF {n} {court}", pages)
    facts = NefFacts(
        notice_type=NoticeType.ELECTRONIC_FILING,
        court_id=court,
        court_type=CourtType.BANKRUPTCY,
        court_name=f"Court {court.upper()}",
        court_evidence=(Evidence(text=f"https://ecf.{court}.uscourts.gov/doc1/1", page=1,
                                 source="link"),),
        cases=(NefCase(case_number=f"24-{20000 + n}-KB", document_number=str(40 + n)),),
        filer="Doe, Jane",
        filed_on=dt.date(2024, 3, n % 28 + 1),
        file_numbers=(f"{700000 + n}-0",),
    )  # fmt: skip
    return document(DocumentKind.NEF, name, data, nef=facts), data


def letter_doc() -> tuple[Document, bytes]:
    data = pdf("Letter of acknowledgment", pages=2)
    ids = ("ecf_procedures", "local_rules", "qualification", "login_responsibility")
    facts = LetterFacts(
        attorney_name="Jane A. Doe",
        signed=True,
        signature_evidence=Evidence(text="/s/ Jane A. Doe", page=2),
        affirmations=tuple(
            Affirmation(
                id=a,
                state=AffirmationState.FOUND,
                evidence=Evidence(text=f"I affirm the {a.replace('_', ' ')} statement.", page=1),
            )
            for a in ids
        ),
    )
    return document(DocumentKind.LETTER, "letter.pdf", data, letter=facts), data


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.fixture(scope="module")
def request_docs() -> tuple[list[Document], dict[str, bytes]]:
    letter, letter_bytes = letter_doc()
    pairs = [nef_doc(c) for c in ("cob", "cacb", "nysb", "njb", "txnb")]
    pairs.append(nef_doc("ctb", pages=2))
    pairs.append(nef_doc("canb", name=HOSTILE))  # own court: does not count
    locked = encrypted("locked")
    broken = pdf("broken")[:300]
    docs = [
        letter,
        *(d for d, _ in pairs),
        document(DocumentKind.UNREADABLE, "locked.pdf", locked, reason="it is encrypted"),
        document(DocumentKind.UNREADABLE, "broken.pdf", broken, reason="it is damaged"),
        document(DocumentKind.NOT_PDF, "photo.jpg", b"\xff\xd8\xff\xe0 jpeg", reason="a JPEG"),
    ]
    originals = {d.sha256: b for d, b in [(letter, letter_bytes), *pairs]}
    originals[docs[-3].sha256] = locked
    originals[docs[-2].sha256] = broken
    return docs, originals


@pytest.fixture(scope="module")
def assessed(
    rules: Rules, request_docs: tuple[list[Document], dict[str, bytes]]
) -> tuple[Assessment, SummaryView]:
    docs, _ = request_docs
    assessment = assess(docs, "Jane Doe", rules)
    view = build_summary(
        RequestFacts(
            request_id="R-17",
            attorney_name="Jane Doe",
            attorney_address="jane.doe@example-law.com",
            opened_at=dt.datetime(2026, 11, 18, 17, 0, tzinfo=UTC),
            updated_at=dt.datetime(2026, 11, 21, 7, 30, tzinfo=UTC),
            completed_at=dt.datetime(2026, 11, 21, 7, 30, tzinfo=UTC),
        ),
        assessment,
        docs,
        generated_at=dt.datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
        rules=rules,
    )
    return assessment, view


def case_numbers(docs: list[Document]) -> list[str]:
    return [c.case_number for d in docs if d.nef for c in d.nef.cases]


# ------------------------------------------------------------------------- packet


def test_packet_is_the_cover_then_every_readable_pdf(
    request_docs: tuple[list[Document], dict[str, bytes]],
    assessed: tuple[Assessment, SummaryView],
) -> None:
    docs, originals = request_docs
    _, view = assessed
    packet = build_packet(view, docs, originals)
    reader = PdfReader(io.BytesIO(packet.pdf))

    readable = [d for d in docs if d.filename not in {"locked.pdf", "broken.pdf", "photo.jpg"}]
    source_pages = sum(len(PdfReader(io.BytesIO(originals[d.sha256])).pages) for d in readable)
    assert source_pages == 2 + 5 + 2 + 1
    assert packet.cover_pages >= 1
    assert len(reader.pages) == packet.cover_pages + source_pages
    assert {m.filename for m in packet.merged} == {d.filename for d in readable}

    # The letter comes first behind the cover, then the NEFs in the order received.
    after_cover = [
        reader.pages[i].extract_text() for i in range(packet.cover_pages, len(reader.pages))
    ]
    assert after_cover[0].startswith("Letter of acknowledgment - page 1")
    assert "NEF" in after_cover[2]
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[0] == "Summary" and "letter.pdf" in titles


def test_cover_holds_the_verdict_the_attorney_each_case_and_what_was_left_out(
    request_docs: tuple[list[Document], dict[str, bytes]],
    assessed: tuple[Assessment, SummaryView],
) -> None:
    docs, originals = request_docs
    assessment, view = assessed
    packet = build_packet(view, docs, originals)
    reader = PdfReader(io.BytesIO(packet.pdf))
    cover = " ".join(reader.pages[i].extract_text() for i in range(packet.cover_pages))
    cover = re.sub(r"\s+", " ", cover)
    # Six good NEFs and a good letter decide, whatever the unreadable PDFs hold.
    assert assessment.status.value == "complete"
    assert "Verdict: Complete: ready for a decision" in cover
    assert "Jane A. Doe" in cover and "jane.doe@example-law.com" in cover
    for case in case_numbers(docs):
        assert case in cover
    assert "locked.pdf: it is protected by a password" in cover
    assert "broken.pdf: it cannot be opened" in cover
    assert "/s/ Jane A. Doe" in cover
    assert "<script>alert('x')</script>" in cover  # printed as text, not interpreted
    assert {s.filename for s in packet.skipped} == {"locked.pdf", "broken.pdf"}


def test_a_missing_original_is_noted_not_fatal(
    request_docs: tuple[list[Document], dict[str, bytes]],
    assessed: tuple[Assessment, SummaryView],
) -> None:
    docs, _ = request_docs
    packet = build_packet(assessed[1], docs, {})
    assert packet.merged == ()
    assert all(s.reason == "the original file is not available" for s in packet.skipped)
    assert len(PdfReader(io.BytesIO(packet.pdf)).pages) == packet.cover_pages


def test_the_same_file_twice_is_in_the_packet_once(rules: Rules) -> None:
    nef, data = nef_doc("cob")
    docs = [nef, nef]
    view = build_summary(
        RequestFacts("R-2", None, None, dt.datetime(2026, 1, 5, tzinfo=UTC),
                     dt.datetime(2026, 1, 5, tzinfo=UTC)),
        assess(docs, "Jane Doe", rules), docs, generated_at=dt.datetime(2026, 1, 5, tzinfo=UTC),
        rules=rules,
    )  # fmt: skip
    packet = build_packet(view, docs, {nef.sha256: data})
    assert len(packet.merged) == 1
    assert len(PdfReader(io.BytesIO(packet.pdf)).pages) == packet.cover_pages + 1


# --------------------------------------------------------------------------- HTML


def test_html_summary_holds_the_same_facts_and_escapes_hostile_text(
    request_docs: tuple[list[Document], dict[str, bytes]],
    assessed: tuple[Assessment, SummaryView],
) -> None:
    docs, _ = request_docs
    assessment, view = assessed
    html = render_request_html(view)
    assert ">Complete: ready for a decision</span>" in html
    assert "Jane A. Doe" in html
    for case in case_numbers(docs):
        assert case in html
    assert "https://ecf.cob.uscourts.gov/doc1/1" in html and "page 1, link" in html
    assert "I affirm the local rules statement." in html
    assert f"{assessment.qualifying_nefs} of 6 required" in html
    own_court = next(f for f in assessment.findings if f.code == "own_court")
    assert own_court.document == HOSTILE
    assert "<script>" not in html and "<b>bold</b>" not in html
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;.pdf" in html
    )
    assert "2026-11-20 23:30 PST" in html  # updated_at in the court's time zone


def test_index_lists_requests_newest_first_and_drops_unsafe_links(rules: Rules) -> None:
    rows = [
        IndexEntry("R-1", "Old <Attorney>", "incomplete", dt.datetime(2026, 11, 1, tzinfo=UTC),
                   "requests/R-1.html"),
        IndexEntry("R-2", "New Attorney", "complete", dt.datetime(2026, 11, 20, tzinfo=UTC),
                   "javascript:alert(1)"),
    ]  # fmt: skip
    html = render_index(rows, rules=rules, generated_at=dt.datetime(2026, 11, 21, tzinfo=UTC))
    assert html.index("R-2") < html.index("R-1")
    assert '<a href="requests/R-1.html">R-1</a>' in html
    assert "javascript:" not in html
    assert "Old &lt;Attorney&gt;" in html
    assert "2 requests" in html
    assert "Complete: ready for a decision" in html and "Incomplete" in html


def test_digest_groups_requests_by_status(rules: Rules) -> None:
    day = dt.datetime(2026, 11, 21, 16, tzinfo=UTC)
    rows = [
        IndexEntry("R-1", "A One", "incomplete", day),
        IndexEntry("R-2", "B Two", "needs_review", day),
        IndexEntry("R-3", "C Three", "incomplete", day - dt.timedelta(hours=1)),
        IndexEntry("R-4", "D Four", "complete", day),
    ]
    digest = render_digest(
        rows, rules=rules, day=day.date(), court_name="U.S. Bankruptcy Court, N.D. Cal."
    )
    text = digest.text
    assert "Saturday, November 21, 2026" in digest.subject
    assert "1 needs review by a clerk" in digest.subject and "2 incomplete" in digest.subject
    assert text.index("Needs review") < text.index("Complete") < text.index("Incomplete (2)")
    assert text.index("R-1") < text.index("R-3")  # newest first within a group
    assert "4 requests in all." in text
    for row in rows:
        assert row.request_id in digest.html and row.attorney in digest.html
    assert 'id="status-incomplete"' in digest.html


def test_an_empty_digest_says_so(rules: Rules) -> None:
    digest = render_digest([], rules=rules, day=dt.date(2026, 11, 21), court_name="Court")
    assert "No requests." in digest.text and "none" in digest.subject


# ------------------------------------------------------------------------ emails


def test_summary_email_carries_the_page_and_the_packet(
    request_docs: tuple[list[Document], dict[str, bytes]],
    assessed: tuple[Assessment, SummaryView],
) -> None:
    docs, originals = request_docs
    _, view = assessed
    packet = build_packet(view, docs, originals)
    message = summary_message(
        view,
        render_request_html(view),
        packet,
        from_address="intake@canb.example.gov",
        to_addresses=["clerks@canb.example.gov", "backup@canb.example.gov"],
        message_id="<summary-R-17-1@intake.canb.example.gov>",
        date=dt.datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Subject"] == "Waiver request R-17: Jane A. Doe - Complete: ready for a decision"
    assert [a.addr_spec for a in parsed["To"].addresses] == [
        "clerks@canb.example.gov",
        "backup@canb.example.gov",
    ]
    attachments = list(parsed.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["request-R-17.pdf"]
    assert attachments[0].get_content() == packet.pdf
    html = parsed.get_body(("html",))
    assert html is not None
    for case in case_numbers(docs):
        assert case in html.get_content()


def test_digest_email_and_a_bad_message_id(rules: Rules) -> None:
    digest = render_digest(
        [IndexEntry("R-1", "A One", "incomplete", dt.datetime(2026, 11, 21, tzinfo=UTC))],
        rules=rules,
        day=dt.date(2026, 11, 21),
        court_name="Court",
    )

    def make(message_id: str) -> EmailMessage:
        return digest_message(
            digest,
            from_address="intake@canb.example.gov",
            to_addresses=["clerks@canb.example.gov"],
            message_id=message_id,
            date=dt.datetime(2026, 11, 21, 16, 0, tzinfo=UTC),
        )

    message = make("<digest-2026-11-21@x.example>")
    assert message["Subject"] == digest.subject
    assert message.get_content_type() == "multipart/alternative"
    with pytest.raises(ValueError, match="Message-ID"):
        make("digest\r\nBcc: x@y")
