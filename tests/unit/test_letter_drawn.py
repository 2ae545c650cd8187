"""Check-box forms whose answers are drawn as shapes (fixtures/letter_cases_drawn.py), read
from their PDFs as `intake check` reads them: a row is found only when its Yes box alone
is marked, whichever box the PDF draws first; and the pieces that read them."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases_drawn import DrawnCase, drawn_cases
from fixtures.letter_corpus.render import Checks, Doc, Lines, P, render
from intake.core.documents.letter import read_letter
from intake.core.documents.letter_text import AnswerWords, Line, _with_drawn_boxes, sentences_of
from intake.core.model import AffirmationState, DrawnBox, Status
from intake.core.policy.rules import load_rules
from intake.edges.pdf.reader import read_pdf

CASES = drawn_cases()
POLICY = load_rules().letter
WORDS = AnswerWords(frozenset({"yes", "agree"}), frozenset({"no", "disagree", "n/a"}))


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(c.id, c.pdf, c.sender_name, c.verdict, c.affirmations, c.own_letter, c.kind)
    return run_case(case, load_rules())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_row_reads_as_its_drawn_answer(case: DrawnCase) -> None:
    states = outcome(case.id).states
    for affirmation, made in case.affirmations.items():
        if made == "not_made":
            assert states[affirmation] is not AffirmationState.FOUND, (affirmation, case.note)
        elif case.circled:  # a pen loop round a word: not read yet, a clerk looks
            assert states[affirmation] is AffirmationState.UNCLEAR, affirmation
        else:
            assert states[affirmation] is AffirmationState.FOUND, (affirmation, case.note)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_form_gets_the_answer_a_clerk_gives_it(case: DrawnCase) -> None:
    result = outcome(case.id)
    assert result.told_missing == []
    if case.verdict == "bad" or case.circled:
        assert result.status is Status.NEEDS_REVIEW, case.note
    else:
        assert result.status is Status.COMPLETE, (result.codes, result.reasons)


def test_the_set_is_varied() -> None:
    assert len(CASES) >= 20
    styles = {s for c in CASES for s in c.styles}
    for wanted in (
        "labels-header",
        "labels-after",
        "labels-before",
        "box-left",
        "box-right",
        "mark-x",
        "mark-check",
        "mark-fill",
        "mark-circle",
        "no-drawn-first",
        "box-last-line",
    ):
        assert wanted in styles, wanted
    assert {c.verdict for c in CASES} == {"good", "bad"}


ROWS = (
    "I have read the Electronic Case Filing Procedures and will comply with them.",
    "I am familiar with the Bankruptcy Local Rules of this Court.",
)


def _row_states(**checks: object) -> list[str]:
    doc = Doc(
        (
            P("ATTORNEY ACKNOWLEDGMENT"),
            Checks(ROWS, (), **checks),  # type: ignore[arg-type]
            Lines(("Signature: /s/ Jane Q. Doe   Date: 03/03/2026",)),
        ),
        title="form",
    )
    facts = read_letter(read_pdf(render(doc)), POLICY)
    return [a.state.value for a in facts.affirmations[:2]]


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("labels", ["header", "after", "before"])
def test_a_no_marked_in_a_box_drawn_first_is_not_a_yes(reverse: bool, labels: str) -> None:
    """The first-drawn box of a row once answered it: a No box drawn first and marked read
    the row ticked."""
    states = _row_states(
        columns=("Yes", "No"), answers=(("Yes",), ("No",)), reverse=reverse, labels=labels
    )
    assert states == ["found", "unclear"]


def _box(left: float, ticked: bool, above: str = "", after: str = "") -> DrawnBox:
    return DrawnBox(
        ticked=ticked, line=ROWS[1][:40], left=left, top=500, row=ROWS[1], above=above, after=after
    )


@pytest.mark.parametrize(
    ("boxes", "written"),
    [
        ((_box(480, True, "Yes"), _box(520, False, "No")), " Yes [X] No [ ]"),
        ((_box(520, True, "No"), _box(480, False, "Yes")), " Yes [ ] No [X]"),
        ((_box(480, False, "Yes"), _box(520, False, "No")), " Yes [ ] No [ ]"),
        # Both marked, unlabelled, or labelled twice "Yes": not an answer.
        ((_box(480, True, "Yes"), _box(520, True, "No")), " \u2370"),
        ((_box(480, True), _box(520, False)), " \u2370"),
        ((_box(480, True, "Yes"), _box(520, False, "Yes")), " \u2370"),
        # Headers and the words beside the boxes disagree.
        ((_box(480, True, "Yes", "No"), _box(520, False, "No", "Yes")), " \u2370"),
        # A lone box labelled No answers no statement.
        ((_box(520, True, "No"),), " \u2370"),
    ],
)
def test_a_row_of_boxes_is_written_as_its_answer(boxes: tuple[DrawnBox, ...], written: str) -> None:
    lines = ["Answer each statement:", ROWS[0], ROWS[1]]
    assert _with_drawn_boxes(lines, boxes, WORDS)[2] == ROWS[1] + written


def test_a_row_left_unseen_is_unclear_even_outside_a_form() -> None:
    """No form instruction and no column words in the text: the row's mark still decides."""
    lines = [ROWS[1] + " \u2370"]
    (sentence,) = sentences_of([Line(t, 1) for t in lines])
    assert sentence.unseen_box and sentence.box is None
    assert sentence.text == ROWS[1]


def test_a_statement_starting_with_no_keeps_its_word() -> None:
    """ "No one but me ..." beside a box: the word is the statement's, not a label."""
    row = "No one but me will use my password, and its use is my signature."
    box = DrawnBox(ticked=True, line=row[:40], left=72, top=500, row=row, after="")
    assert _with_drawn_boxes([row], (box,), WORDS) == ["\u2612 " + row]
