"""The second set of the reader's own letters (fixtures/letter_cases_stranger.py), each
against its labelled answer, affirmation by affirmation, read as `intake check` reads it."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases import LetterText
from fixtures.letter_cases_stranger import ECF, LOCAL, LOGIN, QUALIFICATION, stranger_cases
from intake.core.model import AffirmationState, Status
from intake.core.policy.rules import load_rules

CASES = stranger_cases()


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(
        c.id, c.pdf_text(), c.sender_name, c.verdict, dict(c.affirmations), c.own_letter, c.kind
    )
    return run_case(case, load_rules())


def _drawn(c: LetterText) -> bool:
    return "checkbox-drawn" in c.styles


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_affirmation_reads_as_labelled(case: LetterText) -> None:
    states = outcome(case.id).states
    for affirmation, made in case.affirmations.items():
        state = states[affirmation]
        if made == "not_made":
            assert state is not AffirmationState.FOUND, (affirmation, case.note)
        elif _drawn(case):
            # Boxes drawn as shapes: the text cannot show them ticked; a clerk looks.
            assert state is AffirmationState.UNCLEAR, affirmation
        else:
            assert state is AffirmationState.FOUND, (affirmation, outcome(case.id).reasons)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_letter_gets_the_answer_a_clerk_gives_it(case: LetterText) -> None:
    result = outcome(case.id)
    if case.verdict == "bad":
        assert result.status is not Status.COMPLETE, case.note
    elif _drawn(case):
        assert result.status is Status.NEEDS_REVIEW
    else:
        assert result.status is Status.COMPLETE, (result.codes, result.reasons)
    assert result.told_missing == [] or case.verdict == "bad"


def test_the_set_is_large_and_varied() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    admitted = QUALIFICATION["admitted"]
    assert min(len(ECF), len(LOCAL), len(admitted), len(LOGIN)) >= 6
    styles = {s for c in CASES for s in c.styles}
    for wanted in (
        "email-print",
        "sidebar-two-column",
        "continuation-header",
        "one-sentence",
        "declarant",
        "subjectless-form",
        "bulleted-drawn",
        "checkbox-drawn",
        "negation-far-parenthetical",
        "future-ecf",
        "conditional-ecf",
        "other-district-named-with-ndcal",
        "password-then-signature",
        "initials-one-blank",
    ):
        assert wanted in styles, wanted
    assert {c.verdict for c in CASES} == {"good", "bad"}
