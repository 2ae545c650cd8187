"""Scanned letters: a statement is judged by OCR's confidence in its own words, not the page's
(a pen signature or a letterhead read as junk does not make the page's statements doubtful);
and the own scans (fixtures/letter_cases_scanned.py), read through OCR, get a clerk's answer."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases_scanned import ScanCase, scanned_cases
from intake.core.documents.letter import read_letter
from intake.core.model import AffirmationState, PageText, PdfText, Status
from intake.core.policy.rules import load_rules
from intake.edges.pdf.ocr import ocr_status

POLICY = load_rules().letter

LINES = (
    ("KOWALCZYK FAMILY ee SD ean Santee", 0.1),  # a letterhead's logo read as junk
    ("Dear Clerk:", 0.96),
    ("I have read the Electronic Case Filing Procedures and I will comply with them.", 0.95),
    ("I am familiar with the Bankruptcy Local Rules of this Court.", 0.95),
    (
        "I am a member in good standing of the bar of the United States District Court for "
        "the Northern District of California.",
        0.95,
    ),
    (
        "I understand that my login and password are for my use only and that their use "
        "constitutes my signature.",
        0.95,
    ),
    ("Respectfully submitted,", 0.96),
    ("ihe Kaakako", 0.0),  # a pen signature read as junk
    ("/s/ Ruth A. Kowalczyk", 0.95),
    ("Ruth A. Kowalczyk", 0.95),
)


def _scan(lines: tuple[tuple[str, float], ...], page: float = 0.82, words: bool = True) -> PdfText:
    text = "\n".join(t for t, _ in lines)
    confidences = tuple(c for t, c in lines for _ in t.split()) if words else ()
    return PdfText(
        ok=True,
        page_count=1,
        pages=(
            PageText(
                number=1, text=text, source="ocr", confidence=page, word_confidences=confidences
            ),
        ),
    )


def _states(pdf: PdfText) -> dict[str, str]:
    return {a.id: a.state.value for a in read_letter(pdf, POLICY).affirmations}


def test_junk_beside_the_statements_does_not_make_them_doubtful() -> None:
    """The page's mean is under the policy's 0.9 because of the logo and the pen stroke."""
    assert set(_states(_scan(LINES)).values()) == {"found"}


def test_a_statement_with_an_unreadable_word_is_unclear() -> None:
    pdf = _scan(LINES, page=0.93)
    confidences = list(pdf.pages[0].word_confidences)
    first = sum(len(t.split()) for t, _ in LINES[:3])
    confidences[first + 3] = 0.2  # "with", in the local rules' sentence
    page = pdf.pages[0].model_copy(update={"word_confidences": tuple(confidences)})
    facts = read_letter(pdf.model_copy(update={"pages": (page,)}), POLICY)
    states = {a.id: a for a in facts.affirmations}
    assert states["local_rules"].state is AffirmationState.UNCLEAR
    assert "OCR" in (states["local_rules"].reason or "")
    assert {states[a].state for a in ("ecf_procedures", "qualification")} == {
        AffirmationState.FOUND
    }


def test_without_word_confidences_the_page_decides() -> None:
    assert set(_states(_scan(LINES, words=False)).values()) == {"unclear"}
    assert set(_states(_scan(LINES, page=0.95, words=False)).values()) == {"found"}


def test_word_confidences_that_do_not_line_up_leave_it_to_the_page() -> None:
    pdf = _scan(LINES)
    page = pdf.pages[0].model_copy(update={"word_confidences": (0.99,) * 5})
    assert set(_states(pdf.model_copy(update={"pages": (page,)})).values()) == {"unclear"}


def test_a_statement_broken_over_lines_is_as_sure_as_its_words() -> None:
    """A sentence wrapped over two lines and hyphenated: the low word on its second line
    makes it doubtful; the sentences before it are not."""
    lines = (
        ("Dear Clerk:", 0.96),
        ("I have read the Electronic Case Filing Procedures and I will comply with them.", 0.95),
        ("I am familiar with the Bankruptcy Local Rules of this Court. I am a mem-", 0.95),
        ("ber in good standing of the bar of the United States District Court for the", 0.95),
        ("Northern District of California.", 0.3),
        ("Respectfully submitted,", 0.96),
        ("/s/ Ruth A. Kowalczyk", 0.95),
    )
    states = _states(_scan(lines))
    assert states["qualification"] == "unclear"
    assert states["local_rules"] == "found"
    assert states["ecf_procedures"] == "found"


CASES = scanned_cases()
needs_ocr = pytest.mark.skipif(not ocr_status().available, reason=ocr_status().detail)


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(c.id, c.pdf, c.sender_name, c.verdict, c.affirmations, c.own_letter, c.kind, True)
    return run_case(case, load_rules())


@needs_ocr
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_scan_is_never_answered_wrongly(case: ScanCase) -> None:
    result = outcome(case.id)
    for affirmation, made in case.affirmations.items():
        if made == "not_made":
            assert result.states[affirmation] is not AffirmationState.FOUND, case.note
    if case.verdict == "bad":
        assert result.status is not Status.COMPLETE, case.note
    else:
        assert result.told_missing == [], case.note


@needs_ocr
def test_scans_signed_in_the_text_are_accepted() -> None:
    """ "/s/" under a closing and a DocuSign block read through OCR: complete."""
    for case_id in ("own-scan-slash-then-name", "own-scan-docusign"):
        assert outcome(case_id).status is Status.COMPLETE, outcome(case_id).reasons


def test_the_scans_are_varied() -> None:
    assert len(CASES) >= 10
    assert {c.verdict for c in CASES} == {"good", "bad"}
    assert len({s for c in CASES for s in c.styles if s.startswith("signature-")}) >= 6


def _signature_of(tail: tuple[tuple[str, float], ...]) -> tuple[str, str | None]:
    facts = read_letter(_scan((*LINES[:6], *tail), page=0.95), POLICY)
    return facts.signature.value, facts.attorney_name


def test_a_by_line_with_a_pen_stroke_over_it_is_signed() -> None:
    """OCR loses the drawn line of "By: ____"; the pen stroke over it reads as junk."""
    inked = (("Dated: March 11, 2026", 0.96), ("(i121 tt1", 0.0), ("By:", 0.97))
    assert _signature_of((*inked, ("Gavin P. Thorsby", 0.95))) == ("found", "Gavin P. Thorsby")


def test_a_by_line_with_no_ink_over_it_is_left_to_a_clerk() -> None:
    bare = (("Dated: March 11, 2026", 0.96), ("By:", 0.97), ("Gavin P. Thorsby", 0.95))
    assert _signature_of(bare)[0] == "unclear"


def test_a_rule_read_after_the_signed_name_is_not_part_of_it() -> None:
    line = ("Signature: /s/ Desmond Okonjo -_- Date: March 11, 2026", 0.9)
    assert _signature_of((line, ("Trial Attorney", 0.96))) == ("found", "Desmond Okonjo")


def _block_signature(inked: bool, after: str = "") -> tuple[str, str | None]:
    """The letter ends with a typed block and no closing; OCR saw (or not) ink over it."""
    tail = [("Desmond Okonjo, Esq.", 0.95), ("Trial Attorney", 0.96)]
    if after:
        tail.append((after, 0.95))
    pdf = _scan((*LINES[:6], *tail), page=0.95)
    name_line = 6  # LINES[:6] are lines 0-5
    page = pdf.pages[0].model_copy(update={"inked_lines": (name_line,) if inked else ()})
    facts = read_letter(pdf.model_copy(update={"pages": (page,)}), POLICY)
    return facts.signature.value, facts.attorney_name


def test_a_pen_stroke_over_a_typed_name_is_a_signature() -> None:
    assert _block_signature(inked=True) == ("found", "Desmond Okonjo")


def test_a_typed_name_with_no_ink_over_it_is_left_to_a_clerk() -> None:
    assert _block_signature(inked=False)[0] == "unclear"


def test_ink_over_a_name_before_the_last_sentence_is_no_signature() -> None:
    later = "I will keep the Court informed of any change to my address."
    assert _block_signature(inked=True, after=later)[0] == "unclear"


@needs_ocr
def test_a_scan_signed_by_hand_over_its_typed_block_is_signed_and_one_not_signed_is_not() -> None:
    from intake.edges.pdf.reader import read_pdf

    by_id = {c.id: c for c in CASES}
    signed = read_letter(read_pdf(by_id["own-scan-pen-block-no-closing"].pdf), POLICY)
    unsigned = read_letter(read_pdf(by_id["own-scan-typed-block-no-pen"].pdf), POLICY)
    assert signed.signature.value == "found"
    assert unsigned.signature.value == "unclear"
