"""An unclear letter, a letter on the attorney's behalf and look-alike PDFs, from the reading
to the assessment, the attorney's reply, `check --json` and the clerk's page (issue 9)."""

from __future__ import annotations

import datetime as dt
import html
import re
from textwrap import dedent

import pytest

from intake.core.documents.classify import classify_text
from intake.core.model import (
    AffirmationState,
    CourtType,
    Document,
    DocumentKind,
    Envelope,
    LetterStatus,
    NefCase,
    NefFacts,
    NoticeType,
    PageText,
    PdfText,
    Status,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.replies.compose import ReplySettings, compose_reply
from intake.core.report import check_json
from intake.core.summary.pages import render_request_html
from intake.core.summary.view import RequestFacts, build_summary

NOW = dt.datetime(2026, 12, 3, 18, 0, tzinfo=dt.UTC)
ATTORNEY = "Imani Okoro"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


def _pdf(*pages: str, source: str = "text", confidence: float | None = None) -> PdfText:
    return PdfText(
        ok=True,
        page_count=len(pages),
        pages=tuple(
            PageText(number=n, text=dedent(t), source=source, confidence=confidence)
            for n, t in enumerate(pages, 1)
        ),
    )


def _document(pdf: PdfText, rules: Rules, name: str = "letter.pdf") -> Document:
    kind, facts = classify_text(pdf, rules)
    return Document(filename=name, sha256=name.ljust(64, "0")[:64], size=1, kind=kind, **facts)


def _nefs() -> list[Document]:
    return [
        Document(
            filename=f"nef{n}.pdf",
            sha256=f"{n:064d}",
            size=1,
            kind=DocumentKind.NEF,
            nef=NefFacts(
                notice_type=NoticeType.ELECTRONIC_FILING,
                court_id="azb",
                court_type=CourtType.BANKRUPTCY,
                cases=(NefCase(case_number=f"2:25-bk-0100{n}", document_number="4"),),
                filer=ATTORNEY,
            ),
        )
        for n in range(1, 7)
    ]


LETTER = """\
Dear Clerk:
I ask the Court to waive the CM/ECF training requirement for me.
I have read the Electronic Case Filing Procedures and will comply with them.
{local}
I am admitted to practice before the United States District Court for the Northern
District of California.
My login and password are for my use only, and any filing made with them is my
signature.
Sincerely,
/s/ Imani Okoro
"""


def _reply_text(rules: Rules, documents: list[Document]) -> tuple[str, str]:
    envelope = Envelope(
        message_id="<a@b.test>", sender_address="imani@okoro.test", sender_name=ATTORNEY
    )
    settings = ReplySettings(
        court_name="U.S. Bankruptcy Court, Northern District of California",
        from_address="ecf-training@canb.uscourts.gov",
        clerk_mailbox="ecf-training@canb.uscourts.gov",
        registration_url="https://train.uscourts.gov/",
        rules=rules,
    )
    reply = compose_reply(
        assess(documents, ATTORNEY, rules),
        documents,
        envelope,
        settings,
        message_id="<r@canb.test>",
        now=NOW,
        completed_at=NOW,
    )
    return " ".join(reply.text.split()), reply.html


def test_a_negated_neighbour_sentence_makes_the_letter_unclear_and_the_request_reviewed(
    rules: Rules,
) -> None:
    local = "I have yet to study the Bankruptcy Local Rules. I will follow them."
    letter = _document(_pdf(LETTER.format(local=local)), rules)
    assert letter.letter is not None
    states = {a.id: a for a in letter.letter.affirmations}
    assert states["local_rules"].state is AffirmationState.UNCLEAR
    assert next(c.text for c in states["local_rules"].candidates) == (
        "I have yet to study the Bankruptcy Local Rules."
    )
    reason = states["local_rules"].reason
    assert reason
    assert all(states[a].found for a in ("ecf_procedures", "qualification"))
    documents = [letter, *_nefs()]
    assessment = assess(documents, ATTORNEY, rules)
    assert assessment.status is Status.NEEDS_REVIEW
    assert assessment.letter is LetterStatus.UNCLEAR
    assert assessment.missing == ()
    text, _ = _reply_text(rules, documents)
    assert "A clerk will read your letter of acknowledgment" in text
    assert "does not state" not in text  # never told a statement is missing
    assert "could not read some of your documents" not in text
    assert "a clerk will read it" in text  # the letter's line in the list
    # check --json carries each affirmation's state and candidate sentences.
    line = check_json("x.eml", None, documents, assessment, rules)
    facts = line["documents"][0]["letter"]
    assert facts["unclear"] == ["local_rules"] and facts["missing"] == []
    local_json = next(a for a in facts["affirmations"] if a["id"] == "local_rules")
    assert local_json["state"] == "unclear"
    assert local_json["candidates"][0]["text"].startswith("I have yet to study")
    assert line["assessment"]["letter"] == "unclear"
    # The clerk's page shows the state, the reason and the candidate sentences.
    view = build_summary(
        RequestFacts("1", ATTORNEY, "imani@okoro.test", opened_at=NOW, updated_at=NOW),
        assessment,
        documents,
        generated_at=NOW,
        rules=rules,
    )
    shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", render_request_html(view))).split())
    assert "Unclear: read it" in shown
    assert "I have yet to study the Bankruptcy Local Rules." in shown
    assert reason in shown


def test_a_letter_whose_statements_are_all_made_is_complete(rules: Rules) -> None:
    local = "I am well acquainted with the Bankruptcy Local Rules."
    documents = [_document(_pdf(LETTER.format(local=local)), rules), *_nefs()]
    assert assess(documents, ATTORNEY, rules).status is Status.COMPLETE


def test_a_statement_nothing_touches_is_told_missing(rules: Rules) -> None:
    documents = [_document(_pdf(LETTER.format(local="")), rules), *_nefs()]
    assessment = assess(documents, ATTORNEY, rules)
    assert assessment.status is Status.INCOMPLETE
    assert [m.params.get("id") for m in assessment.missing] == ["local_rules"]
    text, _ = _reply_text(rules, documents)
    assert "familiar with the Bankruptcy Local Rules" in text


def test_a_letter_on_the_attorneys_behalf_is_not_the_attorneys_own(rules: Rules) -> None:
    text = """\
    Dear Clerk:
    I am writing on behalf of attorney Imani Okoro to request a waiver of the CM/ECF
    training. She has read the ECF Procedures and will comply with them. She is familiar
    with the Bankruptcy Local Rules.
    Sincerely,
    /s/ Colin Marsh
    Paralegal
    """
    letter = _document(_pdf(text), rules)
    assert letter.letter is not None
    assert not letter.letter.own_letter
    assert letter.letter.writer == "Colin Marsh"
    assert letter.letter.attorney_name == ATTORNEY  # the writer is not taken for her
    documents = [letter, *_nefs()]
    assessment = assess(documents, ATTORNEY, rules)
    assert assessment.status is Status.INCOMPLETE
    assert "not_own_letter" in {f.code for f in assessment.findings}
    reply, _ = _reply_text(rules, documents)
    assert "written on the attorney's behalf by Colin Marsh" in reply
    assert "written and signed by you personally" in reply


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "CERTIFICATE OF COMPLETION\nThis certifies that\nImani Okoro\nhas successfully "
            "completed the course\nCM/ECF Training for Attorneys\nFebruary 2, 2026\n",
            "a training certificate",
        ),
        (
            "UNITED STATES BANKRUPTCY COURT\nIn re ACME LLC,\nDebtor.\nCase No. 26-10001\n"
            "MOTION TO EXTEND TIME\nThe debtor moves to extend time.\n/s/ Imani Okoro\n"
            "CERTIFICATE OF SERVICE\nI certify that this motion was served through the CM/ECF "
            "system on all registered users.\n",
            "a court filing",
        ),
    ],
)
def test_look_alikes_are_other_with_their_kind_as_reason(
    rules: Rules, text: str, kind: str
) -> None:
    document = _document(_pdf(text), rules)
    assert document.kind is DocumentKind.OTHER
    assert document.reason is not None and kind in document.reason


def test_ocr_text_counts_as_text_unless_its_confidence_is_low(rules: Rules) -> None:
    local = "I am familiar with the Bankruptcy Local Rules."
    sure = _document(_pdf(LETTER.format(local=local), source="ocr", confidence=0.97), rules)
    unsure = _document(_pdf(LETTER.format(local=local), source="ocr", confidence=0.6), rules)
    assert sure.letter and all(a.found for a in sure.letter.affirmations)
    assert unsure.letter and not any(a.found for a in unsure.letter.affirmations)
    assert {a.reason for a in unsure.letter.affirmations} == {"read by OCR with low confidence"}
    assert assess([unsure, *_nefs()], ATTORNEY, rules).status is Status.NEEDS_REVIEW
