"""The ECF affirmation needs both parts, read AND will comply; the Local Rules one needs
familiarity. Sentences: fixtures/ecf_local_sentences.py."""

from __future__ import annotations

import pytest

from fixtures.ecf_local_sentences import NOT_SAID, SAID
from intake.core.documents.letter import read_letter
from intake.core.model import AffirmationState, PageText, PdfText
from intake.core.policy.rules import DEFAULT_RULES_DIR, LetterPolicy, load_file

POLICY = load_file(DEFAULT_RULES_DIR / "letter.toml", LetterPolicy)


def state(affirmation: str, body: str) -> AffirmationState:
    text = f"Dear Clerk:\n\n{body}\n\nSincerely,\n/s/ Jane Q. Doe\nJane Q. Doe"
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), POLICY
    )
    return next(a.state for a in facts.affirmations if a.id == affirmation)


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
