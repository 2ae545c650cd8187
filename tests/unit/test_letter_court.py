"""The fourth set of the reader's own letters (fixtures/letter_cases_court.py): the
attorney's letter that names a case is never taken for a court filing, and the court
filings that look like it are never answered complete. Read as `intake check` reads them."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases import LetterText
from fixtures.letter_cases_court import court_cases
from intake.core.model import DocumentKind, Status
from intake.core.policy.rules import load_rules

CASES = court_cases()
GOOD = [c for c in CASES if c.verdict == "good"]
LOOKALIKES = [c for c in CASES if c.verdict == "other"]


@cache
def outcome(case_id: str) -> Outcome:
    c = next(c for c in CASES if c.id == case_id)
    case = Case(
        c.id, c.pdf_text(), c.sender_name, c.verdict, dict(c.affirmations), c.own_letter, c.kind
    )
    return run_case(case, load_rules())


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.id)
def test_the_letter_that_names_a_case_is_never_taken_for_a_court_filing(
    case: LetterText,
) -> None:
    # Taken for "other", the request was incomplete and the attorney told no letter came.
    result = outcome(case.id)
    assert result.kind is DocumentKind.LETTER, result.reason
    assert result.status in (Status.COMPLETE, Status.NEEDS_REVIEW), result.codes
    assert result.told_missing == []


@pytest.mark.parametrize("case", GOOD, ids=lambda c: c.id)
def test_a_letter_that_names_a_case_and_makes_every_statement_is_the_letter(
    case: LetterText,
) -> None:
    result = outcome(case.id)
    if all(state.value == "found" for state in result.states.values()):
        assert "letter_uncertain" not in result.codes, result.reason
        assert result.status is Status.COMPLETE, result.codes


@pytest.mark.parametrize("case", LOOKALIKES, ids=lambda c: c.id)
def test_a_filing_in_the_case_is_other_or_uncertain_never_complete(case: LetterText) -> None:
    result = outcome(case.id)
    assert result.status is not Status.COMPLETE, case.note
    if result.kind is DocumentKind.LETTER:
        # At worst a clerk reads it: never taken for the letter with certainty.
        assert "letter_uncertain" in result.codes, (result.reason, case.note)


def test_the_set_is_large_and_varied() -> None:
    assert len(GOOD) >= 24 and len(LOOKALIKES) >= 8
    assert len({c.id for c in CASES}) == len(CASES)
    assert len({c.styles[1] for c in GOOD}) >= 12  # layouts
    assert len({c.styles[2] for c in GOOD}) >= 4  # how the case is named
