"""The reader's own letters about signatures, authorship and Civil L.R. 11-2
(fixtures/letter_cases_signing.py), each assessed as bench/letters.py assesses it: with
six good NEFs, so that the letter alone decides the outcome."""

from __future__ import annotations

from functools import cache

import pytest

from bench.letters import Case, Outcome, run_case
from fixtures.letter_cases_signing import FOUND, SigningCase, signing_cases
from intake.core.documents.letter import read_letter
from intake.core.documents.names import same_person
from intake.core.model import FactState
from intake.core.policy.rules import Rules, load_rules

CASES = signing_cases()


@cache
def rules() -> Rules:
    return load_rules()


def outcome(case: SigningCase) -> Outcome:
    c = case.letter
    bench_case = Case(
        c.id, c.pdf_text(), c.sender_name, c.verdict, dict(c.affirmations), c.own_letter, c.kind
    )
    return run_case(bench_case, rules())


def test_there_are_at_least_thirty_cases_in_every_class() -> None:
    styles = [case.letter.styles for case in CASES]
    assert len(CASES) >= 30
    for style in (
        "pen-signed",
        "e-signature",
        "unsigned",
        "on-behalf",
        "mentions-another-attorney",
        "state-government",
        "federal-government",
    ):
        assert sum(style in s for s in styles) >= 2, style


@pytest.mark.parametrize("case", CASES, ids=[c.letter.id for c in CASES])
def test_signing_case_reads_as_labelled(case: SigningCase) -> None:
    facts = read_letter(case.letter.pdf_text(), rules().letter)
    assert facts.signature is FactState(case.signature), facts.signature_reason
    assert facts.authorship is FactState(case.authorship), facts.authorship_reason
    if case.signature == FOUND and case.authorship == FOUND:
        assert same_person(facts.attorney_name or "", case.letter.sender_name)
    result = outcome(case)
    assert result.status.value == case.status, result.codes
    assert set(case.codes) <= set(result.codes), result.codes
    # Never told a statement is missing: every letter here makes (or touches) all four.
    assert result.told_missing == []
