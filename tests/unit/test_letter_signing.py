"""The reader's own letters about signatures, authorship and Civil L.R. 11-2
(fixtures/letter_cases_signing.py), each assessed as bench/letters.py assesses it: with
six good NEFs, so that the letter alone decides the outcome."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from bench.letters import Case, Outcome, _nefs, run_case
from fixtures.letter_cases_signing import FOUND, SigningCase, signing_cases
from intake.core.documents.letter import read_letter
from intake.core.documents.names import same_person
from intake.core.model import Document, DocumentKind, FactState
from intake.core.policy.assess import assess
from intake.core.policy.rules import Rules, load_rules
from intake.core.summary.pages import render_request_html
from intake.core.summary.view import RequestFacts, build_summary

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


def test_the_clerk_reads_why_a_signature_is_unclear_and_the_attorney_is_not_told_it() -> None:
    case = next(c for c in CASES if c.letter.id == "own-sign-unclear-closing-over-firm")
    letter = read_letter(case.letter.pdf_text(), rules().letter)
    docs = [
        Document(filename="letter.pdf", sha256="b" * 64, size=1, kind=DocumentKind.LETTER,
                 letter=letter),
        *_nefs(case.letter.sender_name),
    ]  # fmt: skip
    assessment = assess(docs, case.letter.sender_name, rules())
    when = dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    view = build_summary(
        RequestFacts("R-1", case.letter.sender_name, None, when, when), assessment, docs,
        generated_at=when, rules=rules(),
    )  # fmt: skip
    page = render_request_html(view)
    assert "Unclear: look at the letter" in page
    assert "may be signed by hand" in page  # the reader's reason, for the clerk
    finding = next(f for f in assessment.findings if f.code == "signature_unclear")
    told = rules().word_for_attorney(finding)
    assert "clerk will read the letter" in told and "by hand" not in told
    assert not assessment.missing
