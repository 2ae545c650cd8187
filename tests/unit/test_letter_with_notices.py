# ruff: noqa: E501
"""The letter and the notices printed into ONE PDF: the reply and the clerk's page say
what that PDF held, the letter (accepted, to be read by a clerk, or what it lacks, as for a
letter on its own) and then each notice.

The PDFs are written here as page texts in shapes of their own (a letter that is a page
long, notices from varied courts with and without a mail header), read by the real
classifier, so the test follows the reading, not the fixture generator.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from intake.core.documents.classify import classify_text
from intake.core.model import Document, DocumentKind, Envelope, PageText, PdfText, Status
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.compose import compose_reply
from intake.core.replies.situation import Outcome, document_lines
from intake.core.summary.pages import render_request_html
from intake.core.summary.view import RequestFacts, build_summary
from tests.court import reply_settings

NOW = dt.datetime(2026, 12, 3, 18, 0, tzinfo=dt.UTC)
ATTORNEY = "Tomasz Wieczorek"
COURTS = {
    "nvb": "District of Nevada",
    "orb": "District of Oregon",
    "waeb": "Eastern District of Washington",
    "utb": "District of Utah",
    "idb": "District of Idaho",
    "mtb": "District of Montana",
}

LETTER = """\
Re: Request for waiver of CM/ECF training

To the Clerk of Court:
I respectfully request a waiver of the CM/ECF training requirement.
I have read the Electronic Case Filing Procedures and will comply with them.
{local}
I am admitted to practice before the United States District Court for the Northern
District of California.
{login}
Respectfully,
{signature}
"""
LOCAL_READ = "I have read the Bankruptcy Local Rules of this Court and will follow them."
SIGNED = "/s/ Tomasz Wieczorek"
LOGIN = "My login and password are for my use only, and any filing made with them is my\nsignature."


def notice_page(court: str, number: int, *, mail_header: bool) -> str:
    case = f"3:25-bk-{4100 + number}"
    header = (
        f"From: ecf_notice@{court}.uscourts.gov\nSent: Monday, June 2, 2025 10:0{number} AM\n"
        f"Subject: {case} Notice of Appearance\n"
        if mail_header
        else ""
    )
    return (
        f"{header}U.S. Bankruptcy Court\n{COURTS[court]}\nNotice of Electronic Filing\n"
        f"The following transaction was received from Wieczorek, Tomasz entered on 6/2/2025 at 10:0{number} AM PDT and filed on 6/2/2025\n"
        f"Case Name: Cedar Mill Partners LLC\nCase Number: {case}\nDocument Number: {10 + number}\n"
        "Docket Text:\nNotice of Appearance and Request for Notice Filed by Tomasz Wieczorek on behalf of Cedar Mill Partners LLC. (Wieczorek, Tomasz)\n"
        "The following document(s) are associated with this transaction:\n"
        "Document description:Main Document\nOriginal filename:appearance.pdf\nElectronic document Stamp:\n"
        f"[STAMP bkecfStamp_ID=1000{number} [Date=6/2/2025] [FileNumber=7700{number}-0] [ab{number}]]\n"
        f"{case} Notice will be electronically mailed to:\nTomasz Wieczorek twieczorek@cedar.test\n"
    )


def packet(letter: str, courts: tuple[str, ...], name: str = "Waiver request.pdf") -> Document:
    """One PDF: the letter's page, then a page for each notice of `courts`."""
    texts = [letter] + [notice_page(c, n, mail_header=n % 2 == 0) for n, c in enumerate(courts)]
    pdf = PdfText(
        ok=True,
        page_count=len(texts),
        pages=tuple(PageText(number=n, text=t) for n, t in enumerate(texts, 1)),
    )
    kind, facts = classify_text(pdf, load_rules())
    return Document(
        filename=name, sha256="c" * 64, size=80_000, kind=kind, page_count=len(texts), **facts
    )


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def reply_text(rules: Rules, documents: list[Document]) -> str:
    envelope = Envelope(
        message_id="<w@cedar.test>", sender_address="twieczorek@cedar.test", sender_name=ATTORNEY
    )
    reply = compose_reply(
        assess(documents, ATTORNEY, rules),
        documents,
        envelope,
        reply_settings(rules),
        message_id="<r@canb.test>",
        now=NOW,
        completed_at=NOW,
    )
    return " ".join(reply.text.split())


def clerk_page(rules: Rules, documents: list[Document]) -> str:
    assessment = assess(documents, ATTORNEY, rules)
    view = build_summary(
        RequestFacts(
            request_id="R-40",
            attorney_name=ATTORNEY,
            attorney_address="twieczorek@cedar.test",
            opened_at=NOW,
            updated_at=NOW,
        ),
        assessment,
        documents,
        generated_at=NOW,
        rules=rules,
    )
    page = html.unescape(re.sub(r"<[^>]+>", " ", render_request_html(view)))
    return " ".join(page.split())


SIX = tuple(COURTS)


