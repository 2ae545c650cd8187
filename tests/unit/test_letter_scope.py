"""The third set of the reader's own letters (fixtures/letter_cases_scope.py): negations
far from the statement they deny are scoped to it, what only looks like a negation
asserts, the signing attorney in the third person speaks, and someone else does not.
Each case against its labelled answer, read as `intake check` reads it."""

from __future__ import annotations

import re
from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases import LetterText
from fixtures.letter_cases_scope import (
    ASSERTIVE_NEGATIONS,
    FAR_NEGATIONS,
    SOMEONE_ELSE,
    THIRD_PERSON,
    scope_cases,
)
from intake.core.documents.statements import self_names
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
    assert len(THIRD_PERSON) >= 10 and len(SOMEONE_ELSE) >= 8
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({s for c in CASES for s in c.styles}) >= 8


def test_the_signers_own_name_speaks_but_not_as_a_possessive() -> None:
    (pattern,) = self_names("Tobias R. Fenn")
    said = re.compile(pattern, re.I)
    for text in (
        "Mr. Fenn has read",
        "Attorney Fenn is familiar",
        "Tobias R. Fenn has read",
        "Mr. Fenn's CM/ECF login and password",
    ):
        assert said.search(text), text
    for text in ("Mr. Fenn's paralegal has read", "Ms. Ostrow has read", "Tobias Ostrow has read"):
        assert not said.search(text), text
    assert self_names(None) == () and self_names("Fenn") == ()


def test_a_letter_written_for_the_attorney_by_staff_is_never_the_attorneys_own() -> None:
    """Staff naming the attorney in the third person ("Ms. Whitcombe has read ..."): the
    name is the attorney's, but the signer is not; the letter is never complete."""
    statements = [
        "On behalf of attorney Ana Whitcombe, I confirm that Ms. Whitcombe has read the ECF "
        "Procedures and will comply with them.",
        "Ms. Whitcombe is familiar with the Bankruptcy Local Rules.",
        "Ms. Whitcombe is a member of the bar of the U.S. District Court for the Northern "
        "District of California.",
        "Ms. Whitcombe's login and password are for her use only, and a filing made with them "
        "is her signature.",
    ]
    text = "\n".join(
        [
            "Dear Clerk:",
            "",
            *statements,
            "",
            "Sincerely,",
            "/s/ Jordan Pike",
            "Jordan Pike",
            "Paralegal to Ana Whitcombe",
        ]
    )
    letter = LetterText("on-behalf-named", (text,), "Ana Whitcombe", "bad", {})
    case = Case(letter.id, letter.pdf_text(), letter.sender_name, "bad", {}, False, letter.kind)
    result = run_case(case, load_rules())
    assert result.status is not Status.COMPLETE
    assert result.states["local_rules"] is not AffirmationState.FOUND
