"""The third set of the reader's own letters (fixtures/letter_cases_scope.py): negations
far from the statement they deny are scoped to it, and what only looks like a negation
asserts. Each case against its labelled answer, read as `intake check` reads it."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases import LetterText
from fixtures.letter_cases_scope import ASSERTIVE_NEGATIONS, FAR_NEGATIONS, scope_cases
from intake.core.model import AffirmationState, Status
from intake.core.policy.rules import load_rules

CASES = scope_cases()


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(
        c.id, c.pdf_text(), c.sender_name, c.verdict, dict(c.affirmations), c.own_letter, c.kind
    )
    return run_case(case, load_rules())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_affirmation_reads_as_labelled(case: LetterText) -> None:
    result = outcome(case.id)
    for affirmation, made in case.affirmations.items():
        state = result.states[affirmation]
        if made == "not_made":
            # Denied, however far the negation: a clerk reads it; never found.
            assert state is AffirmationState.UNCLEAR, (affirmation, case.note)
        else:
            assert state is AffirmationState.FOUND, (affirmation, result.reasons, case.note)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_letter_gets_the_answer_a_clerk_gives_it(case: LetterText) -> None:
    result = outcome(case.id)
    if case.verdict == "bad":
        assert result.status is Status.NEEDS_REVIEW, case.note
    else:
        assert result.status is Status.COMPLETE, (result.codes, result.reasons)
    # A denied statement is touched by the letter: the attorney is never told it is missing.
    assert result.told_missing == []


def test_the_set_is_large_and_varied() -> None:
    assert len(FAR_NEGATIONS) >= 40
    assert len(ASSERTIVE_NEGATIONS) >= 20
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({s for c in CASES for s in c.styles}) >= 8
