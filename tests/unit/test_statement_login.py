"""The login affirmation: both parts said, in the attorney's own voice, or a clerk reads it.

The sentences are fixtures/login_statements.py: own use said in a relative clause, a
second predicate or a list item, the signature said otherwise, "they" for the login; and
half statements, staff joined to the attorney, hedges, negations, someone else's login.
"""

from __future__ import annotations

import pytest

from fixtures.login_statements import MADE, NOT_MADE, NOT_TAKEN_BACK, SAID_THEN, TAKEN_BACK
from intake.core.model import AffirmationState
from tests.unit import test_statement_assertion


def state(body: str) -> AffirmationState:
    return test_statement_assertion.state("login_responsibility", body)


@pytest.mark.parametrize("body", MADE)
def test_the_login_statement_in_a_stranger_s_shape_is_found(body: str) -> None:
    assert state(body) is AffirmationState.FOUND


@pytest.mark.parametrize("body", NOT_MADE)
def test_half_the_login_statement_or_someone_else_s_is_never_found(body: str) -> None:
    assert state(body) is not AffirmationState.FOUND


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(MADE) + len(NOT_MADE) >= 80
    assert len(set(MADE)) == len(MADE) and len(set(NOT_MADE)) == len(NOT_MADE)


ECF_SENTENCE = "I have read the ECF Procedures and will comply with them."


@pytest.mark.parametrize("said", SAID_THEN)
@pytest.mark.parametrize("later", TAKEN_BACK)
def test_the_login_statement_taken_back_later_in_the_letter_is_never_found(
    said: str, later: str
) -> None:
    assert state(f"{said}\n{ECF_SENTENCE}\n{later}") is not AffirmationState.FOUND


@pytest.mark.parametrize("said", SAID_THEN)
@pytest.mark.parametrize("later", NOT_TAKEN_BACK)
def test_staff_or_the_login_spoken_of_later_without_giving_it_away_keeps_it_found(
    said: str, later: str
) -> None:
    assert state(f"{said}\n{ECF_SENTENCE}\n{later}") is AffirmationState.FOUND