def test_a_good_letter_before_six_notices_is_said_accepted_then_each_notice(rules: Rules) -> None:
    doc = packet(LETTER.format(local=LOCAL_READ, signature=SIGNED, login=LOGIN), SIX)
    assert doc.kind is DocumentKind.NEF and doc.letter is not None and len(doc.nefs) == 6
    result = assess([doc], ATTORNEY, rules)
    assert result.status is Status.COMPLETE
    lines = document_lines(result, [doc], rules)
    assert [(line.kind, line.outcome) for line in lines] == [
        ("acknowledgment_letter", Outcome.ACCEPTED)
    ] + [("nef", Outcome.COUNTS)] * 6
    text = reply_text(rules, [doc])
    assert "Waiver request.pdf (letter of acknowledgment): accepted." in text
    for n in range(1, 7):
        assert (
            f"Waiver request.pdf, notice {n} of 6 (page {n + 1}) (Notice of Electronic Filing): counts."
            in text
        )
    # The letter is said before its notices, as it comes in the PDF.
    assert text.index("(letter of acknowledgment): accepted") < text.index("notice 1 of 6")


def test_a_letter_lacking_a_statement_before_the_notices_says_what_it_lacks(rules: Rules) -> None:
    doc = packet(LETTER.format(local=LOCAL_READ, signature=SIGNED, login=""), SIX)
    result = assess([doc], ATTORNEY, rules)
    assert result.status is not Status.COMPLETE
    letter_line = document_lines(result, [doc], rules, rules.word_for_attorney)[0]
    assert letter_line.kind == "acknowledgment_letter"
    assert letter_line.outcome is Outcome.NOT_COUNTED
    assert letter_line.reasons and any("login" in r.lower() for r in letter_line.reasons)
    text = reply_text(rules, [doc])
    assert "Waiver request.pdf (letter of acknowledgment): not yet in order." in text
    assert letter_line.reasons[0].split()[0] in text
    # The notices are still each said to count: only the letter lacks something.
    assert text.count("(Notice of Electronic Filing): counts.") == 6


def test_an_unclear_letter_before_the_notices_goes_to_a_clerk(rules: Rules) -> None:
    unclear = "I have yet to study the Bankruptcy Local Rules. I will follow them."
    doc = packet(LETTER.format(local=unclear, signature=SIGNED, login=LOGIN), SIX)
    result = assess([doc], ATTORNEY, rules)
    assert result.status is Status.NEEDS_REVIEW
    letter_line = document_lines(result, [doc], rules)[0]
    assert letter_line.outcome is Outcome.REVIEW
    assert "Waiver request.pdf (letter of acknowledgment): a clerk will read it." in reply_text(
        rules, [doc]
    )


def test_a_letter_before_a_single_notice_is_said_too(rules: Rules) -> None:
    doc = packet(
        LETTER.format(local=LOCAL_READ, signature=SIGNED, login=LOGIN),
        ("orb",),
        name="letter+nef.pdf",
    )
    assert len(doc.nefs) == 1 and doc.letter is not None
    lines = document_lines(assess([doc], ATTORNEY, rules), [doc], rules)
    assert [(line.kind, line.outcome) for line in lines] == [
        ("acknowledgment_letter", Outcome.ACCEPTED),
        ("nef", Outcome.COUNTS),
    ]
    text = reply_text(rules, [doc])
    assert "letter+nef.pdf (letter of acknowledgment): accepted." in text
    assert "letter+nef.pdf (Notice of Electronic Filing): counts." in text


def test_a_pdf_of_notices_without_a_letter_has_no_letter_line(rules: Rules) -> None:
    doc = packet("Exhibit list\nExhibit A: lease\nExhibit B: invoices", SIX[:3])
    assert doc.letter is None
    lines = document_lines(assess([doc], ATTORNEY, rules), [doc], rules)
    assert [line.kind for line in lines] == ["nef"] * 3


def test_the_clerks_page_shows_the_letter_of_the_pdf_and_its_notices(rules: Rules) -> None:
    doc = packet(LETTER.format(local=LOCAL_READ, signature=SIGNED, login=""), SIX)
    page = clerk_page(rules, [doc])
    # The letter section reads the letter that opens the PDF, with its outcome.
    assert "No letter received." not in page
    assert "The letter opens this PDF, before its notices." in page
    assert "Outcome not yet in order" in page
    # The documents table says both parts of the one PDF.
    assert "Letter of acknowledgment and Notice of Electronic Filing" in page
    assert "letter: not yet in order; notices: counts" in page
    # Each notice keeps its own row.
    for n in range(1, 7):
        assert f"Waiver request.pdf, notice {n} of 6 (page {n + 1})" in page


def test_the_clerks_page_says_an_accepted_letter_of_the_pdf(rules: Rules) -> None:
    doc = packet(LETTER.format(local=LOCAL_READ, signature=SIGNED, login=LOGIN), SIX)
    page = clerk_page(rules, [doc])
    assert "Outcome accepted" in page
    assert "letter: accepted; notices: counts" in page
