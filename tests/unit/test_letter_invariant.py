"""The invariant of the letter's judgement (issue 9): doubt goes to the clerk, never to the
attorney.

Over every combination of affirmation, signature and authorship states a reading can give,
with six good NEFs (so that the letter alone decides): a letter whose every fact is found
or unclear is never answered `incomplete` and never tells the attorney that something is
missing; it is `complete` only when every fact is found; and any fact missing or absent
keeps the request from `complete`. Then the reader itself: a pen-signed letter, whatever
its closing and signature block, is never read as unsigned.
"""

from __future__ import annotations

from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.letters import _nefs
from intake.core.documents.letter import read_letter
from intake.core.documents.names import same_person
from intake.core.model import (
    Affirmation,
    AffirmationState,
    Document,
    DocumentKind,
    FactState,
    LetterFacts,
    PageText,
    PdfText,
    Status,
)
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules

NAME = "Imani Castellanos-Reyes"
LETTER_ITEMS = {"letter", "signature", "attorney_name", "affirmation", "own_letter"}


@cache
def rules() -> Rules:
    return load_rules()


def ids() -> list[str]:
    return [a.id for a in rules().letter.affirmations]


def judged(
    states: list[AffirmationState], signature: FactState, authorship: FactState, certain: bool
) -> tuple[Status, set[str]]:
    letter = LetterFacts(
        attorney_name=NAME if authorship is not FactState.ABSENT else None,
        signed=signature is FactState.FOUND,
        signature=signature,
        signature_reason=None if signature is FactState.FOUND else "the reader's doubt",
        authorship=authorship,
        authorship_reason=None if authorship is FactState.FOUND else "the reader's doubt",
        own_letter=authorship is not FactState.ABSENT,
        certain=certain,
        affirmations=tuple(
            Affirmation(id=i, state=s, reason=None if s is AffirmationState.FOUND else "doubt")
            for i, s in zip(ids(), states, strict=True)
        ),
    )
    document = Document(
        filename="letter.pdf", sha256="a" * 64, size=1, kind=DocumentKind.LETTER, letter=letter
    )
    assessment = assess([document, *_nefs(NAME)], NAME, rules())
    return assessment.status, {item.code for item in assessment.missing}


found_or_unclear = st.sampled_from([FactState.FOUND, FactState.UNCLEAR])
affirmation_found_or_unclear = st.sampled_from([AffirmationState.FOUND, AffirmationState.UNCLEAR])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(affirmation_found_or_unclear, min_size=4, max_size=4),
    found_or_unclear,
    found_or_unclear,
    st.booleans(),
)
def test_found_or_unclear_is_never_incomplete_and_complete_only_when_all_found(
    states: list[AffirmationState], signature: FactState, authorship: FactState, certain: bool
) -> None:
    status, missing = judged(states[: len(ids())], signature, authorship, certain)
    assert status is not Status.INCOMPLETE
    assert not missing & LETTER_ITEMS  # the attorney is told nothing is missing
    everything_found = (
        all(s is AffirmationState.FOUND for s in states[: len(ids())])
        and signature is FactState.FOUND
        and authorship is FactState.FOUND
        and certain
    )
    assert (status is Status.COMPLETE) == everything_found
    if not everything_found:
        assert status is Status.NEEDS_REVIEW


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(list(AffirmationState)), min_size=4, max_size=4),
    st.sampled_from(list(FactState)),
    st.sampled_from(list(FactState)),
)
def test_anything_missing_or_absent_is_never_complete(
    states: list[AffirmationState], signature: FactState, authorship: FactState
) -> None:
    states = states[: len(ids())]
    status, missing = judged(states, signature, authorship, True)
    gaps = AffirmationState.MISSING in states or FactState.ABSENT in (signature, authorship)
    if gaps:
        assert status is not Status.COMPLETE
    # What the attorney is told is missing is only what is missing or absent.
    if authorship is FactState.ABSENT:
        assert missing & LETTER_ITEMS == {"own_letter"}
    else:
        told = {"signature"} if signature is FactState.ABSENT else set()
        told |= {"affirmation"} if AffirmationState.MISSING in states else set()
        assert missing & LETTER_ITEMS == told


# ---------------------------------------------------------------- pen-signed letters

BODY = """\
Dear Clerk:

I have read the Court's Electronic Case Filing Procedures and will comply with them.
I am familiar with the Bankruptcy Local Rules.
I am admitted to the U.S. District Court for the Northern District of California.
My login and password are for my use only, and a filing made with them is my signature.
"""
CLOSINGS = [
    "Sincerely,",
    "Very truly yours,",
    "Respectfully submitted,",
    "Respectfully,",
    "Best regards,",
    "Kind regards,",
    "Cordially,",
    "Yours truly,",
    "Thank you,",
]
NAMES = [
    "Imani Castellanos-Reyes",
    "Pieter van der Walt",
    "JOSÉ LUIS DE LA CRUZ",
    "Siobhán Ní Bhriain",
    "Daniel K. Ames Jr.",
    "Mary St. Clair",
    "Carlos de los Santos",
]
TYPED = st.sampled_from(["{name}", "{name}, Esq.", "{name} (SBN 281144)", "By: {name}"])
EXTRAS = [
    "State Bar No. 281144",
    "Castellanos Law Group LLP",
    "imani@castellanos.test",
    "(510) 555-0199",
    "Attorney for Creditor Bayview Credit Union",
    "Partner",
]


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(CLOSINGS),
    st.sampled_from(NAMES),
    TYPED,
    st.integers(0, 3),
    st.booleans(),
    st.lists(st.sampled_from(EXTRAS), max_size=4, unique=True),
)
def test_a_pen_signed_letter_is_signed_by_its_typed_name(
    closing: str, name: str, typed: str, gap: int, rule: bool, extras: list[str]
) -> None:
    block = [closing, *[""] * gap, *(["______________________"] if rule else [])]
    text = BODY + "\n" + "\n".join([*block, typed.format(name=name), *extras])
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), rules().letter
    )
    assert facts.signature is FactState.FOUND, facts.signature_reason
    assert facts.attorney_name is not None and same_person(facts.attorney_name, name)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(CLOSINGS),
    st.integers(0, 3),
    st.lists(st.sampled_from(EXTRAS[1:]), min_size=1, max_size=3, unique=True),
)
def test_a_pen_signature_without_a_typed_name_is_unclear_not_unsigned(
    closing: str, gap: int, extras: list[str]
) -> None:
    # The pen signature is a picture; under it the text shows the firm, a title, contacts.
    text = BODY + "\n" + "\n".join([closing, *[""] * gap, *extras])
    facts = read_letter(
        PdfText(ok=True, page_count=1, pages=(PageText(number=1, text=text),)), rules().letter
    )
    assert facts.signature is FactState.UNCLEAR, facts.signature_reason
    assert "signature" not in facts.missing
