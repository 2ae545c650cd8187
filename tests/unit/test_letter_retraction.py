"""The fourth set of the reader's own letters (fixtures/letter_cases_retraction.py): a
statement taken back far from where it is made (a P.S. under the signature, a line on
page two) is not confirmed, a P.S. about something else leaves the letter complete, and
another court's ECF Procedures or Local Rules are not this Court's. Each case against
its labelled answer, read as `intake check` reads it."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases import LetterText
from fixtures.letter_cases_retraction import HARMLESS, OTHER_COURT, RETRACTIONS, retraction_cases
from intake.core.model import AffirmationState, Status
from intake.core.policy.rules import load_rules

CASES = retraction_cases()


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(
        c.id, c.pdf_text(), c.sender_name, c.verdict, dict(c.affirmations), c.own_letter, c.kind
    )
    return run_case(case, load_rules())


def test_the_set_is_as_described() -> None:
    assert len(CASES) == len(RETRACTIONS) + len(HARMLESS) + len(OTHER_COURT) >= 35
    styles = {s for c in CASES for s in c.styles}
    assert {"postscript", "page-two", "names-none", "names-it", "harmless"} <= styles


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_a_statement_taken_back_or_of_another_court_is_never_found(case: LetterText) -> None:
    result = outcome(case.id)
    for affirmation, made in case.affirmations.items():
        state = result.states[affirmation]
        if made == "not_made":
            # The letter speaks of it: a clerk reads it, the attorney is not told it is missing.
            assert state is AffirmationState.UNCLEAR, (affirmation, case.note)
        elif case.verdict == "good":
            assert state is AffirmationState.FOUND, (affirmation, result.reasons, case.note)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_letter_gets_the_answer_a_clerk_gives_it(case: LetterText) -> None:
    result = outcome(case.id)
    if case.verdict == "bad":
        assert result.status is Status.NEEDS_REVIEW, case.note
    else:
        assert result.status is Status.COMPLETE, (result.codes, result.reasons, case.note)
    assert result.told_missing == []


def test_a_postscript_that_names_no_statement_leaves_every_statement_to_the_clerk() -> None:
    case = next(c for c in CASES if "names-none" in c.styles)
    result = outcome(case.id)
    assert all(s is AffirmationState.UNCLEAR for s in result.states.values()), result.reasons
