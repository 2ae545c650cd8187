"""Another court's procedures, rules or bar are not this court's statement
(fixtures/statement_courts.py); this court's, naming another in passing, still is."""

from __future__ import annotations

import pytest

from fixtures.statement_courts import ANOTHER_COURT, THIS_COURT_NAMED
from intake.core.model import AffirmationState
from tests.unit.test_statement_assertion import state


@pytest.mark.parametrize(("affirmation", "body"), ANOTHER_COURT)
def test_another_court_s_statement_is_never_found(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is not AffirmationState.FOUND


@pytest.mark.parametrize(("affirmation", "body"), THIS_COURT_NAMED)
def test_this_court_s_statement_naming_another_court_is_found(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is AffirmationState.FOUND
