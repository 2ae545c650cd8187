"""The qualification statement (Civil L.R. 11-1(a), 11-2 or 11-3) and the court a letter
is written to: fixtures/qualification_sentences.py, each sentence the body of a short
signed letter under an addressee."""

from __future__ import annotations

import pytest

from fixtures.qualification_sentences import (
    ELSEWHERE,
    HERE,
    HERE_OTHER_WAYS,
    NOT_QUALIFIED,
    QUALIFIED,
    THIS_COURT,
    THIS_COURT_WITH_ANOTHER,
    UNADDRESSED,
)
from intake.core.documents.letter import read_letter
from intake.core.model import Affirmation, AffirmationState, PageText, PdfText
from intake.core.policy.rules import DEFAULT_RULES_DIR, LetterPolicy, load_file

POLICY = load_file(DEFAULT_RULES_DIR / "letter.toml", LetterPolicy)


def qualification(head: str, body: str) -> Affirmation:
    text = f"{head}\n\n{body}\n\nSincerely,\n/s/ Jane Q. Doe\nJane Q. Doe"
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), POLICY
    )
    return next(a for a in facts.affirmations if a.id == "qualification")


@pytest.mark.parametrize("head", [HERE, *HERE_OTHER_WAYS])
@pytest.mark.parametrize("body", THIS_COURT)
def test_the_bar_of_this_court_is_this_district_s_in_a_letter_written_here(
    head: str, body: str
) -> None:
    found = qualification(head, body)
    assert found.state is AffirmationState.FOUND, found.reason
    assert found.evidence is not None and body in found.evidence.text


@pytest.mark.parametrize("head", [*ELSEWHERE, *UNADDRESSED])
@pytest.mark.parametrize("body", THIS_COURT)
def test_the_bar_of_this_court_in_a_letter_written_elsewhere_goes_to_a_clerk(
    head: str, body: str
) -> None:
    # "This Court" is then another court, or no court the letter names: never found,
    # and touched, so never told to the attorney as missing.
    assert qualification(head, body).state is AffirmationState.UNCLEAR


@pytest.mark.parametrize("body", THIS_COURT_WITH_ANOTHER)
def test_the_bar_of_this_court_with_another_district_named_goes_to_a_clerk(body: str) -> None:
    assert qualification(HERE, body).state is AffirmationState.UNCLEAR


@pytest.mark.parametrize("head", [HERE, ELSEWHERE[0], UNADDRESSED[0]])
@pytest.mark.parametrize("body", QUALIFIED)
def test_pro_hac_vice_and_government_counsel_are_read(head: str, body: str) -> None:
    found = qualification(head, body)
    assert found.state is AffirmationState.FOUND, found.reason


@pytest.mark.parametrize("head", [HERE, *ELSEWHERE, *UNADDRESSED])
@pytest.mark.parametrize("body", NOT_QUALIFIED)
def test_another_bar_a_future_admission_or_someone_else_is_never_found(
    head: str, body: str
) -> None:
    assert qualification(head, body).state is not AffirmationState.FOUND


def test_the_corpus_is_large_and_mixed() -> None:
    assert len(THIS_COURT) + len(QUALIFIED) >= 30
    assert len(NOT_QUALIFIED) + len(THIS_COURT_WITH_ANOTHER) >= 60
