"""What a statement asserts: its predicate tied to its object, and doubt scoped to it.

The sentences are fixtures/statement_sentences.py (classes of issue 9): the words of an
affirmation present without its statement, and doubt that touches the predicate.
"""

from __future__ import annotations

import pytest

from fixtures.statement_sentences import (
    FRAMED,
    HEDGED,
    NOT_RESPELLED,
    PROMISED,
    SAID,
    SAID_MIDDLES,
    UNSAID,
    P,
    T,
)
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


@pytest.mark.parametrize(("affirmation", "body"), UNSAID)
def test_words_that_co_occur_without_the_statement_go_to_a_clerk(
    affirmation: str, body: str
) -> None:
    assert state(affirmation, body) is AffirmationState.UNCLEAR


@pytest.mark.parametrize(("affirmation", "body"), HEDGED)
def test_doubt_that_touches_the_predicate_goes_to_a_clerk(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is AffirmationState.UNCLEAR


@pytest.mark.parametrize("middle", SAID_MIDDLES)
def test_confidence_and_a_defining_clause_are_not_doubt(middle: str) -> None:
    assert state("local_rules", P + middle + T) is AffirmationState.FOUND


@pytest.mark.parametrize("body", FRAMED)
def test_words_of_framing_are_no_promise_to_comply(body: str) -> None:
    # "declare as follows:", "the following:", "with respect to", "the honor to": read,
    # but never promised. Such a letter was answered complete.
    assert state("ecf_procedures", body) is AffirmationState.UNCLEAR


@pytest.mark.parametrize("body", PROMISED)
def test_the_same_verbs_as_a_promise_to_comply_are_found(body: str) -> None:
    assert state("ecf_procedures", body) is AffirmationState.FOUND


@pytest.mark.parametrize(("affirmation", "body"), SAID)
def test_a_stranger_s_wording_of_the_statement_is_read(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is AffirmationState.FOUND


@pytest.mark.parametrize(("affirmation", "body"), NOT_RESPELLED)
def test_short_words_and_turned_words_are_not_respelled(affirmation: str, body: str) -> None:
    assert state(affirmation, body) is not AffirmationState.FOUND


def test_a_respelled_statement_keeps_the_letter_s_spelling_as_evidence() -> None:
    body = "I am familar with the Bankrupcty Local Rules."
    text = f"Dear Clerk:\n\n{body}\n\nSincerely,\n/s/ Jane Q. Doe\nJane Q. Doe"
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), POLICY
    )
    local = next(a for a in facts.affirmations if a.id == "local_rules")
    assert local.state is AffirmationState.FOUND
    assert local.evidence is not None and local.evidence.text == body
