"""The layout class (fixtures/letter_cases_forms.py): check-box forms with text, glyph, drawn
and scanned marks, tables with answer and initials columns, marks far from their rows, and
citations cut at abbreviations, read as `intake check` reads them: a row is found only when
its mark is seen ticked; an unticked, "No" or blank row is never found; marks the text
cannot show (a symbol font's glyph extracted as "■", a drawn box on a scan, an answer
column laid out apart from its rows) leave the made rows unclear, for a clerk."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases_forms import FormCase, form_cases
from intake.core.documents.letter_text import Line, _split_sentences, sentences_of
from intake.core.model import AffirmationState, Status
from intake.core.policy.rules import load_rules
from intake.edges.pdf.ocr import ocr_status

CASES = form_cases()
needs_ocr = pytest.mark.skipif(not ocr_status().available, reason=ocr_status().detail)


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(c.id, c.source(), c.sender_name, c.verdict, c.affirmations, True, c.kind)
    return run_case(case, load_rules())


def _marks(case: FormCase) -> list[pytest.MarkDecorator]:
    return [needs_ocr] if case.scanned else []


PARAMS = [pytest.param(c, id=c.id, marks=_marks(c)) for c in CASES]


@pytest.mark.parametrize("case", PARAMS)
def test_each_row_reads_as_its_mark(case: FormCase) -> None:
    states = outcome(case.id).states
    for affirmation, made in case.affirmations.items():
        if made == "not_made":
            assert states[affirmation] is not AffirmationState.FOUND, (affirmation, case.note)
        elif case.readable == "no":
            assert states[affirmation] is AffirmationState.UNCLEAR, (affirmation, case.note)
        elif case.readable == "partly":
            assert states[affirmation] is not AffirmationState.MISSING, (affirmation, case.note)
        else:
            assert states[affirmation] is AffirmationState.FOUND, (affirmation, case.note)


@pytest.mark.parametrize("case", PARAMS)
def test_each_form_gets_the_answer_a_clerk_gives_it(case: FormCase) -> None:
    result = outcome(case.id)
    if case.verdict == "good":
        assert result.told_missing == [], case.note
    if case.expect == "complete":
        assert result.status is Status.COMPLETE, (result.codes, result.reasons)
    else:
        assert result.status is not Status.COMPLETE, case.note


def test_the_set_is_varied() -> None:
    assert len(CASES) >= 40
    styles = {s for c in CASES for s in c.styles}
    for wanted in (
        "text-mark",
        "dingbats",
        "drawn",
        "table-yes",
        "table-initials",
        "glyph",
        "far-column",
        "pair-left",
        "pair-right",
        "scanned",
        "box-right",
        "abbrev",
    ):
        assert wanted in styles, wanted
    assert sum(c.verdict == "bad" for c in CASES) >= 15
    assert sum(c.readable == "no" for c in CASES) >= 8


def _lines(*texts: str) -> list[Line]:
    return [Line(t, 1) for t in texts]


def test_a_box_at_the_line_end_marks_its_row_and_a_second_box_starts_the_next_row() -> None:
    out = sentences_of(
        _lines(
            "Check each statement that applies.",
            "I have read the ECF Procedures and will comply with them. [X]",
            "I am admitted to the bar of the Northern District of California [ ]",
            "No one but me will use my login, and its use is my signature on [X]",
            "every filing.",
        )
    )
    boxes = [(s.text.split()[0], s.box) for s in out[1:]]
    assert boxes == [("I", True), ("I", False), ("No", True)]


def test_a_box_glyph_that_does_not_show_its_mark_leaves_the_row_unseen() -> None:
    out = sentences_of(
        _lines("I have read the ECF Procedures. \u25a0", "I know the Local Rules. \u25a0")
    )
    assert [s.unseen_box for s in out] == [True, True]


def test_a_yes_no_pair_before_the_statement_is_its_answer_not_a_negation() -> None:
    out = sentences_of(
        _lines(
            "[X] Yes [ ] No I have read the ECF Procedures.",
            "[ ] Yes [X] No I know the Local Rules.",
            "[X] No [ ] Yes I am admitted to the bar of this Court.",
        )
    )
    assert [(s.text, s.box) for s in out] == [
        ("I have read the ECF Procedures.", True),
        ("I know the Local Rules.", False),
        ("I am admitted to the bar of this Court.", False),
    ]


def test_an_answer_word_at_a_table_rows_end() -> None:
    out = sentences_of(
        _lines(
            "No. Statement Agreed",
            "1. I know the Bankruptcy Local Rules of this Court well. Agreed",
            "2. I have read the Electronic Case Filing Procedures of this Court and I will",
            "comply with them.",
            "Agreed",
            "3. I am admitted to the bar of the Northern District of California. No",
        )
    )
    assert [s.box for s in out[1:]] == [True, True, False]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("I have read the ECF Admin. Procedures of this Court.", 1),
        ("I studied the ECF Admin. Procs. of the Court and will follow them.", 1),
        ("I am admitted in the U.S. Dist. Ct. for the N.D. Cal. I will comply.", 2),
        ("I am counsel in the Dep't of Justice, Civ. Div. I appear for the United States.", 2),
        ("See Gen. Order No. 12. I have read it.", 2),
        ("I am admitted in the N.D. Cal. The ECF Procedures I have read.", 2),
        ("I practice before the U.S. Bankruptcy Court.", 1),
    ],
)
def test_sentences_are_not_cut_at_abbreviations_but_are_after_a_citations_end(
    text: str, count: int
) -> None:
    assert len(_split_sentences(text)) == count, _split_sentences(text)


def test_fragment_rows_are_cut_at_their_answers_and_the_header_is_no_negation() -> None:
    out = sentences_of(
        _lines(
            "By marking Yes, I certify that I:",
            "Yes No",
            "have read the Electronic Case Filing Procedures of this Court and will Yes [X] No [ ]",
            "comply with them.",
            "am familiar with the Bankruptcy Local Rules of this Court. Yes [X] No [ ]",
            "am a member of the bar of the Northern District of California. Yes [ ] No [X]",
            "understand that my login and password are mine alone and that their Yes [X] No [ ]",
            "use constitutes my signature.",
        )
    )
    assert out[1].text == "Yes No"  # a line of its own: a form's sign, no row's start
    assert [(s.text.split()[0], s.box) for s in out[2:]] == [
        ("have", True),
        ("am", True),
        ("am", False),
        ("understand", True),
    ]


def test_rows_answered_on_their_last_line_start_after_the_answer() -> None:
    out = sentences_of(
        _lines(
            "By marking Yes, I certify that I:",
            "have read the Electronic Case Filing Procedures of this Court and will comply",
            "with them. Yes [X] No [ ]",
            "am a member in good standing of the bar of the District Court for the",
            "Northern District of California. Yes [ ] No [X]",
        )
    )
    assert [(s.text.split()[0], s.box) for s in out[1:]] == [("have", True), ("am", False)]


def test_a_square_glyph_before_an_item_is_a_box_whose_mark_is_unseen() -> None:
    # PDFium gives every ZapfDingbats glyph of a font it does not embed as "■": a check
    # and an empty box read the same, so a row under a lead-in is not taken as ticked.
    out = sentences_of(
        _lines(
            "By marking each box, I certify that I:",
            "\u25a0 have read the Electronic Case Filing Procedures and will comply with them.",
            "\u25a0 am familiar with the Bankruptcy Local Rules of this Court.",
        )
    )
    assert [s.unseen_box for s in out[1:]] == [True, True]
