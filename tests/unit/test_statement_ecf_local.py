"""The ECF affirmation needs both parts, read AND will comply; the Local Rules one needs
familiarity. Sentences: fixtures/ecf_local_sentences.py."""

from __future__ import annotations

import pytest

from fixtures.ecf_local_sentences import NOT_SAID, SAID
from intake.core.model import AffirmationState
from tests.unit.test_statement_assertion import state


def test_the_corpus_is_large_and_has_both_sides() -> None:
    assert len(SAID) + len(NOT_SAID) >= 80
    for affirmation in ("ecf_procedures", "local_rules"):
        assert sum(a == affirmation for a, _ in SAID) >= 8
        assert sum(a == affirmation for a, _ in NOT_SAID) >= 8


@pytest.mark.parametrize(("affirmation", "body"), SAID)
def test_the_statement_said_is_found(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is AffirmationState.FOUND


@pytest.mark.parametrize(("affirmation", "body"), NOT_SAID)
def test_the_statement_not_said_goes_to_a_clerk(affirmation: str, body: str) -> None:
    # Never found (a wrong "complete"), never missing (the letter speaks of it).
    assert state(affirmation, body) is AffirmationState.UNCLEAR
