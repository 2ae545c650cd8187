"""A statement's words without the signing attorney making it are never `found`
(fixtures/statement_not_own.py): reported, sampled, asked for, a template's blank,
another person or party as the subject, or still to come."""

from __future__ import annotations

import pytest

from fixtures.statement_not_own import NOT_OWN, OWN
from intake.core.model import AffirmationState
from tests.unit.test_statement_assertion import state


@pytest.mark.parametrize(("affirmation", "body"), NOT_OWN)
def test_a_statement_not_made_by_the_signing_attorney_is_never_found(
    affirmation: str, body: str
) -> None:
    assert state(affirmation, body) is not AffirmationState.FOUND


@pytest.mark.parametrize(("affirmation", "body"), OWN)
def test_the_same_words_in_the_attorney_s_own_voice_are_found(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is AffirmationState.FOUND
