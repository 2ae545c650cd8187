"""The red team's letters (fixtures/letter_cases_redteam.py): near-misses that a keyword
reader would accept, and good letters in unusual wordings, each read from its PDF as
`intake check` reads it and assessed with six good NEFs, so that the letter alone decides."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases_redteam import AFFIRMATIONS, RedCase, redteam_cases
from intake.core.model import AffirmationState, Status
from intake.core.policy.rules import load_rules

CASES = redteam_cases()


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(c.id, c.pdf, c.sender_name, c.verdict, dict(c.affirmations), c.own_letter, c.kind)
    return run_case(case, load_rules())


BAD = [c for c in CASES if c.verdict == "bad"]
GOOD = [c for c in CASES if c.verdict == "good"]


@pytest.mark.parametrize("case", BAD, ids=lambda c: c.id)
def test_a_statement_the_letter_does_not_make_is_never_found(case: RedCase) -> None:
    result = outcome(case.id)
    for affirmation, made in case.affirmations.items():
        if made == "not_made":
            assert result.states[affirmation] is not AffirmationState.FOUND, (
                affirmation,
                case.note,
            )
    assert result.status is not Status.COMPLETE, case.note


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.id)
def test_a_good_letter_is_never_told_that_it_lacks_a_statement(case: RedCase) -> None:
    result = outcome(case.id)
    assert result.told_missing == [], case.note
    assert all(s is not AffirmationState.MISSING for s in result.states.values()), result.states
    # Read, or sent to a clerk: never answered as deficient.
    assert result.status in (Status.COMPLETE, Status.NEEDS_REVIEW), (result.codes, result.reasons)


def test_most_good_letters_are_read_without_a_clerk() -> None:
    complete = [c.id for c in GOOD if outcome(c.id).status is Status.COMPLETE]
    assert len(complete) >= 0.9 * len(GOOD), sorted({c.id for c in GOOD} - set(complete))


def test_the_set_is_large_and_covers_each_statement() -> None:
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
    for affirmation in AFFIRMATIONS:
        assert sum(c.affirmations[affirmation] == "not_made" for c in BAD) >= 15, affirmation
    assert len(GOOD) >= 40
    assert {c.layout for c in CASES} == {"formal", "numbered", "one-paragraph"}
